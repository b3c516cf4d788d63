import Shared

/// The connection settings of the reward worker's pools, from the fleet's environment.
extension Settings {
    var rewardPostgres: PostgresConfiguration {
        PostgresConfiguration(
            host: database.host, port: database.port, user: database.user, password: database.password,
            database: database.database.isEmpty ? database.user : database.database,
            applicationName: "galley-reward-worker"
        )
    }

    var rewardRedis: RedisConfiguration {
        RedisConfiguration(host: redis.host, port: redis.port, password: redis.password, database: redis.database)
    }

    /// `/health` and `/metrics` of schedule mode.
    var rewardMetricsPort: Int { workers.metricsPort ?? 9103 }
}
