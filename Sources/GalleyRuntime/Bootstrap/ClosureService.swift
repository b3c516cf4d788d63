/// A service from a closure: a loop that runs until its task is cancelled (a sweeper,
/// a lag monitor, a lease keeper), or one-shot work with a graceful stop of its own.
public struct ClosureService: Service {
    public let name: String
    private let body: @Sendable () async throws -> Void
    private let stop: (@Sendable () -> Void)?

    /// `stop`, when given, asks `body` to finish gracefully; without it the group cancels `body`.
    public init(_ name: String, stop: (@Sendable () -> Void)? = nil, _ body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
        self.stop = stop
    }

    public func run() async throws { try await body() }

    public func beginShutdown() -> Bool {
        guard let stop else { return false }
        stop()
        return true
    }
}
