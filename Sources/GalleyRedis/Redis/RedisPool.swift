import Dispatch
import Foundation
import Synchronization
public import GalleyCore

/// A fixed number of lazily opened Redis connections shared by threads and tasks.
///
/// Plain threads (HTTP handlers) call the blocking ``withConnection(_:)-(_)``; async code
/// calls the `async` variant, which runs on the pool's own ``BlockingExecutor`` so hiredis
/// never blocks the cooperative pool. A connection that broke, or that the server closed
/// while it sat idle, is dropped and replaced by a fresh one on a later checkout.
public final class RedisPool: Sendable {
    private struct State {
        var idle: [RedisContextHandle] = []
        var inUse = 0
        var shutDown = false
    }

    public let configuration: RedisConfiguration
    /// The most connections open at once.
    public let size: Int
    /// How long a checkout waits for a free connection before ``RedisError/checkoutTimeout``.
    public let checkoutTimeoutSeconds: Double
    private let logger: Logger
    /// One permit per connection slot: waiting on it is the blocking checkout.
    private let permits: DispatchSemaphore
    private let state = Mutex(State())
    private let executor: BlockingExecutor
    /// Routes keyed commands by slot when ``RedisConfiguration/clusterNodes`` is set.
    private let cluster: RedisClusterRouter?

    public init(
        configuration: RedisConfiguration,
        size: Int,
        checkoutTimeoutSeconds: Double = 5,
        logger: Logger = Logger(label: "redis")
    ) {
        self.configuration = configuration
        self.size = max(1, size)
        self.checkoutTimeoutSeconds = checkoutTimeoutSeconds
        self.logger = logger
        self.permits = DispatchSemaphore(value: self.size)
        // As many threads as connections: an async caller holds its thread while it waits.
        self.executor = BlockingExecutor(name: "redis-pool", threads: self.size)
        self.cluster = configuration.clusterNodes.isEmpty
            ? nil : RedisClusterRouter(seeds: configuration.clusterNodes, configuration: configuration, logger: logger)
    }

    /// Connections now lent out and connections open but idle, for the pool gauge.
    public var stats: (size: Int, inUse: Int, idle: Int) {
        state.withLock { (size, $0.inUse, $0.idle.count) }
    }

    /// Blocks the calling thread until a connection is free, then lends it to `body`.
    /// The connection must not escape `body`.
    public func withConnection<T>(_ body: (RedisConnection) throws -> T) throws -> T {
        let handle = try checkout()
        defer { checkin(handle) }
        return try body(RedisConnection(handle: handle, configuration: configuration, cluster: cluster))
    }

    /// The async variant: checkout and `body` run on the pool's blocking threads.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws -> T
    ) async throws -> T {
        try await executor.run { try self.withConnection(body) }
    }

    /// Closes idle connections, refuses new checkouts and stops the pool's threads; lent
    /// connections close when they come back. Do not call it from inside a pool body.
    public func shutdown() {
        let idle = state.withLock { state -> [RedisContextHandle] in
            state.shutDown = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        _ = idle  // freed here, outside the lock
        permits.signal()  // wake one waiter; each passes the wake-up on
        executor.shutdown()
        cluster?.shutdown()
    }

    private func checkout() throws -> RedisContextHandle {
        let deadline = DispatchTime.now() + .nanoseconds(Int(max(0, checkoutTimeoutSeconds) * 1_000_000_000))
        guard permits.wait(timeout: deadline) == .success else { throw RedisError.checkoutTimeout }
        let taken = state.withLock { state -> (handle: RedisContextHandle?, shutDown: Bool) in
            if state.shutDown { return (nil, true) }
            state.inUse += 1
            return (state.idle.popLast(), false)
        }
        if taken.shutDown {
            permits.signal()
            throw RedisError.poolShutDown
        }
        if let handle = taken.handle {
            if handle.looksAliveWhileIdle { return handle }
            logger.info("redis connection closed while idle; reconnecting")
        }
        do {
            // In Cluster mode the lent connection's own socket (keyless commands) is on any live node.
            return try cluster?.connectAnyNode() ?? RedisConnection.connect(configuration)
        } catch {
            state.withLock { $0.inUse -= 1 }
            permits.signal()
            throw error
        }
    }

    private func checkin(_ handle: RedisContextHandle) {
        if !handle.isBroken && handle.timeoutSeconds != configuration.commandTimeoutSeconds {
            // A body raised the timeout for a blocking read and did not put it back.
            let connection = RedisConnection(handle: handle, configuration: configuration)
            try? connection.setTimeout(seconds: configuration.commandTimeoutSeconds)
        }
        let kept = state.withLock { state -> Bool in
            state.inUse -= 1
            if state.shutDown || handle.isBroken { return false }
            state.idle.append(handle)
            return true
        }
        if !kept && handle.isBroken { logger.warning("dropping broken redis connection") }
        permits.signal()
    }
}
