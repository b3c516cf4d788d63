public import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyStorage
import GalleyRuntime

/// A stand-in for DashScope in local demos (`ALIYUN_EMOJI_MOCK=true`), as the original
/// had: detection always passes with fixed boxes; a generation succeeds ``delay`` after
/// its submission with a `galley-mock://` video the worker's result store recognises
/// and writes from ``sampleVideo`` instead of downloading. Stateless: the submit time
/// travels in the task id, so any worker process can answer a query for any mock task.
public struct MockEmojiProvider: EmojiProvider {
    /// The scheme of the mock's video URLs: not fetchable, the bytes are built in.
    public static let videoScheme = "galley-mock"
    public static let sampleVideoURL = "galley-mock://sample.mp4"
    static let taskPrefix = "mock-"

    /// How long a mock generation takes.
    public var delay: Duration
    private let now: @Sendable () -> Date

    public init(delay: Duration = .seconds(2), now: @escaping @Sendable () -> Date = { Date() }) {
        self.delay = delay
        self.now = now
    }

    public func detect(imageURL: String) async throws(DashScopeError) -> FaceDetection {
        FaceDetection(passed: true, faceBox: [0, 0, 100, 100], extBox: [0, 0, 120, 120], raw: ["mock": true])
    }

    /// `mock-<submit time in ms>-<random>`.
    public func submit(_ request: GenerationRequest) async throws(DashScopeError) -> SubmittedTask {
        let millis = Int64((now().timeIntervalSince1970 * 1000).rounded())
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return SubmittedTask(taskID: "\(MockEmojiProvider.taskPrefix)\(millis)-\(token)", status: "PENDING", requestID: "mock")
    }

    public func query(taskID: String) async throws(DashScopeError) -> ProviderTaskState {
        guard taskID.hasPrefix(MockEmojiProvider.taskPrefix),
              let millis = taskID.dropFirst(MockEmojiProvider.taskPrefix.count).split(separator: "-").first.flatMap({ Int64($0) })
        else {
            return ProviderTaskState(status: "UNKNOWN", errorCode: "InvalidTaskId", errorMessage: "not a mock task")
        }
        let elapsed = now().timeIntervalSince1970 - Double(millis) / 1000
        if elapsed < delay.seconds / 4 { return ProviderTaskState(status: "PENDING") }
        if elapsed < delay.seconds { return ProviderTaskState(status: "RUNNING") }
        return ProviderTaskState(status: "SUCCEEDED", videoURL: MockEmojiProvider.sampleVideoURL)
    }

    /// True for the URLs this mock hands out.
    public static func isMockVideo(_ url: String) -> Bool {
        url.hasPrefix(videoScheme + "://")
    }
}
