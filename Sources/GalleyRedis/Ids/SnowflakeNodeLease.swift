import Dispatch
import Foundation
import Synchronization
public import GalleyCore

/// Holds one Snowflake node id in Redis (`galley:snowflake:node:<n>`) for as long as the
/// process runs, so two live processes never share a node id and so never mint equal ids.
///
/// `SNOWFLAKE_NODE_ID` is a preference (the contract's rule): that id when no live process
/// holds it, else any free id (`SET NX PX`, scanning from a random offset), logged, so the
/// original's `.env` (node 0 in every process) starts every process. A background `Thread` (not a task: it
/// makes blocking pool calls and must keep running when the cooperative pool is busy)
/// renews the key every ttl/3 and puts it back if Redis lost it; ``release()`` stops the
/// thread and deletes the key if it is still ours.
public final class SnowflakeNodeLease: Sendable {
    public static let keyPrefix = "galley:snowflake:node:"
    public static let defaultTTLMilliseconds = 30_000

    /// Extends the key if it is still ours (1); sets it again if it vanished, e.g. Redis
    /// restarted without persistence (2); reports 0 when another process holds it.
    static let renewScript = """
        local v = redis.call('GET', KEYS[1])
        if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
        if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
        return 0
        """
    /// Deletes the key only if it is still ours.
    static let releaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """

    private struct Status {
        var released = false
        var lost = false
    }

    /// Through Sentinel: whether the `SET NX` that took the id reached a replica.
    private let acquiredReplicated: Bool

    public let nodeID: Int
    /// The value stored under the key: identifies this process instance (host, pid, random).
    public let token: String
    public let ttlMilliseconds: Int
    public var key: String { SnowflakeNodeLease.key(for: nodeID) }
    private let pool: RedisPool
    private let logger: Logger
    private let onLost: @Sendable (Int) -> Void
    private let status = Mutex(Status())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    private init(
        nodeID: Int, token: String, ttlMilliseconds: Int, pool: RedisPool, logger: Logger,
        acquiredReplicated: Bool = true, onLost: @escaping @Sendable (Int) -> Void
    ) {
        self.acquiredReplicated = acquiredReplicated
        self.nodeID = nodeID
        self.token = token
        self.ttlMilliseconds = ttlMilliseconds
        self.pool = pool
        self.logger = logger
        self.onLost = onLost
    }

    static func key(for nodeID: Int) -> String { "\(keyPrefix)\(nodeID)" }

    /// Reads `SNOWFLAKE_NODE_ID`: nil when unset or empty, an error when not 0...1023.
    public static func nodeID(fromEnvironment environment: [String: String]) throws -> Int? {
        guard let raw = environment["SNOWFLAKE_NODE_ID"]?.trimmingWhitespace(), !raw.isEmpty
        else { return nil }
        guard let value = Int(raw), SnowflakeGenerator.nodeIDRange.contains(value) else {
            throw SnowflakeError.invalidNodeID
        }
        return value
    }

    /// Leases the id `SNOWFLAKE_NODE_ID` names (in `environment`, by default the process's
    /// settings, `.env` included) when it is free, or any free one.
    public static func acquire(
        pool: RedisPool,
        environment: [String: String]? = nil,
        ttlMilliseconds: Int = defaultTTLMilliseconds,
        logger: Logger = Logger(label: "snowflake"),
        onLost: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws -> SnowflakeNodeLease {
        try acquire(
            pool: pool, nodeID: nodeID(fromEnvironment: environment ?? ProcessEnvironment.values()), ttlMilliseconds: ttlMilliseconds,
            logger: logger, onLost: onLost)
    }

    /// Leases `nodeID` when no live process holds it, else (or when nil) the first free id
    /// from a random offset; ``SnowflakeError/noFreeNodeID`` only when all 1024 are held.
    /// `onLost` runs (on the renewal thread) if another process turns out to hold the id;
    /// the owner should stop minting.
    public static func acquire(
        pool: RedisPool,
        nodeID preferred: Int?,
        ttlMilliseconds: Int = defaultTTLMilliseconds,
        logger: Logger = Logger(label: "snowflake"),
        onLost: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws -> SnowflakeNodeLease {
        guard ttlMilliseconds >= 3 else { throw RedisError.invalidArgument("lease TTL too short") }
        if let preferred, !SnowflakeGenerator.nodeIDRange.contains(preferred) { throw SnowflakeError.invalidNodeID }
        let token = makeToken()
        func claimFree(_ connection: RedisConnection) throws -> Int {
            func claim(_ candidate: Int) throws -> Bool {
                try connection.set(key(for: candidate), .string(token), expireMilliseconds: ttlMilliseconds, onlyIfAbsent: true)
            }
            if let preferred {
                if try claim(preferred) { return preferred }
                logger.warning("SNOWFLAKE_NODE_ID is held by another live process; leasing a free node id instead",
                               ["preferred_node_id": String(preferred)])
            }
            let count = SnowflakeGenerator.nodeIDRange.count
            let offset = Int.random(in: SnowflakeGenerator.nodeIDRange)
            for step in 0..<count {
                let candidate = (offset + step) % count
                if candidate != preferred, try claim(candidate) { return candidate }
            }
            throw SnowflakeError.noFreeNodeID
        }
        let (leased, replicated): (Int, Bool) = try pool.withConnection { connection in
            let leased = try claimFree(connection)
            return (leased, pool.configuration.sentinel == nil ? true : SnowflakeNodeLease.replicated(connection))
        }
        let lease = SnowflakeNodeLease(
            nodeID: leased, token: token, ttlMilliseconds: ttlMilliseconds, pool: pool, logger: logger,
            acquiredReplicated: replicated, onLost: onLost)
        lease.startRenewing()
        logger.info("leased snowflake node id", ["node_id": String(leased)])
        return lease
    }

    /// True until ``release()`` or until renewal found another process holding the id.
    public var isHeld: Bool { status.withLock { !$0.released && !$0.lost } }

    /// A generator for the leased node id.
    public func makeGenerator(
        clock: @escaping @Sendable () -> Int64 = SnowflakeGenerator.systemClock
    ) throws -> SnowflakeGenerator {
        try SnowflakeGenerator(nodeID: nodeID, clock: clock)
    }

    /// Stops renewing and deletes the key if it is still ours. Waits for the renewal thread
    /// (at most one command timeout). Safe to call more than once.
    public func release() {
        let first = status.withLock { status -> Bool in
            defer { status.released = true }
            return !status.released
        }
        guard first else { return }
        wake.signal()
        finished.wait()
        do {
            _ = try pool.withConnection { connection in
                try connection.eval(SnowflakeNodeLease.releaseScript, keys: [key], args: [.string(token)])
            }
            logger.info("released snowflake node id", ["node_id": String(nodeID)])
        } catch {
            // The key expires by itself within the TTL.
            logger.warning("could not release snowflake node id", ["node_id": String(nodeID), "error": "\(error)"])
        }
    }

    private func startRenewing() {
        let thread = Thread { [self] in
            renewLoop()
            finished.signal()
        }
        thread.name = "snowflake-lease"
        thread.start()
    }

    private func renewLoop() {
        let renewEvery = Duration.milliseconds(max(1, ttlMilliseconds / 3))
        let tick = DispatchTimeInterval.milliseconds(max(1, min(500, ttlMilliseconds / 6)))
        let resolver = pool.configuration.sentinel
        var confirmedAt = ContinuousClock.now  // acquire confirmed it (or will within a tick)
        var confirmedEpoch = resolver?.epoch ?? 0
        var needsConfirm = resolver != nil && !acquiredReplicated
        while wake.wait(timeout: .now() + tick) == .timedOut {
            if status.withLock({ $0.released }) { return }
            let now = ContinuousClock.now
            // Through Sentinel, a new master may lack this key; verify on it at once.
            let moved = resolver.map { $0.epoch != confirmedEpoch } ?? false
            guard needsConfirm || moved || now - confirmedAt >= renewEvery else { continue }
            let sentAt = ContinuousClock.now
            let epochBefore = resolver?.epoch ?? 0
            let outcome: Int64?
            let replicated: Bool
            do {
                (outcome, replicated) = try pool.withConnection { connection in
                    let result = try connection.eval(
                        SnowflakeNodeLease.renewScript, keys: [key],
                        args: [.string(token), .integer(Int64(ttlMilliseconds))]
                    ).integerValue
                    return (result, resolver == nil ? true : SnowflakeNodeLease.replicated(connection))
                }
            } catch {
                // Redis is away; retry every tick. A single Redis cannot hand the key to
                // anyone while it is down, and the script sets it again when Redis is back
                // (unless someone took it). Through Sentinel see the deadline below.
                logger.warning("could not renew snowflake node id", ["node_id": String(nodeID), "error": "\(error)"])
                needsConfirm = true
                if deadlinePassed(resolver: resolver, confirmedAt: confirmedAt) { return }
                continue
            }
            switch outcome {
            case 1, 2:
                if outcome == 2 {
                    logger.warning("snowflake node id lease had vanished; set it again", ["node_id": String(nodeID)])
                }
                if replicated {
                    confirmedAt = sentAt
                    confirmedEpoch = epochBefore
                    needsConfirm = false
                } else {
                    needsConfirm = true
                    if deadlinePassed(resolver: resolver, confirmedAt: confirmedAt) { return }
                }
            default:
                status.withLock { $0.lost = true }
                logger.error("snowflake node id is now held by another process", ["node_id": String(nodeID)])
                onLost(nodeID)
                return
            }
        }
    }

    /// Through Sentinel, a lease not confirmed on a replica for a whole TTL may have expired
    /// on the master a failover promotes, and another process could take the id: stop
    /// minting (the owner exits, as for a takeover) before that can happen.
    private func deadlinePassed(resolver: RedisEndpointResolver?, confirmedAt: ContinuousClock.Instant) -> Bool {
        guard resolver != nil else { return false }
        let margin = Duration.milliseconds(max(1, min(1000, ttlMilliseconds / 10)))
        guard ContinuousClock.now - confirmedAt >= .milliseconds(ttlMilliseconds) - margin else { return false }
        status.withLock { $0.lost = true }
        logger.error("snowflake node id lease not confirmed within its TTL; giving it up", ["node_id": String(nodeID)])
        onLost(nodeID)
        return true
    }

    private static func makeToken() -> String {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count - 1) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
        return "\(host):\(getpid()):\(UUID().uuidString.lowercased())"
    }
}
