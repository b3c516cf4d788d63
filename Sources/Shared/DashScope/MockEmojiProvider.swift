import Foundation

/// The provider of `ALIYUN_EMOJI_MOCK=true`, as the original's mock mode answered: every
/// face check passes with fixed boxes, generations succeed at once. For local stacks,
/// demos and benchmarks; no network.
public struct MockEmojiProvider: EmojiProvider {
    /// The video a finished mock generation points at (nil: none).
    public var videoURL: String?

    public init(videoURL: String? = nil) {
        self.videoURL = videoURL
    }

    public func detect(imageURL: String) async throws(DashScopeError) -> FaceDetection {
        FaceDetection(passed: true, faceBox: [0, 0, 100, 100], extBox: [0, 0, 120, 120], raw: ["mock": true])
    }

    public func submit(_ request: GenerationRequest) async throws(DashScopeError) -> SubmittedTask {
        SubmittedTask(taskID: "mock-\(UUID().uuidString.lowercased())", status: "PENDING")
    }

    public func query(taskID: String) async throws(DashScopeError) -> ProviderTaskState {
        ProviderTaskState(status: "SUCCEEDED", videoURL: videoURL)
    }
}
