public import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyStorage
import GalleyRuntime

/// What emoji generation needs from a provider: DashScope in production, a stand-in
/// for local demos. Detection is synchronous; generation is an async task polled by id.
public protocol EmojiProvider: Sendable {
    func detect(imageURL: String) async throws(DashScopeError) -> FaceDetection
    func submit(_ request: GenerationRequest) async throws(DashScopeError) -> SubmittedTask
    func query(taskID: String) async throws(DashScopeError) -> ProviderTaskState
}

/// The face check DashScope runs before a generation.
public struct FaceDetection: Sendable, Hashable {
    public var passed: Bool
    public var faceBox: [Int]?
    public var extBox: [Int]?
    public var errorCode: String?
    public var errorMessage: String?
    /// The provider's whole answer, returned to the app as `raw`.
    public var raw: JSONValue?

    public init(passed: Bool, faceBox: [Int]? = nil, extBox: [Int]? = nil, errorCode: String? = nil, errorMessage: String? = nil, raw: JSONValue? = nil) {
        self.passed = passed
        self.faceBox = faceBox
        self.extBox = extBox
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.raw = raw
    }
}

public struct GenerationRequest: Sendable, Hashable {
    public var imageURL: String
    public var drivenID: String
    public var faceBox: [Int]
    public var extBox: [Int]

    public init(imageURL: String, drivenID: String, faceBox: [Int], extBox: [Int]) {
        self.imageURL = imageURL
        self.drivenID = drivenID
        self.faceBox = faceBox
        self.extBox = extBox
    }
}

public struct SubmittedTask: Sendable, Hashable {
    public var taskID: String
    public var status: String
    public var requestID: String?

    public init(taskID: String, status: String, requestID: String? = nil) {
        self.taskID = taskID
        self.status = status
        self.requestID = requestID
    }
}

/// A provider task's state. `status` is DashScope's: PENDING, RUNNING, SUCCEEDED,
/// FAILED, CANCELED, UNKNOWN.
public struct ProviderTaskState: Sendable, Hashable {
    public var status: String
    public var videoURL: String?
    public var errorCode: String?
    public var errorMessage: String?

    public init(status: String, videoURL: String? = nil, errorCode: String? = nil, errorMessage: String? = nil) {
        self.status = status
        self.videoURL = videoURL
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }

    /// SUCCEEDED, FAILED, CANCELED and UNKNOWN end a task; UNKNOWN means DashScope lost it.
    public var isTerminal: Bool { ["SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"].contains(status) }
    public var succeeded: Bool { status == "SUCCEEDED" }
}
