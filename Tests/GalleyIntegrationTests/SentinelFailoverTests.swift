import Foundation
import Synchronization
import Testing
import GalleyCore
import GalleyRedis
import GalleyTestSupport

/// Redis through a real Sentinel topology (`scripts/sentinel`): the pool finds the master,
/// and a SIGKILLed master's replica takes over under writes, a stream consumer's blocking
/// reads and a Snowflake lease, with nothing acknowledged lost and the lease kept.
@Suite(.serialized) struct SentinelFailoverTests {
    let sentinel: RedisSentinelConfiguration

    init() throws {
        sentinel = try SentinelTopology.start()
    }

    func pool(size: Int) -> (RedisPool, RedisEndpointResolver) {
        let resolver = RedisEndpointResolver(configuration: sentinel)
        let configuration = RedisConfiguration(commandTimeoutSeconds: 3, sentinel: resolver)
        return (RedisPool(configuration: configuration, size: size, checkoutTimeoutSeconds: 10), resolver)
    }

    /// Retries `body` on lost connections (what every Redis user does) for up to 30 s.
    func retrying<T: Sendable>(_ redis: RedisPool, _ body: @escaping @Sendable (RedisConnection) throws -> T) async throws -> T {
        let end = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try await redis.withConnection(body)
            } catch let error as RedisError where error.isConnectionError && ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test func resolvesTheMasterAndRefusesAnUnknownName() throws {
        let (redis, resolver) = pool(size: 1)
        defer { redis.shutdown() }
        let key = TestEnvironment.uniqueName("sentinel")
        try redis.withConnection { connection in
            try connection.set(key, "x")
            #expect(try connection.get(key) == "x")
            let role = try connection.checkedCommand(["ROLE"])
            #expect(role.arrayValue?.first?.stringValue == "master")
            _ = try connection.del(key)
        }
        #expect(resolver.currentMaster != nil)

        var unknown = sentinel
        unknown.masterName = "no-such-master"
        let lost = RedisPool(configuration: RedisConfiguration(sentinel: RedisEndpointResolver(configuration: unknown)), size: 1)
        defer { lost.shutdown() }
        #expect(throws: RedisError.connectionFailed) { try lost.withConnection { try $0.checkedCommand(["PING"]) } }
    }

    @Test func writesReadsAndTheLeaseFollowAFailover() async throws {
        let (redis, resolver) = pool(size: 8)
        defer { redis.shutdown() }
        let stream = TestEnvironment.uniqueName("sentinel_stream")
        let before = try #require(resolver.currentMaster ?? (try? resolver.discover()))

        // The lease, with a short TTL so its deadline (not confirmed for a TTL) is tested too.
        let lost = Mutex(false)
        let lease = try SnowflakeNodeLease.acquire(pool: redis, nodeID: nil, ttlMilliseconds: 9_000,
                                                   logger: Logger(label: "test-lease")) { _ in lost.withLock { $0 = true } }
        defer { lease.release() }

        // A consumer whose blocking reads are cut by the failover.
        let recorder = Recorder()
        var configuration = StreamConsumerConfiguration(stream: stream, group: "g", consumer: "c1")
        configuration.readBlock = .milliseconds(500)
        configuration.claimMinIdle = .seconds(2)
        configuration.claimInterval = .seconds(1)
        configuration.heartbeatInterval = .milliseconds(500)
        configuration.concurrency = 8
        let consumer = StreamConsumer(configuration: configuration, redis: redis, handler: recorder,
                                      logger: Logger(label: "test-consumer"))
        let running = Task { try await consumer.run() }

        // Producer: an entry counts as accepted once a replica acknowledged it (or none was
        // connected), as an acknowledged write the failover may not lose.
        let total = 300
        var accepted: Set<Int> = []
        var failover: Task<Int, any Error>?
        for n in 0..<total {
            if n == 100 { failover = Task { try await SentinelTopology.killMaster() } }
            let replicated = try await retrying(redis) { connection -> Bool in
                _ = try connection.xadd(stream, maxLength: nil, fields: [("n", String(n))])
                return SnowflakeNodeLease.replicated(connection)
            }
            if replicated { accepted.insert(n) }
            if n >= 100 && n % 20 == 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        let newPort = try #require(try await failover?.value)
        #expect(newPort != before.port)

        let end = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < end, !accepted.isSubset(of: recorder.handled.withLock({ $0 })) {
            try await Task.sleep(for: .milliseconds(100))
        }
        consumer.shutdown()
        try await running.value

        let seen = recorder.handled.withLock { $0 }
        #expect(accepted.count >= total - 5, "most writes acknowledged by a replica (\(accepted.count))")
        #expect(accepted.isSubset(of: seen), "acknowledged entries never handled: \(accepted.subtracting(seen).sorted().prefix(10))")
        #expect(resolver.stats.switches >= 1)
        #expect(resolver.currentMaster?.port == newPort)

        // The lease lived through it, on the new master, and is not handed to anyone else.
        try await Task.sleep(for: .seconds(4))
        #expect(!lost.withLock { $0 })
        #expect(lease.isHeld)
        let stored = try await retrying(redis) { [key = lease.key] in try $0.get(key) }
        #expect(stored == lease.token)
        let other = try SnowflakeNodeLease.acquire(pool: redis, nodeID: lease.nodeID, logger: Logger(label: "test-lease-2"))
        #expect(other.nodeID != lease.nodeID)
        other.release()
        _ = try await retrying(redis) { try $0.del([stream, stream + ":dead"]) }
    }
}

private final class Recorder: StreamHandler {
    let handled = Mutex<Set<Int>>([])

    func handle(_ entry: StreamEntry, deliveries: Int) async throws {
        guard let n = entry.fields["n"].flatMap(Int.init) else { return }
        handled.withLock { _ = $0.insert(n) }
    }

    func settleDeadLetter(_ entry: StreamEntry, deliveries: Int, reason: String) async throws {}
}
