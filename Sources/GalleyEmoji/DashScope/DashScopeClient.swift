import Foundation
import GalleyCore
public import GalleyHTTPClient
import GalleyPostgres
import GalleyRedis
import GalleyStorage
import GalleyRuntime

/// DashScope's emoji API over HTTP, as the original called it: face detect
/// (synchronous), video synthesis (`X-DashScope-Async: enable`) and the task query,
/// through the fleet's one ``HTTPClient``.
public struct DashScopeClient: EmojiProvider {
    public struct Configuration: Sendable {
        public var baseURL: String
        public var apiKey: String?
        public var detectTimeoutSeconds: Double = 20
        public var createTimeoutSeconds: Double = 30
        public var queryTimeoutSeconds: Double = 20
        /// Requests on the wire at once; the rest wait here, their timeout not yet running.
        /// Without it a burst (10 000 polls falling due together) queues inside libcurl,
        /// each with its buffers, and times out there before it is sent.
        public var maxConcurrentRequests: Int = 256

        public init(baseURL: String, apiKey: String?) {
            var base = baseURL
            while base.hasSuffix("/") { base.removeLast() }
            self.baseURL = base
            self.apiKey = apiKey
        }
    }

    static let detectPath = "/api/v1/services/aigc/image2video/face-detect"
    static let synthesisPath = "/api/v1/services/aigc/image2video/video-synthesis"
    static let taskPath = "/api/v1/tasks/"

    /// Largest answer accepted; DashScope's are a few hundred bytes.
    static let maxAnswerBytes = 1 << 20

    public let configuration: Configuration
    private let http: HTTPClient
    private let gate: AsyncSemaphore

    public init(configuration: Configuration, http: HTTPClient = .shared) {
        self.configuration = configuration
        self.http = http
        self.gate = AsyncSemaphore(permits: max(1, configuration.maxConcurrentRequests))
    }

    public func detect(imageURL: String) async throws(DashScopeError) -> FaceDetection {
        let body: JSONValue = [
            "model": "emoji-detect-v1",
            "input": ["image_url": .string(imageURL)],
            "parameters": ["ratio": "1:1"],
        ]
        let answer = try await send(.detect, path: DashScopeClient.detectPath, body: body, async: false, timeout: configuration.detectTimeoutSeconds)
        guard let output = answer["output"]?.objectValue else { throw .invalidResponse(.detect, "no output") }
        if let face = DashScopeClient.box(output["bbox_face"]), let ext = DashScopeClient.box(output["ext_bbox_face"]) {
            return FaceDetection(passed: true, faceBox: face, extBox: ext, raw: answer)
        }
        let code = DashScopeClient.text(output["code"])
        let message = DashScopeClient.text(output["message"])
        if code != nil || message != nil {
            return FaceDetection(passed: false, errorCode: code, errorMessage: message, raw: answer)
        }
        throw .invalidResponse(.detect, "no boxes and no error")
    }

    public func submit(_ request: GenerationRequest) async throws(DashScopeError) -> SubmittedTask {
        let body: JSONValue = [
            "model": "emoji-v1",
            "input": [
                "image_url": .string(request.imageURL),
                "driven_id": .string(request.drivenID),
                "face_bbox": .array(request.faceBox.map { .int(Int64($0)) }),
                "ext_bbox": .array(request.extBox.map { .int(Int64($0)) }),
            ],
        ]
        let answer = try await send(.create, path: DashScopeClient.synthesisPath, body: body, async: true, timeout: configuration.createTimeoutSeconds)
        guard let output = answer["output"]?.objectValue, let taskID = DashScopeClient.text(output["task_id"]), !taskID.isEmpty else {
            throw .invalidResponse(.create, "no task_id")
        }
        return SubmittedTask(taskID: taskID, status: DashScopeClient.text(output["task_status"]) ?? "", requestID: DashScopeClient.text(answer["request_id"]))
    }

    public func query(taskID: String) async throws(DashScopeError) -> ProviderTaskState {
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))
        let escaped = taskID.addingPercentEncoding(withAllowedCharacters: allowed) ?? taskID
        let answer = try await send(.query, path: DashScopeClient.taskPath + escaped, body: nil, async: false, timeout: configuration.queryTimeoutSeconds)
        guard let output = answer["output"]?.objectValue, let status = DashScopeClient.text(output["task_status"]) else {
            throw .invalidResponse(.query, "no task_status")
        }
        var videoURL = DashScopeClient.text(output["video_url"])
        if videoURL == nil, let first = output["results"]?.arrayValue?.first {
            videoURL = DashScopeClient.text(first["video_url"])
        }
        return ProviderTaskState(
            status: status.uppercased(),
            videoURL: videoURL,
            errorCode: DashScopeClient.text(output["code"]),
            errorMessage: DashScopeClient.text(output["message"])
        )
    }

    private func send(_ stage: DashScopeError.Stage, path: String, body: JSONValue?, async: Bool, timeout: Double) async throws(DashScopeError) -> JSONValue {
        guard let apiKey = configuration.apiKey, !apiKey.isEmpty else { throw .notConfigured(stage) }
        var headers: [(name: String, value: String)] = [("Authorization", "Bearer \(apiKey)")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        if async { headers.append(("X-DashScope-Async", "enable")) }
        let request = HTTPClientRequest(method: body == nil ? "GET" : "POST", url: configuration.baseURL + path, headers: headers,
                                        body: body.map { JSONWriter.bytes($0) } ?? [], maxResponseBytes: DashScopeClient.maxAnswerBytes)
        let response: HTTPClientResponse
        await gate.acquire()
        defer { gate.release() }
        do {
            response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        } catch let error as HTTPClientError where error.code == .invalidRequest {
            throw .invalidResponse(stage, "request refused: \(error.debugDescription)")
        } catch {
            // Cancellation included: the caller checks for it at its next safe point.
            throw .transport(stage, String(reflecting: error))
        }
        let status = response.status
        let parsed = try? JSONParser.parse(response.body)
        guard (200..<300).contains(status) else {
            throw .http(stage, status: status, providerCode: parsed.flatMap { DashScopeClient.text($0["code"]) },
                        providerMessage: parsed.flatMap { DashScopeClient.text($0["message"]) })
        }
        guard let parsed, parsed.objectValue != nil else { throw .invalidResponse(stage, "not a JSON object") }
        return parsed
    }

    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .double(let d)?: return String(d)
        default: return nil
        }
    }

    static func box(_ value: JSONValue?) -> [Int]? {
        guard let items = value?.arrayValue, !items.isEmpty else { return nil }
        let numbers = items.compactMap { $0.int64Value.map(Int.init) }
        return numbers.count == items.count ? numbers : nil
    }
}
