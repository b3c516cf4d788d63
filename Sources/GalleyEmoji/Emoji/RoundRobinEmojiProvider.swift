import Synchronization
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyStorage
import GalleyRuntime

/// Spreads calls over several providers, round robin. FoundationNetworking runs each
/// `URLSession` on one serial queue, so a single session caps a worker's requests per
/// second and makes a thousand polls queue behind each other; several sessions (one
/// ``DashScopeClient`` each) let them proceed side by side.
public final class RoundRobinEmojiProvider: EmojiProvider {
    private let providers: [any EmojiProvider]
    private let next = Atomic<Int>(0)

    /// `count` providers (at least one), each made by `make(index)`.
    public init(count: Int, make: (Int) -> any EmojiProvider) {
        providers = (0..<max(1, count)).map(make)
    }

    public var count: Int { providers.count }

    private func pick() -> any EmojiProvider {
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return providers[(index % providers.count + providers.count) % providers.count]
    }

    public func detect(imageURL: String) async throws(DashScopeError) -> FaceDetection {
        try await pick().detect(imageURL: imageURL)
    }

    public func submit(_ request: GenerationRequest) async throws(DashScopeError) -> SubmittedTask {
        try await pick().submit(request)
    }

    public func query(taskID: String) async throws(DashScopeError) -> ProviderTaskState {
        try await pick().query(taskID: taskID)
    }
}
