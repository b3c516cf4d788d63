/// A long-running part of a process (an HTTP server, a stream consumer, a sweeper),
/// run by a ``ServiceGroup``, in the shape of swift-service-lifecycle's `Service`.
public protocol Service: Sendable {
    /// How logs name it.
    var name: String { get }

    /// Runs until the work is done, it fails, or the group stops it. Returning or
    /// throwing while the group is not stopping stops the whole group.
    func run() async throws

    /// Asks a running (or not yet started) ``run()`` to finish gracefully: stop taking
    /// work, finish what is in flight. Answer false when there is no graceful path:
    /// the group then cancels ``run()``'s task instead.
    func beginShutdown() -> Bool
}

extension Service {
    public var name: String { String(describing: Self.self) }

    public func beginShutdown() -> Bool { false }
}
