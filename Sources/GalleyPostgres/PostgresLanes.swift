import CLibPQ
import Foundation
import Synchronization
public import GalleyCore

/// One PostgreSQL session per lane, each used by one thread (libmicrohttpd's thread
/// number `lane`), so a short read answered on that thread takes no shared lock and
/// never waits for a session: the lane's session is free or the caller goes elsewhere.
///
/// Each session carries `statement_timeout`, so a read on a lane cannot hold its thread
/// past it behind a lock or a struggling server (the caller then retries elsewhere).
/// Sessions open on a thread of their own after a lane's first use. A lane that is busy
/// (another server's thread with the same number), out of range, opening its session
/// (or whose session failed to open within the last second) answers nil: the caller
/// then uses the shared ``PostgresPool`` on another thread.
public final class PostgresLanes: Sendable {
    private enum State {
        case idle(PGConnectionHandle?)
        case busy
        /// A thread of its own is opening the session: the lane's thread never waits for a connect.
        case opening
        case closed
    }

    private enum Taken {
        case unavailable
        case taken(PGConnectionHandle?)
    }

    private final class Lane: Sendable {
        let state = Mutex(State.idle(nil))
        /// After a failed open, no new attempt before this instant.
        let retryAfter = Mutex<ContinuousClock.Instant?>(nil)
    }

    public let configuration: PostgresConfiguration
    /// The sessions' `statement_timeout`.
    public let statementTimeout: Duration
    private let lanes: [Lane]
    private let logger: Logger

    public init(configuration: PostgresConfiguration, count: Int, statementTimeout: Duration = .seconds(1), logger: Logger) {
        self.configuration = configuration
        self.statementTimeout = statementTimeout
        self.lanes = (0..<max(0, count)).map { _ in Lane() }
        self.logger = logger
    }

    /// Lanes available (sessions at most).
    public var count: Int { lanes.count }

    /// Runs `body` with lane `lane`'s session; nil when the lane cannot serve now (see the
    /// type's note). Errors thrown by `body` pass through; a session found broken afterwards
    /// (or left inside a transaction) is dropped and reopened on the next use.
    public func withConnection<T>(lane index: Int, _ body: (PostgresConnection) throws -> T) rethrows -> T? {
        guard lanes.indices.contains(index) else { return nil }
        let lane = lanes[index]
        let taken = lane.state.withLockIfAvailable { state -> Taken in
            guard case .idle(let handle) = state else { return .unavailable }
            state = .busy
            return .taken(handle)
        } ?? .unavailable
        guard case .taken(let idle) = taken else { return nil }
        guard let handle = usable(idle) else {
            openInBackground(lane)
            return nil
        }
        let connection = PostgresConnection(handle: handle)
        defer {
            let back = connection.detach()
            let keep = back.flatMap { PQstatus($0.pointer) == CONNECTION_OK && PQtransactionStatus($0.pointer) == PQTRANS_IDLE ? $0 : nil }
            let dropped = lane.state.withLock { state -> PGConnectionHandle? in
                guard case .busy = state else { return keep }
                state = .idle(keep)
                return nil
            }
            _ = dropped  // a lane closed meanwhile: the session finishes here
        }
        return try body(connection)
    }

    /// Starts opening every lane's session (each on a thread of its own), so the first
    /// requests find them ready.
    public func openAll() {
        for lane in lanes {
            let empty = lane.state.withLock { state -> Bool in
                guard case .idle(nil) = state else { return false }
                state = .busy
                return true
            }
            if empty { openInBackground(lane) }
        }
    }

    /// Closes the idle sessions; a session in use is closed when it comes back.
    public func close() {
        for lane in lanes {
            let idle = lane.state.withLock { state -> PGConnectionHandle? in
                defer { state = .closed }
                if case .idle(let handle) = state { return handle }
                return nil
            }
            _ = idle
        }
    }

    /// The idle session if it still looks alive (reads what the server sent while idle).
    private func usable(_ handle: PGConnectionHandle?) -> PGConnectionHandle? {
        guard let handle else { return nil }
        if PQconsumeInput(handle.pointer) == 1, PQstatus(handle.pointer) == CONNECTION_OK { return handle }
        logger.warning("replacing a broken PostgreSQL lane session")
        return nil
    }

    /// Opens the lane's session on a new thread (the lane is `busy` on entry and
    /// `opening` until it ends); within a second of a failed open the lane stays empty.
    private func openInBackground(_ lane: Lane) {
        let now = ContinuousClock.now
        if let after = lane.retryAfter.withLock({ $0 }), now < after {
            lane.state.withLock { if case .busy = $0 { $0 = .idle(nil) } }
            return
        }
        lane.state.withLock { if case .busy = $0 { $0 = .opening } }
        Thread.detachNewThread { [self] in
            let handle = open(lane)
            let dropped = lane.state.withLock { state -> PGConnectionHandle? in
                guard case .opening = state else { return handle }
                state = .idle(handle)
                return nil
            }
            _ = dropped  // the lanes closed meanwhile
        }
    }

    private func open(_ lane: Lane) -> PGConnectionHandle? {
        let now = ContinuousClock.now
        do {
            let handle = try PostgresConnection.open(configuration)
            let (seconds, attoseconds) = statementTimeout.components
            let milliseconds = max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
            let connection = PostgresConnection(handle: handle)
            defer { _ = connection.detach() }
            try connection.simpleQuery("SET statement_timeout = \(milliseconds)")
            return handle
        } catch {
            lane.retryAfter.withLock { $0 = now.advanced(by: .seconds(1)) }
            logger.warning("a PostgreSQL lane session could not open; its reads go to the pool for a second",
                           ["error": String(describing: error)])
            return nil
        }
    }
}
