import GalleyCore
@testable import GalleyRedis
import GalleyTestSupport

extension RedisConnection {
    /// One connection to the test stack's Redis; on the Cluster pass routed by slot the way
    /// a pool's connections are, so the connection-level suites run on the Cluster too.
    static func testStack(commandTimeoutSeconds: Double = 5) throws -> RedisConnection {
        let configuration = RedisConfiguration.testStack(commandTimeoutSeconds: commandTimeoutSeconds)
        guard !configuration.clusterNodes.isEmpty else { return try RedisConnection(configuration: configuration) }
        let router = RedisClusterRouter(seeds: configuration.clusterNodes, configuration: configuration,
                                        logger: Logger(label: "test-cluster"))
        return RedisConnection(handle: try router.connectAnyNode(), configuration: configuration, cluster: router)
    }

    /// One plain (unrouted) connection that serves `key`: on the Cluster pass to the node
    /// owning its slot, for tests of what a single connection does (a routed one hands each
    /// command to a node connection of its own, so its own socket never breaks).
    static func testStackNode(serving key: String) throws -> RedisConnection {
        let configuration = RedisConfiguration.testStack()
        guard !configuration.clusterNodes.isEmpty else { return try RedisConnection(configuration: configuration) }
        guard let node = try TestCluster.owner(of: RedisSlot.of(key)) else { throw RedisError.connectionFailed }
        return try RedisConnection(configuration: RedisConfiguration(host: node.host, port: node.port))
    }
}
