import GalleyCore
import GalleyRedis

/// What a Sentinel failover looks like from a process: lookups rise as connections break,
/// the master switch count steps once per failover, failed lookups count the seconds no
/// Sentinel named a reachable master. All 0 without `REDIS_SENTINELS`.
extension StandardMetrics {
    static func registerSentinel(redis: RedisPool, registry: MetricsRegistry) {
        let resolver = redis.configuration.sentinel
        registry.gauge("galley_redis_master_switches", help: "Redis master changes seen through Sentinel since start.") {
            Double(resolver?.stats.switches ?? 0)
        }
        registry.gauge("galley_redis_sentinel_lookups", help: "Times the Sentinels were asked for the master since start.") {
            Double(resolver?.stats.discoveries ?? 0)
        }
        registry.gauge("galley_redis_sentinel_lookup_failures",
                       help: "Lookups in which no Sentinel named the master since start.") {
            Double(resolver?.stats.failures ?? 0)
        }
    }
}
