import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRedis
import GalleyTestSupport

/// The Cluster router against the real three-master cluster of `scripts/cluster`: commands
/// reach their slot's node, pipelines spanning nodes answer in order, a blocking stream
/// read waits on the stream's node, and a slot moved while the pool runs is found by
/// following `ASK` (mid-move) and `MOVED` (after).
@Suite(.serialized, .enabled(if: TestCluster.isAvailable, "scripts/cluster start; eval \"$(scripts/cluster env)\""))
struct RedisClusterTests {
    let metrics = MetricsRegistry.shared

    func redirects(_ kind: String) -> UInt64 {
        metrics.counter("galley_redis_cluster_redirects_total", help: "Redis Cluster redirects followed.",
                        labels: [("kind", kind)]).value
    }

    @Test func keysReachTheirSlotsNodeAndPipelinesSpanNodes() async throws {
        let pool = RedisPool(configuration: TestCluster.configuration(), size: 2)
        defer { pool.shutdown() }
        let prefix = TestEnvironment.uniqueName("route")
        let keys = (0..<30).map { "\(prefix):\($0)" }
        let nodes = try Set(keys.map { key in try #require(try TestCluster.owner(of: RedisSlot.of(key))) })
        #expect(nodes.count == 3, "30 keys should spread over the three masters")

        let (replies, pong) = try await pool.withConnection { connection in
            for (index, key) in keys.enumerated() { try connection.set(key, .integer(Int64(index)), expireSeconds: 60) }
            return (try connection.pipeline(keys.map { ["GET", .string($0)] } + [["TIME"]]),
                    try connection.checkedCommand(["PING"]).stringValue)
        }
        #expect(replies.dropLast().map(\.integerValue) == (0..<30).map { Int64($0) })
        #expect(replies.last?.arrayValue?.count == 2)
        #expect(pong == "PONG")
        await #expect(throws: RedisError.invalidArgument) {
            try await pool.withConnection { try $0.del(keys[0], keys[1], keys[2], keys[3]) }
        }
        // Each key is on the node that owns its slot, read without the router.
        for key in keys.prefix(6) {
            let owner = try #require(try TestCluster.owner(of: RedisSlot.of(key)))
            #expect(try TestCluster.connect(owner).get(key) != nil)
        }
    }

    @Test func aDeadSeedIsSkipped() async throws {
        var configuration = TestCluster.configuration()
        let dead = RedisClusterNode(host: "127.0.0.1", port: try GatewayProcess.freePort())
        configuration.clusterNodes = [dead] + configuration.clusterNodes
        configuration.host = dead.host
        configuration.port = dead.port
        let pool = RedisPool(configuration: configuration, size: 1)
        defer { pool.shutdown() }
        let key = TestEnvironment.uniqueName("seed")
        let (pong, value) = try await pool.withConnection { connection in
            try connection.set(key, "v", expireSeconds: 60)
            return (try connection.checkedCommand(["PING"]).stringValue, try connection.get(key))
        }
        #expect(pong == "PONG" && value == "v")
    }

    @Test func aBlockingStreamReadWaitsOnTheStreamsNode() async throws {
        let pool = RedisPool(configuration: TestCluster.configuration(commandTimeoutSeconds: 1), size: 2)
        defer { pool.shutdown() }
        let stream = TestEnvironment.uniqueName("stream")
        _ = try await pool.withConnection { try $0.xgroupCreate(stream, group: "g") }
        async let read = pool.withConnection { connection in
            try connection.xreadgroup(group: "g", consumer: "c", stream: stream, count: 1, blockMilliseconds: 3000)
        }
        try await Task.sleep(for: .milliseconds(300))
        let id = try await pool.withConnection { try $0.xadd(stream, maxLength: nil, fields: [("k", "v")]) }
        let entries = try await read
        #expect(entries.map(\.id) == [id])
        #expect(entries.first?.fields == ["k": "v"])
    }

    @Test func aSlotMovedWhileThePoolRunsIsFollowedByAskThenMoved() async throws {
        let pool = RedisPool(configuration: TestCluster.configuration(), size: 2)
        defer { pool.shutdown() }
        let tag = TestEnvironment.uniqueName("moving")
        let old = "{\(tag)}:old", fresh = "{\(tag)}:new"
        let slot = RedisSlot.of(tag)
        _ = try await pool.withConnection { try $0.set(old, "before", expireSeconds: 300) }
        let source = try #require(try TestCluster.owner(of: slot))
        let target = try #require(TestCluster.nodes?.first { $0 != source })
        let asksBefore = redirects("ask"), movesBefore = redirects("moved")

        // Mid-move: the old key moved already, a new key is created on the importing node.
        try TestCluster.beginMigration(slot, from: source, to: target)
        try TestCluster.moveKeys(slot, from: source, to: target)
        let during = try await pool.withConnection { connection in
            let value = try connection.get(old)
            try connection.set(fresh, "during", expireSeconds: 300)
            return value
        }
        #expect(during == "before")
        #expect(redirects("ask") >= asksBefore + 2)
        #expect(try TestCluster.connect(target).checkedCommand(["ASKING"]).stringValue == "OK")

        // After: the source answers MOVED; the pool follows and learns the new owner.
        try TestCluster.finishMigration(slot, to: target)
        let after = try await pool.withConnection { connection in
            (try connection.get(old), try connection.get(fresh), try connection.incr("{\(tag)}:count"))
        }
        #expect(after.0 == "before" && after.1 == "during" && after.2 == 1)
        #expect(redirects("moved") >= movesBefore + 1)
        #expect(try TestCluster.owner(of: slot) == target)
        let direct = try TestCluster.connect(source).command(["GET", .string(old)])
        #expect(direct.stringValue == nil)  // MOVED: the source no longer serves it

        // Put the slot back so reruns find the cluster as scripts/cluster made it.
        try TestCluster.migrate(slot, to: source)
        let back = try await pool.withConnection { connection in
            defer { _ = try? connection.del(old, fresh, "{\(tag)}:count") }
            return try connection.get(fresh)
        }
        #expect(back == "during")
    }
}
