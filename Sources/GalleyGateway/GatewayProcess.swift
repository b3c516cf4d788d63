import Dispatch
import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyRuntime
import GalleyEmoji

/// The gateway process: settings, pools, migrations, the Snowflake lease, storage, the
/// provider, the responder and server, the outbox relay, and a graceful SIGTERM.
public enum GatewayProcess {
    public static func run() -> Never {
        Signals.ignoreSIGPIPE()
        let settings = Startup.settings()
        Logger.minimumLevel = settings.logLevel
        let logger = Logger(label: "gateway")
        for warning in settings.warnings { logger.warning(warning) }
        let postgres = PostgresPool(configuration: Startup.postgresConfiguration(settings), size: settings.database.poolSize,
                                    logger: Logger(label: "postgres"))

        if CommandLine.arguments.dropFirst().first == "migrate" {
            Startup.migrate(postgres, logger: logger)
            postgres.close()
            exit(0)
        }

        let config = Startup.businessConfig(settings)
        let redis = RedisPool(configuration: Startup.redisConfiguration(settings), size: settings.redis.poolSize)
        if settings.migrateOnStart { Startup.migrate(postgres, logger: logger) }
        let lease = Startup.lease(redis, settings: settings, logger: logger)
        let storage = Startup.storage(settings, logger: logger)
        let services: GatewayServices
        do {
            services = GatewayServices(settings: settings, postgres: postgres, redis: redis, ids: try lease.makeGenerator(),
                                       config: config, storage: storage, provider: Startup.provider(settings), logger: logger)
        } catch {
            Startup.fail("\(error)")
        }

        let responder = GatewayResponder(services: services)
        var internalServer: HTTPServer?
        let apiResponder: any HTTPResponder
        if let internalPort = settings.http.internalPort {
            var configuration = Startup.serverConfiguration(settings)
            configuration.host = settings.http.internalHost
            configuration.port = internalPort
            configuration.threads = 1
            configuration.handlerThreads = 2
            internalServer = HTTPServer(configuration: configuration, responder: FilteredResponder.internal(responder))
            apiResponder = FilteredResponder.api(responder)
        } else {
            apiResponder = responder
        }
        let server = HTTPServer(configuration: Startup.serverConfiguration(settings), responder: apiResponder)
        do {
            try server.start()
            try internalServer?.start()
        } catch {
            Startup.fail("could not start the HTTP server: \(error)")
        }
        if let internalServer {
            logger.info("internal endpoints on their own address", [
                "host": settings.http.internalHost, "port": String(internalServer.port),
            ])
        }
        GatewayMetrics.register(postgres: postgres, redis: redis, server: server)
        let relay = OutboxRelay(postgres: postgres, redis: redis, publisher: services.outbox)
        relay.start()

        let terminated = DispatchSemaphore(value: 0)
        let watcher = Signals.onTermination { _ in terminated.signal() }
        terminated.wait()
        logger.info("shutting down", ["deadline_seconds": String(settings.shutdownDeadlineSeconds)])
        server.shutdown(deadline: .seconds(settings.shutdownDeadlineSeconds))
        internalServer?.shutdown(deadline: .seconds(1))
        services.outbox.stop()
        relay.stop()
        lease.release()
        redis.shutdown()
        postgres.close()
        logger.info("stopped")
        withExtendedLifetime(watcher) {}
        exit(0)
    }
}
