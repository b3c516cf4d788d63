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
    /// The test stack's Redis (see TestEnvironment); through its Sentinels when they are set;
    /// on the Cluster pass (`REDIS_CLUSTER_NODES`) routed by slot, where `database` is
    /// ignored (a Cluster has only database 0; suites keep their keys apart by name).
    package static func testStack(database: Int = 0, commandTimeoutSeconds: Double = 5) -> RedisConfiguration {
        if TestEnvironment.clusterPass {
            return TestCluster.configuration(commandTimeoutSeconds: commandTimeoutSeconds)
        }
        let sentinel = TestEnvironment.redisSentinel
        return RedisConfiguration(
            host: sentinel == nil ? TestEnvironment.redisHost : "127.0.0.1",
            port: sentinel == nil ? TestEnvironment.redisPort : 6379, database: database,
            commandTimeoutSeconds: commandTimeoutSeconds, sentinel: sentinel.map { RedisEndpointResolver(configuration: $0) })
    }
}
