import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks

/// The few things `main.swift` does before serving, each a one-line failure on stderr
/// and exit 1 (the contract's rule for bad settings), so `main.swift` only wires.
enum Startup {
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }

    static func settings() -> Settings {
        do {
            // The gateway signs tokens and upload URLs and authenticates RevenueCat: both secrets.
            return try Settings.load(requiring: [.signingKey, .webhookSecret])
        } catch {
            fail(error.description)
        }
    }

    static func businessConfig(_ settings: Settings) -> BusinessConfigStore {
        do {
            return try BusinessConfigStore(path: settings.configPath)
        } catch {
            fail(error.description)
        }
    }

    static func postgresConfiguration(_ settings: Settings) -> PostgresConfiguration {
        settings.postgresConfiguration(applicationName: "galley-gateway")
    }

    static func redisConfiguration(_ settings: Settings) -> RedisConfiguration {
        settings.redisConfiguration
    }

    static func migrate(_ pool: PostgresPool, logger: Logger) {
        do {
            try MigrationRunner.migrate(pool: pool, logger: logger)
        } catch {
            fail("migration failed: \(error)")
        }
    }

    static func lease(_ redis: RedisPool, settings: Settings, logger: Logger) -> SnowflakeNodeLease {
        do {
            return try SnowflakeNodeLease.acquire(pool: redis, nodeID: settings.snowflakeNodeID, logger: logger) { node in
                Logger(label: "gateway").error("snowflake node id taken over by another process; exiting", ["node_id": String(node)])
                exit(1)
            }
        } catch let error as SnowflakeError {
            fail(error.description)
        } catch {
            fail("could not lease a Snowflake node id: \(error)")
        }
    }

    static func provider(_ settings: Settings) -> any EmojiProvider {
        if settings.dashScope.mock { return MockEmojiProvider() }
        return DashScopeClient(configuration: DashScopeClient.Configuration(
            baseURL: settings.dashScope.baseURL, apiKey: settings.dashScope.apiKey))
    }

    static func serverConfiguration(_ settings: Settings) -> HTTPServerConfiguration {
        HTTPServerConfiguration(
            host: settings.http.host, port: settings.http.port, threads: settings.http.threads,
            handlerThreads: settings.http.handlerThreads, connectionLimit: settings.http.connectionLimit,
            perIPConnectionLimit: settings.http.perIPConnectionLimit,
            connectionTimeoutSeconds: settings.http.timeoutSeconds,
            defaultBodyLimit: GatewayResponder.jsonBodyLimit,
            headDeadlineSeconds: settings.http.headDeadlineSeconds, bodyDeadlineSeconds: settings.http.bodyDeadlineSeconds)
    }

    /// The configured object storage; nil (upload routes answer 500001) when it cannot be
    /// built. URLs and signing key come from Settings+Derived, as in the EmojiWorker.
    static func storage(_ settings: Settings, logger: Logger) -> (any ObjectStorage)? {
        do {
            return try settings.makeObjectStorage(fileExecutor: BlockingExecutor(name: "storage-files", threads: 2))
        } catch {
            logger.error("object storage unavailable; upload routes answer 500001", ["error": String(reflecting: error)])
            return nil
        }
    }
}
