import GalleyCore
import GalleyRedis

/// `REDIS_CLUSTER_NODES`, checked at load so a typo fails the start, not the first command.
extension Settings {
    static func redisClusterNodes(_ env: SettingsReader, database: Int) throws(ConfigurationError) -> [String] {
        guard let text = try env.text("REDIS_CLUSTER_NODES") else { return [] }
        guard let nodes = RedisClusterNode.list(parsing: text) else {
            throw .invalid("REDIS_CLUSTER_NODES", expected: "a comma-separated host:port list")
        }
        guard database == 0 else { throw .invalid("REDIS_DB", expected: "0 with REDIS_CLUSTER_NODES (a Cluster has one database)") }
        return nodes.map(\.description)
    }
}
