import GalleyCore
public import GalleyPostgres
public import GalleyRedis
import GalleyHTTP

/// The pools' configurations from the fleet's settings, in one place so every
/// executable connects the same way.
extension Settings {
    /// libpq treats an empty database name as the user's name; say so explicitly.
    public func postgresConfiguration(applicationName: String) -> PostgresConfiguration {
        PostgresConfiguration(
            host: database.host, port: database.port, user: database.user, password: database.password,
            database: database.database.isEmpty ? database.user : database.database,
            applicationName: applicationName
        )
    }

    /// `DB_POOL_SIZE` when set. By default the gateway gets a session per handler thread
    /// (`HTTP_WORKERS`), so no handler queues for a session behind another; the workers 20;
    /// the reward worker and galleyctl, one-shot beside the fleet, always 2.
    public func postgresPoolSize(for executable: GalleyExecutable) -> Int {
        if executable == .rewardWorker || executable == .galleyctl { return 2 }
        if let explicit = database.explicitPoolSize { return explicit }
        return executable == .apiGateway ? http.handlerThreads : database.poolSize
    }

    /// With `REDIS_CLUSTER_NODES`, the seeds replace `REDIS_HOST`/`REDIS_PORT` (the first
    /// stands in for them where one address is printed). With `REDIS_SENTINELS`, each call
    /// makes a resolver of its own: give one pool one call.
    public var redisConfiguration: RedisConfiguration {
        var configuration = RedisConfiguration(
            host: redis.host, port: redis.port, password: redis.password, database: redis.database,
            sentinel: redis.sentinel.map { RedisEndpointResolver(configuration: $0) })
        configuration.clusterNodes = redis.clusterNodes.compactMap { RedisClusterNode(parsing: $0) }
        if let first = configuration.clusterNodes.first {
            configuration.host = first.host
            configuration.port = first.port
        }
        return configuration
    }
}
