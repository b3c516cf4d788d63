import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyRewards


/// Where the run's Snowflake ids come from: a node id leased in Redis, as every Galley
/// process does, so ids never collide with another live process's.
enum SnowflakeSource {
    /// The generator, and the lease to release at exit. If Redis is unreachable and the
    /// operator set `SNOWFLAKE_NODE_ID`, that id is used unleased (with a warning) rather
    /// than failing the week's reward for want of Redis: a clash with a live process
    /// using the same id could only fail a batch on the primary key, never corrupt it.
    static func make(settings: Settings, redis: RedisPool, logger: Logger, onLost: @escaping @Sendable (Int) -> Void)
        throws -> (ids: SnowflakeGenerator, lease: SnowflakeNodeLease?)
    {
        do {
            let lease = try SnowflakeNodeLease.acquire(pool: redis, nodeID: settings.snowflakeNodeID, onLost: onLost)
            return (try lease.makeGenerator(), lease)
        } catch let error as RedisError where error.isConnectionError {
            guard let nodeID = settings.snowflakeNodeID else { throw error }
            logger.warning("Redis unreachable: using SNOWFLAKE_NODE_ID without a lease", ["node_id": String(nodeID)])
            return (try SnowflakeGenerator(nodeID: nodeID), nil)
        }
    }
}
