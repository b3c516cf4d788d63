import Foundation
public import GalleyCore
public import GalleyPostgres
public import GalleyRedis

/// The gauges every Galley process exports under the same names, so one dashboard and
/// one alert cover the fleet: pools, the Snowflake lease, build and start time.
public enum StandardMetrics {
    public static let names = [
        "galley_build_info", "galley_process_start_time_seconds", "galley_db_pool_connections",
        "galley_redis_pool_connections", "galley_snowflake_lease_held", "galley_snowflake_node_id",
    ]

    /// `lease` answers the current lease (nil before it is taken).
    public static func register(postgres: PostgresPool, redis: RedisPool, lease: @escaping @Sendable () -> SnowflakeNodeLease?,
                                registry: MetricsRegistry = .shared) {
        registry.gauge("galley_build_info", help: "Always 1; the labels say what is running.",
                       labels: [("version", BuildInfo.version), ("commit", BuildInfo.commit)]).set(1)
        registry.gauge("galley_process_start_time_seconds", help: "When the process started, in Unix seconds.")
            .set(Date().timeIntervalSince1970.rounded())
        for state in ["in_use", "idle"] {
            registry.gauge("galley_db_pool_connections", help: "PostgreSQL pool sessions by state.", labels: [("state", state)]) {
                let stats = postgres.stats
                return Double(state == "in_use" ? stats.inUse : stats.idle)
            }
            registry.gauge("galley_redis_pool_connections", help: "Redis pool connections by state.", labels: [("state", state)]) {
                let stats = redis.stats
                return Double(state == "in_use" ? stats.inUse : stats.idle)
            }
        }
        registry.gauge("galley_snowflake_lease_held", help: "1 while this process holds its Snowflake node id lease.") {
            lease()?.isHeld == true ? 1 : 0
        }
        registry.gauge("galley_snowflake_node_id", help: "The Snowflake node id in use (-1: none yet).") {
            Double(lease()?.nodeID ?? -1)
        }
        registerSentinel(redis: redis, registry: registry)
    }
}
