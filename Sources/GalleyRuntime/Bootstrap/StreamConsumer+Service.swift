public import GalleyRedis

/// A stream consumer stops reading on ``beginShutdown()`` and drains what it holds
/// within its own `shutdownDeadline`.
extension StreamConsumer: Service {
    public var name: String { "consumer:\(configuration.stream)" }

    public func beginShutdown() -> Bool {
        shutdown()
        return true
    }
}
