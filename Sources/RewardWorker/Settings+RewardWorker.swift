import GalleyPostgres
import GalleyRedis
import GalleyRuntime


/// The connection settings of the reward worker's pools, from the fleet's environment.
extension Settings {
    var rewardPostgres: PostgresConfiguration { postgresConfiguration(applicationName: "galley-reward-worker") }

    var rewardRedis: RedisConfiguration { redisConfiguration }

    /// `/health` and `/metrics` of schedule mode.
    var rewardMetricsPort: Int { workers.metricsPort ?? 9103 }
}
