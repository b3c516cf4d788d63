import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRedis
import GalleyTestSupport

/// A Cluster whose masters have replicas (`scripts/cluster` with
/// GALLEY_REDIS_CLUSTER_REPLICAS=1, six nodes on the ten ports after the Cluster suites'
/// own): a master is SIGKILLed under writes through the router, its replica is promoted,
/// and the router finds it (refused connections, `CLUSTERDOWN`, a slot-map reread) with
/// every write the replicas had acknowledged still there.
@Suite(.serialized) struct RedisClusterFailoverTests {
    static let base = (TestEnvironment.env["GALLEY_REDIS_CLUSTER_PORT"].flatMap(Int.init) ?? 47000) + 10
    static let environment = [
        "GALLEY_REDIS_CLUSTER_PORT": String(base), "GALLEY_REDIS_CLUSTER_REPLICAS": "1",
        "GALLEY_REDIS_CLUSTER_NODE_TIMEOUT": "2000",
        "GALLEY_REDIS_CLUSTER_DIR": TestEnvironment.repositoryRoot.appendingPathComponent(".local/cluster-replicas").path,
    ]
    let nodes = (0..<6).map { RedisClusterNode(host: "127.0.0.1", port: RedisClusterFailoverTests.base + $0) }

    init() throws {
        // A fresh cluster every time: the last run's failover left a master restarted as a replica.
        try ProjectScript.run("cluster", ["reset"], environment: Self.environment)
    }

    func plain(_ node: RedisClusterNode) throws -> RedisConnection {
        try RedisConnection(configuration: RedisConfiguration(host: node.host, port: node.port))
    }

    /// The master serving `slot` now, from `CLUSTER SLOTS` of a live node.
    func master(of slot: Int, except dead: RedisClusterNode? = nil) throws -> RedisClusterNode? {
        for node in nodes where node != dead {
            guard let ranges = try? plain(node).checkedCommand(["CLUSTER", "SLOTS"]).arrayValue else { continue }
            for range in ranges {
                guard let parts = range.arrayValue, parts.count >= 3, let low = parts[0].integerValue,
                      let high = parts[1].integerValue, Int(low) <= slot, slot <= Int(high),
                      let owner = parts[2].arrayValue, owner.count >= 2, let port = owner[1].integerValue
                else { continue }
                return RedisClusterNode(host: "127.0.0.1", port: Int(port))
            }
        }
        return nil
    }

    @Test func writesFollowAMasterKilledAndItsReplicaPromoted() async throws {
        defer { _ = try? ProjectScript.run("cluster", ["stop"], environment: Self.environment) }
        var configuration = RedisConfiguration(host: "127.0.0.1", port: Self.base, commandTimeoutSeconds: 2)
        configuration.clusterNodes = nodes
        let pool = RedisPool(configuration: configuration, size: 2, checkoutTimeoutSeconds: 10)
        defer { pool.shutdown() }

        // 300 keys over the three masters, each acknowledged by its master's replica.
        let keys = (0..<300).map { "failover:\($0)" }
        try await pool.withConnection { connection in
            for (index, key) in keys.enumerated() { try connection.set(key, .integer(Int64(index)), expireSeconds: 600) }
        }
        for node in nodes.prefix(3) {
            let acknowledged = try plain(node).checkedCommand(["WAIT", 1, 5000]).integerValue
            #expect(acknowledged == 1, "master \(node) has no replica acknowledging its writes")
        }

        // SIGKILL the master of the first key's slot.
        let slot = RedisSlot.of(keys[0])
        let victim = try #require(try master(of: slot))
        let info = try plain(victim).checkedCommand(["INFO", "server"]).stringValue ?? ""
        let pid = try #require(info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("process_id:") }
            .flatMap { pid_t($0.dropFirst("process_id:".count)) })
        #expect(kill(pid, SIGKILL) == 0)
        let killed = ContinuousClock.now

        // Writes to that slot fail (refused, CLUSTERDOWN) until the replica is promoted; the
        // router must then find it without a new pool.
        var written = false
        var failures = 0
        while !written, ContinuousClock.now - killed < .seconds(30) {
            do {
                _ = try await pool.withConnection { try $0.set(keys[0], "after", expireSeconds: 600) }
                written = true
            } catch let error as RedisError where error != .invalidArgument {
                failures += 1
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        #expect(written, "no write reached the slot's new master within 30 s of the kill")
        let promoted = try #require(try master(of: slot, except: victim))
        #expect(promoted != victim && nodes.suffix(3).contains(promoted), "the slot is not served by a promoted replica")

        // Everything acknowledged before the kill is readable through the same pool.
        let values = try await pool.withConnection { connection in
            try connection.pipeline(keys.map { ["GET", .string($0)] })
        }
        #expect(values[0].stringValue == "after")
        let lost = zip(keys.indices, values).dropFirst().filter { $0.1.stringValue != String($0.0) }.count
        #expect(lost == 0, "\(lost) acknowledged keys missing after the failover")
        #expect(failures > 0, "the kill should have interrupted the writes for a moment")
    }
}
