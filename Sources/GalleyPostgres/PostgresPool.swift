import CLibPQ
import Dispatch
import Foundation
import Synchronization
public import GalleyCore

/// A fixed number of PostgreSQL sessions, opened on first use and shared by plain
/// threads (blocking `withConnection`) and async code (which hops to the pool's own
/// ``BlockingExecutor`` so libpq never blocks the cooperative pool).
///
/// A session found broken (server restart, `pg_terminate_backend`) is dropped when it
/// comes back and a fresh one is opened on the next checkout: the call that hit the
/// break throws an `isConnectionError`, the next one works.
public final class PostgresPool: Sendable {
    private struct State {
        var idle: [PGConnectionHandle] = []
        var inUse = 0
        var closed = false
    }

    public let configuration: PostgresConfiguration
    public let size: Int
    /// How long a checkout waits for a free session before ``PostgresError/poolTimeout``.
    public let checkoutTimeout: Duration
    private let logger: Logger
    private let state = Mutex(State())
    /// One permit per session. Starts at 0 and is raised to `size`, so libdispatch never
    /// sees it below its initial value when the pool goes away (that would trap).
    private let permits = DispatchSemaphore(value: 0)
    private let executor: BlockingExecutor

    public init(configuration: PostgresConfiguration, size: Int, checkoutTimeout: Duration = .seconds(10),
                logger: Logger) {
        self.configuration = configuration
        self.size = max(1, size)
        self.checkoutTimeout = checkoutTimeout
        self.logger = logger
        self.executor = BlockingExecutor(name: "postgres", threads: self.size)
        for _ in 0..<self.size { permits.signal() }
    }

    deinit {
        // The last reference may go away on one of the executor's own threads (an async
        // call's job), where waiting for them to exit would deadlock: stop them from elsewhere.
        let executor = self.executor
        Thread.detachNewThread { executor.shutdown() }
    }

    /// Sessions checked out right now, and open sessions waiting in the pool.
    public var stats: (size: Int, inUse: Int, idle: Int) {
        state.withLock { (size, $0.inUse, $0.idle.count) }
    }

    /// Blocks for a session (up to ``checkoutTimeout``), runs `body` with it, gives it back.
    @discardableResult
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withBlockingConnection(body)
    }

    /// The blocking `withConnection` inside a transaction (see ``PostgresConnection/transaction(_:)``).
    @discardableResult
    public func withTransaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withBlockingConnection { connection in try connection.transaction(body) }
    }

    /// Runs `body` on one of the pool's threads with a session.
    @discardableResult
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await executor.run { [self] in try self.withBlockingConnection(body) }
    }

    /// Runs `body` on one of the pool's threads inside a transaction.
    @discardableResult
    public func withTransaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await executor.run { [self] in
            try self.withBlockingConnection { connection in try connection.transaction(body) }
        }
    }

    /// Closes idle sessions, refuses new checkouts, and stops the pool's threads once their
    /// queued jobs ran. Sessions still out are closed when they come back. Do not call it
    /// from inside a `withConnection` body.
    public func close() {
        let idle = state.withLock { state -> [PGConnectionHandle] in
            state.closed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        _ = idle  // dropping the handles finishes the sessions
        permits.signal()  // wakes a waiter, which passes the news on
        executor.shutdown()
    }

    private func withBlockingConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = PostgresConnection(handle: try checkout())
        defer { checkin(connection.detach()) }
        return try body(connection)
    }

    private func checkout() throws -> PGConnectionHandle {
        if state.withLock({ $0.closed }) { throw PostgresError.poolClosed }
        let (seconds, attoseconds) = checkoutTimeout.components
        let nanoseconds = max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        guard permits.wait(timeout: .now() + .nanoseconds(Int(clamping: nanoseconds))) == .success else {
            throw PostgresError.poolTimeout
        }
        let taken = state.withLock { state -> (handle: PGConnectionHandle?, closed: Bool) in
            if state.closed { return (nil, true) }
            state.inUse += 1
            return (state.idle.popLast(), false)
        }
        if taken.closed {
            permits.signal()
            throw PostgresError.poolClosed
        }
        if let handle = taken.handle {
            // Reads whatever the server sent while idle: a terminated session shows up here.
            if PQconsumeInput(handle.pointer) == 1, PQstatus(handle.pointer) == CONNECTION_OK { return handle }
            logger.warning("replacing a broken PostgreSQL connection")
        }
        do {
            return try PostgresConnection.open(configuration)
        } catch {
            release()
            throw error
        }
    }

    /// Takes a session back: a broken one is dropped, one left inside a transaction is
    /// rolled back first (or dropped if that fails).
    private func checkin(_ handle: PGConnectionHandle?) {
        var keep = handle
        if let handle {
            if PQstatus(handle.pointer) != CONNECTION_OK {
                logger.warning("dropping a broken PostgreSQL connection")
                keep = nil
            } else if PQtransactionStatus(handle.pointer) != PQTRANS_IDLE {
                let connection = PostgresConnection(handle: handle)
                _ = try? connection.simpleQuery("ROLLBACK")
                _ = connection.detach()
                if PQtransactionStatus(handle.pointer) != PQTRANS_IDLE { keep = nil }
            }
        }
        let dropped = state.withLock { state -> PGConnectionHandle? in
            state.inUse -= 1
            guard let kept = keep else { return nil }
            if state.closed { return kept }
            state.idle.append(kept)
            return nil
        }
        _ = dropped  // finished here, outside the lock
        permits.signal()
    }

    private func release() {
        state.withLock { $0.inUse -= 1 }
        permits.signal()
    }
}
