import Foundation
import Synchronization
import Testing
import GalleyCore
import GalleyRedis
import GalleyTestSupport

/// Through Sentinel a Snowflake lease counts as renewed only once a replica has it; one
/// whose renewals go unconfirmed for a whole TTL must give the id up (the process then
/// exits 75), because a failover could promote a replica on which the key has expired.
/// The replica is SIGSTOPped so the master's `WAIT 1` times out on every renewal; the
/// TTL is the test's own 3 s instead of the fleet's 30 s.
@Suite(.serialized) struct SnowflakeLeaseGiveUpTests {
    let sentinel: RedisSentinelConfiguration

    init() throws {
        sentinel = try SentinelTopology.start()
    }

    /// The replica's port and pid, asked of the master (`ROLE`) and the replica (`INFO server`).
    func replica(of master: RedisSentinelConfiguration.Address) throws -> (port: Int, pid: pid_t) {
        let connection = try RedisConnection(configuration: RedisConfiguration(host: master.host, port: master.port))
        let role = try connection.checkedCommand(["ROLE"]).arrayValue ?? []
        let first = role.count > 2 ? role[2].arrayValue?.first?.arrayValue : nil
        let port = try #require(first.flatMap { $0.count > 1 ? $0[1].stringValue : nil }.flatMap(Int.init),
                                "the master lists no replica")
        let info = try RedisConnection(configuration: RedisConfiguration(host: master.host, port: port))
            .checkedCommand(["INFO", "server"]).stringValue ?? ""
        let pidLine = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("process_id:") }
        let pid = try #require(pidLine.flatMap { pid_t($0.dropFirst("process_id:".count)) }, "no process_id")
        return (port, pid)
    }

    @Test func aLeaseUnconfirmedForOneTTLIsGivenUp() async throws {
        let resolver = RedisEndpointResolver(configuration: sentinel)
        let redis = RedisPool(configuration: RedisConfiguration(commandTimeoutSeconds: 3, sentinel: resolver), size: 2,
                              checkoutTimeoutSeconds: 10)
        defer { redis.shutdown() }
        let master = try resolver.discover()
        let (_, replicaPID) = try replica(of: master)
        // A replica restarted by an earlier failover test may still be syncing: wait until it
        // acknowledges writes, or the lease's first phase below would be unconfirmed too.
        let direct = try RedisConnection(configuration: RedisConfiguration(host: master.host, port: master.port))
        let end = ContinuousClock.now + .seconds(30)
        while try direct.checkedCommand(["WAIT", 1, 1000]).integerValue != 1 {
            try #require(ContinuousClock.now < end, "the replica never acknowledged a write")
        }

        let ttl = 3_000
        let lostAt = Mutex<ContinuousClock.Instant?>(nil)
        let lease = try SnowflakeNodeLease.acquire(pool: redis, nodeID: nil, ttlMilliseconds: ttl,
                                                   logger: Logger(label: "test-lease")) { _ in
            lostAt.withLock { $0 = ContinuousClock.now }
        }
        defer { lease.release() }
        // Confirmed renewals first: the lease holds while the replica acknowledges.
        try await Task.sleep(for: .milliseconds(ttl + 500))
        #expect(lease.isHeld, "a lease a replica confirms must not be given up")

        #expect(kill(replicaPID, SIGSTOP) == 0)
        let stopped = ContinuousClock.now
        defer { kill(replicaPID, SIGCONT) }
        // Last confirmed at most ttl/3 before the stop: still within its TTL half a second later.
        try await Task.sleep(for: .milliseconds(500))
        #expect(lease.isHeld, "given up before a whole TTL went unconfirmed")
        // Given up once a TTL (less a 10 % margin) passed since the last confirmation,
        // which is at most ttl/3 plus one WAIT before the stop and not after it.
        let deadline = stopped + .milliseconds(ttl + 4_000)
        while lostAt.withLock({ $0 }) == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let gaveUp = try #require(lostAt.withLock { $0 }, "the lease was still held \(ttl + 4_000) ms after its replica stopped")
        #expect(!lease.isHeld)
        #expect(gaveUp - stopped > .milliseconds(500))
    }
}
