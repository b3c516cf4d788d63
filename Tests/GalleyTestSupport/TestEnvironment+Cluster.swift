import GalleyRedis

/// The switch that runs a whole layer against the Redis Cluster: `REDIS_CLUSTER_NODES` in
/// the test environment (scripts/test sets it for its Cluster pass), the setting the fleet
/// reads, so child processes inherit it too.
extension TestEnvironment {
    package static var clusterPass: Bool {
        guard let list = env["REDIS_CLUSTER_NODES"], !list.isEmpty else { return false }
        return RedisClusterNode.list(parsing: list) != nil
    }

    /// Empties the test Redis a suite owns while it runs: `FLUSHDB` of its database, or on
    /// the Cluster pass every master (the layer runs one suite at a time, and the Cluster
    /// is scripts/cluster's, the tests' own).
    package static func flushRedis(_ pool: RedisPool) throws {
        if clusterPass {
            try TestCluster.flushAll()
        } else {
            try pool.withConnection { _ = try $0.command(["FLUSHDB"]) }
        }
    }
}
