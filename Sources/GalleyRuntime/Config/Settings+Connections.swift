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

    /// With `REDIS_SENTINELS`, each call makes a resolver of its own: give one pool one call.
    public var redisConfiguration: RedisConfiguration {
        RedisConfiguration(host: redis.host, port: redis.port, password: redis.password, database: redis.database,
                           sentinel: redis.sentinel.map { RedisEndpointResolver(configuration: $0) })
    }
}
