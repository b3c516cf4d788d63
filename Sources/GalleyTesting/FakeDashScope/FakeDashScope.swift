import GalleyEmoji
public import Foundation
import Synchronization
import GalleyCore
public import GalleyHTTP

/// A fake DashScope speaking the real protocol, for tests, the local stack and
/// benchmarks: synchronous face detection, asynchronous video synthesis
/// (`X-DashScope-Async: enable`), the task query with PENDING → RUNNING →
/// SUCCEEDED / FAILED / UNKNOWN by elapsed time, and the generated video served by
/// itself. Answers are computed in memory under one lock, so every route is answered
/// on the server's I/O threads.
///
/// Admin routes: `GET /_fake/stats`, `GET /_fake/submissions` (each accepted submission's
/// arrival time and task id), `POST /_fake/config` (JSON with any of
/// `latency_seconds`, `failure_rate`, `throttle_rate`, `unknown_rate`), `POST /_fake/reset`.
public final class FakeDashScope: HTTPResponder {
    static let detectPath = "/api/v1/services/aigc/image2video/face-detect"
    static let synthesisPath = "/api/v1/services/aigc/image2video/video-synthesis"
    static let taskPrefix = "/api/v1/tasks/"
    static let videoPrefix = "/videos/"

    private enum Outcome: Sendable { case succeeded, failed, unknown }

    private struct FakeTask: Sendable {
        var submitted: Date
        var latency: Double
        var outcome: Outcome
    }

    private struct State {
        var configuration: FakeDashScopeConfiguration
        var tasks: [String: FakeTask] = [:]
        var stats = FakeDashScopeStats()
        var submissions = FakeDashScopeSubmissionLog()
    }

    private let state: Mutex<State>
    private let now: @Sendable () -> Date

    /// `now` is settable so tests step through a task's life without sleeping.
    public init(configuration: FakeDashScopeConfiguration = FakeDashScopeConfiguration(), now: @escaping @Sendable () -> Date = { Date() }) {
        state = Mutex(State(configuration: configuration))
        self.now = now
    }

    public var stats: FakeDashScopeStats { state.withLock { $0.stats } }
    /// Accepted submissions in arrival order (at most ``FakeDashScopeSubmissionLog/capacity``).
    public var submissions: [FakeDashScopeSubmission] { state.withLock { $0.submissions.entries } }
    public var configuration: FakeDashScopeConfiguration { state.withLock { $0.configuration } }

    public func update(_ change: (inout FakeDashScopeConfiguration) -> Void) {
        state.withLock { change(&$0.configuration) }
    }

    /// Forgets tasks and counters.
    public func reset() {
        state.withLock { state in
            state.tasks = [:]
            state.stats = FakeDashScopeStats()
            state.submissions = FakeDashScopeSubmissionLog()
        }
    }

    public func answersInline(method: String, path: String) -> Bool { true }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        switch (request.method, path) {
        case ("GET", "/_fake/stats"):
            return HTTPResponse(json: stats.json)
        case ("GET", "/_fake/submissions"):
            return HTTPResponse(json: state.withLock { $0.submissions.json })
        case ("POST", "/_fake/config"):
            return configure(request)
        case ("POST", "/_fake/reset"):
            reset()
            return HTTPResponse(json: ["reset": true])
        case ("GET", _) where path.hasPrefix(FakeDashScope.videoPrefix):
            return video(path)
        default:
            break
        }
        guard path.hasPrefix("/api/v1/") else { return FakeDashScope.error(404, "NotFound", "no such route") }
        guard let auth = request.headers["Authorization"], auth.hasPrefix("Bearer "),
              !String(auth.dropFirst("Bearer ".count)).trimmingWhitespace().isEmpty
        else {
            return FakeDashScope.error(401, "InvalidApiKey", "Invalid API-key provided.")
        }
        switch (request.method, path) {
        case ("POST", FakeDashScope.detectPath):
            return detect(request)
        case ("POST", FakeDashScope.synthesisPath):
            return submit(request)
        case ("GET", _) where path.hasPrefix(FakeDashScope.taskPrefix):
            return query(String(path.dropFirst(FakeDashScope.taskPrefix.count)), request: request)
        default:
            return FakeDashScope.error(404, "NotFound", "no such route")
        }
    }

    private func detect(_ request: HTTPRequest) -> HTTPResponse {
        state.withLock { $0.stats.detectsTotal += 1 }
        guard let body = try? JSONParser.parse(request.body), let imageURL = body["input"]?["image_url"]?.stringValue, !imageURL.isEmpty else {
            return FakeDashScope.error(400, "InvalidParameter", "input.image_url is required")
        }
        if imageURL.contains("noface") {
            return HTTPResponse(json: ["output": ["code": "InvalidFile.NoFace", "message": "No face detected in the image."],
                                       "request_id": .string(FakeDashScope.requestID())])
        }
        return HTTPResponse(json: [
            "output": ["bbox_face": [102, 88, 410, 396], "ext_bbox_face": [40, 20, 480, 460]],
            "usage": ["image_count": 1],
            "request_id": .string(FakeDashScope.requestID()),
        ])
    }

    private func submit(_ request: HTTPRequest) -> HTTPResponse {
        guard request.headers["X-DashScope-Async"]?.lowercased() == "enable" else {
            // What DashScope says to a synchronous call of an asynchronous-only model.
            return FakeDashScope.error(403, "AccessDenied", "current user api does not support synchronous calls")
        }
        guard let body = try? JSONParser.parse(request.body), body.objectValue != nil else {
            return FakeDashScope.error(400, "InvalidParameter", "the body is not JSON")
        }
        guard let model = body["model"]?.stringValue, !model.isEmpty else {
            return FakeDashScope.error(400, "InvalidParameter", "model is required")
        }
        let input = body["input"]
        guard let imageURL = input?["image_url"]?.stringValue, !imageURL.isEmpty,
              let drivenID = input?["driven_id"]?.stringValue, !drivenID.isEmpty,
              input?["face_bbox"]?.arrayValue?.count == 4, input?["ext_bbox"]?.arrayValue?.count == 4
        else {
            return FakeDashScope.error(400, "InvalidParameter", "input needs image_url, driven_id, face_bbox and ext_bbox")
        }
        let id = UUID().uuidString.lowercased()
        let throttled = state.withLock { state -> Bool in
            let config = state.configuration
            if FakeDashScope.chance(config.throttleRate) {
                state.stats.throttledTotal += 1
                return true
            }
            let roll = Double.random(in: 0..<1)
            let outcome: Outcome = roll < config.failureRate ? .failed : roll < config.failureRate + config.unknownRate ? .unknown : .succeeded
            let arrived = now()
            state.tasks[id] = FakeTask(submitted: arrived, latency: config.latencySeconds, outcome: outcome)
            state.stats.submitsTotal += 1
            state.stats.submitsByImage[imageURL, default: 0] += 1
            state.submissions.append(FakeDashScopeSubmission(imageURL: imageURL, taskID: id, at: arrived))
            return false
        }
        if throttled { return FakeDashScope.throttle() }
        return HTTPResponse(json: ["output": ["task_id": .string(id), "task_status": "PENDING"], "request_id": .string(FakeDashScope.requestID())])
    }

    private func query(_ id: String, request: HTTPRequest) -> HTTPResponse {
        let now = self.now()
        let found = state.withLock { state -> (throttled: Bool, task: FakeTask?, base: String?) in
            if FakeDashScope.chance(state.configuration.throttleRate) {
                state.stats.throttledTotal += 1
                return (true, nil, nil)
            }
            state.stats.queriesTotal += 1
            return (false, state.tasks[id], state.configuration.publicBaseURL)
        }
        if found.throttled { return FakeDashScope.throttle() }
        var output: [(String, JSONValue)] = [("task_id", .string(id))]
        guard let task = found.task else {
            output.append(("task_status", "UNKNOWN"))
            return HTTPResponse(json: ["output": .object(JSONObject(output)), "request_id": .string(FakeDashScope.requestID())])
        }
        let elapsed = now.timeIntervalSince(task.submitted)
        output.append(("submit_time", .string(FakeDashScope.time(task.submitted))))
        if elapsed < task.latency {
            output.append(("task_status", elapsed < task.latency / 4 ? "PENDING" : "RUNNING"))
            return HTTPResponse(json: ["output": .object(JSONObject(output)), "request_id": .string(FakeDashScope.requestID())])
        }
        let end = task.submitted.addingTimeInterval(task.latency)
        output.append(("end_time", .string(FakeDashScope.time(end))))
        var answer: [(String, JSONValue)] = []
        switch task.outcome {
        case .succeeded:
            let base = found.base ?? "http://" + (request.headers["Host"] ?? "127.0.0.1")
            output.append(("task_status", "SUCCEEDED"))
            output.append(("video_url", .string("\(base)\(FakeDashScope.videoPrefix)\(id).mp4")))
            answer.append(("usage", ["video_duration": 1.0]))
        case .failed:
            output.append(("task_status", "FAILED"))
            output.append(("code", "InternalError.Algo"))
            output.append(("message", "the fake model failed to generate the video"))
        case .unknown:
            output.append(("task_status", "UNKNOWN"))
        }
        answer.insert(("output", .object(JSONObject(output))), at: 0)
        answer.append(("request_id", .string(FakeDashScope.requestID())))
        return HTTPResponse(json: .object(JSONObject(answer)))
    }

    private func video(_ path: String) -> HTTPResponse {
        let name = path.dropFirst(FakeDashScope.videoPrefix.count)
        guard name.hasSuffix(".mp4") else { return HTTPResponse(status: 404, text: "not found\n") }
        let id = String(name.dropLast(4))
        let known = state.withLock { state -> Bool in
            guard let task = state.tasks[id], task.outcome == .succeeded else { return false }
            state.stats.downloadsTotal += 1
            return true
        }
        guard known else { return HTTPResponse(status: 404, text: "not found\n") }
        return HTTPResponse(status: 200, headers: [("Content-Type", "video/mp4")], body: MockEmojiProvider.sampleVideo)
    }

    private func configure(_ request: HTTPRequest) -> HTTPResponse {
        guard let body = try? JSONParser.parse(request.body), body.objectValue != nil else {
            return HTTPResponse(status: 400, json: ["error": "expected a JSON object"])
        }
        let updated = state.withLock { state -> FakeDashScopeConfiguration in
            if let value = body["latency_seconds"]?.doubleValue { state.configuration.latencySeconds = max(0, value) }
            if let value = body["failure_rate"]?.doubleValue { state.configuration.failureRate = min(1, max(0, value)) }
            if let value = body["throttle_rate"]?.doubleValue { state.configuration.throttleRate = min(1, max(0, value)) }
            if let value = body["unknown_rate"]?.doubleValue { state.configuration.unknownRate = min(1, max(0, value)) }
            return state.configuration
        }
        return HTTPResponse(json: [
            "latency_seconds": .double(updated.latencySeconds), "failure_rate": .double(updated.failureRate),
            "throttle_rate": .double(updated.throttleRate), "unknown_rate": .double(updated.unknownRate),
        ])
    }

    private static func chance(_ rate: Double) -> Bool {
        rate > 0 && Double.random(in: 0..<1) < rate
    }

    private static func throttle() -> HTTPResponse {
        error(429, "Throttling.RateQuota", "Requests rate limit exceeded, please try again later.")
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, json: ["code": .string(code), "message": .string(message), "request_id": .string(requestID())])
    }

    static func requestID() -> String { UUID().uuidString.lowercased() }

    /// DashScope's `2024-07-02 10:35:14.781` (UTC here).
    static func time(_ date: Date) -> String {
        let iso = Timestamp.iso8601(date)  // 2024-07-02T10:35:14.781Z
        return iso.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
    }
}
