import Foundation
import GalleyRedis

/// The three-master Redis Cluster `scripts/cluster start` runs on loopback, found through
/// `GALLEY_REDIS_CLUSTER_NODES` (`scripts/cluster env`); suites that need it are enabled
/// only when it is set. Helpers talk to each node directly, not through the router under test.
package enum TestCluster {
    package static var nodes: [RedisClusterNode]? {
        (TestEnvironment.env["GALLEY_REDIS_CLUSTER_NODES"] ?? TestEnvironment.env["REDIS_CLUSTER_NODES"])
            .flatMap { RedisClusterNode.list(parsing: $0) }
    }

    package static var isAvailable: Bool { nodes != nil }

    /// `REDIS_CLUSTER_NODES` for a fleet process.
    package static var setting: String { (nodes ?? []).map(\.description).joined(separator: ",") }

    /// A configuration whose pool routes by slot.
    package static func configuration(commandTimeoutSeconds: Double = 5) -> RedisConfiguration {
        let seeds = nodes ?? []
        var configuration = RedisConfiguration(host: seeds.first?.host ?? "127.0.0.1", port: seeds.first?.port ?? 6379,
                                               commandTimeoutSeconds: commandTimeoutSeconds)
        configuration.clusterNodes = seeds
        return configuration
    }

    /// A plain connection to one node.
    package static func connect(_ node: RedisClusterNode) throws -> RedisConnection {
        try RedisConnection(configuration: RedisConfiguration(host: node.host, port: node.port))
    }

    /// Empties every master (the cluster is the tests' own).
    package static func flushAll() throws {
        for node in nodes ?? [] { _ = try connect(node).checkedCommand(["FLUSHALL"]) }
    }

    /// The master that serves `slot` now, asking the node itself (`CLUSTER NODES` of each).
    package static func owner(of slot: Int) throws -> RedisClusterNode? {
        for node in nodes ?? [] {
            let connection = try connect(node)
            guard let text = try connection.checkedCommand(["CLUSTER", "NODES"]).stringValue else { continue }
            for line in text.split(separator: "\n") where line.contains("myself") {
                if servesSlot(line, slot) { return node }
            }
        }
        return nil
    }

    /// Whether a `CLUSTER NODES` line lists `slot` among its ranges.
    private static func servesSlot(_ line: Substring, _ slot: Int) -> Bool {
        for field in line.split(separator: " ").dropFirst(8) {
            let bounds = field.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 1, bounds[0] == slot { return true }
            if bounds.count == 2, bounds[0] <= slot, slot <= bounds[1] { return true }
        }
        return false
    }

    /// Starts moving `slot` from `source` to `target` (IMPORTING / MIGRATING): from now on
    /// keys the source no longer holds answer `ASK`.
    package static func beginMigration(_ slot: Int, from source: RedisClusterNode, to target: RedisClusterNode) throws {
        let from = try connect(source), to = try connect(target)
        let sourceID = try from.checkedCommand(["CLUSTER", "MYID"]).stringValue ?? ""
        let targetID = try to.checkedCommand(["CLUSTER", "MYID"]).stringValue ?? ""
        _ = try to.checkedCommand(["CLUSTER", "SETSLOT", .integer(Int64(slot)), "IMPORTING", .string(sourceID)])
        _ = try from.checkedCommand(["CLUSTER", "SETSLOT", .integer(Int64(slot)), "MIGRATING", .string(targetID)])
    }

    /// Moves the slot's keys still on `source` to `target` (MIGRATE, a batch at a time).
    package static func moveKeys(_ slot: Int, from source: RedisClusterNode, to target: RedisClusterNode) throws {
        let from = try connect(source)
        while true {
            let keys = try from.checkedCommand(["CLUSTER", "GETKEYSINSLOT", .integer(Int64(slot)), 100]).arrayValue ?? []
            if keys.isEmpty { return }
            let names = keys.compactMap(\.bytesValue).map { RedisArgument.bytes($0) }
            _ = try from.checkedCommand(["MIGRATE", .string(target.host), .integer(Int64(target.port)), "", 0, 5000, "KEYS"] + names)
        }
    }

    /// Ends the move: every master records `target` as the slot's owner; clients that ask
    /// the source from now on get `MOVED`.
    package static func finishMigration(_ slot: Int, to target: RedisClusterNode) throws {
        let targetID = try connect(target).checkedCommand(["CLUSTER", "MYID"]).stringValue ?? ""
        // The target first, then the others (the order `redis-cli --cluster reshard` uses).
        for node in [target] + (nodes ?? []).filter({ $0 != target }) {
            _ = try connect(node).checkedCommand(["CLUSTER", "SETSLOT", .integer(Int64(slot)), "NODE", .string(targetID)])
        }
    }

    /// The whole move of `slot` to `target`, keys and all; answers where it was.
    @discardableResult
    package static func migrate(_ slot: Int, to target: RedisClusterNode) throws -> RedisClusterNode? {
        guard let source = try owner(of: slot), source != target else { return nil }
        try beginMigration(slot, from: source, to: target)
        try moveKeys(slot, from: source, to: target)
        try finishMigration(slot, to: target)
        return source
    }
}
