import GalleyPostgres
import GalleyRedis

extension PostgresConfiguration {
    /// The test stack's server (see TestEnvironment), optionally another database on it.
    package static func testStack(database: String? = nil) -> PostgresConfiguration {
        PostgresConfiguration(
            host: TestEnvironment.postgresHost,
            port: TestEnvironment.postgresPort,
            user: TestEnvironment.postgresUser,
            password: TestEnvironment.postgresPassword,
            database: database ?? TestEnvironment.postgresDatabase,
            applicationName: "galley-tests"
        )
    }
}

extension RedisConfiguration {
    /// The test stack's Redis (see TestEnvironment).
    package static func testStack(database: Int = 0, commandTimeoutSeconds: Double = 5) -> RedisConfiguration {
        RedisConfiguration(
            host: TestEnvironment.redisHost, port: TestEnvironment.redisPort, database: database,
            commandTimeoutSeconds: commandTimeoutSeconds)
    }
}
