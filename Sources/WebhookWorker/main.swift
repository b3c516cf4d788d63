import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyRuntime
import GalleyWebhooks

// WebhookWorker: applies the RevenueCat events the gateway stored (stream `webhook_events`,
// group `webhook_worker`), sweeps parked ones, and answers /health and /metrics.
// `WebhookWorker replay --event ID` / `replay --parked` re-drive stored events and exit.

Signals.ignoreSIGPIPE()

let settings: Settings
do {
    settings = try Settings.load(requiring: [])
} catch {
    print(error.description)
    exit(1)
}
Logger.minimumLevel = settings.logLevel
let logger = Logger(label: "WebhookWorker")

let command: WebhookWorkerCommand
do {
    command = try WebhookWorkerCommand(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    print(error.description)
    exit(2)
}

let businessConfig: BusinessConfigStore
do {
    businessConfig = try BusinessConfigStore(path: settings.configPath)
} catch {
    print(error.description)
    exit(1)
}

let postgres = PostgresPool(
    configuration: settings.postgresConfiguration(applicationName: "galley-webhook-worker"),
    size: settings.database.poolSize, logger: Logger(label: "postgres"))
let redis = RedisPool(
    configuration: settings.redisConfiguration,
    size: settings.redis.poolSize, logger: Logger(label: "redis"))

let lease: SnowflakeNodeLease
let ids: SnowflakeGenerator
do {
    // Another process holds our node id: stop minting at once. Every change is
    // transactional and stream entries stay pending, so another worker finishes them.
    lease = try SnowflakeNodeLease.acquire(pool: redis, nodeID: settings.snowflakeNodeID) { nodeID in
        logger.error("snowflake node id taken by another process; exiting", ["node_id": String(nodeID)])
        exit(75)
    }
    ids = try lease.makeGenerator()
} catch {
    logger.error("cannot lease a snowflake node id", ["error": String(describing: error)])
    exit(1)
}

let metrics = WebhookMetrics()
let applier = WebhookApplier(
    configuration: WebhookApplierConfiguration(applySandboxEvents: settings.workers.applySandboxEvents),
    businessConfig: { businessConfig.current }, ids: ids, logger: Logger(label: "webhook"))
let sweeper = WebhookSweeper(applier: applier, pool: postgres, metrics: metrics)

switch command {
case .replayEvent(let eventID):
    do {
        let outcome = try await sweeper.replay(eventID: eventID)
        print(outcome.description)
        lease.release()
        exit(outcome.status == .notFound ? 1 : 0)
    } catch {
        print("replay failed: \(error)")
        lease.release()
        exit(1)
    }
case .replayParked:
    do {
        print(try await sweeper.replayParked().description)
        lease.release()
        exit(0)
    } catch {
        print("replay failed: \(error)")
        lease.release()
        exit(1)
    }
case .run:
    break
}

if settings.migrateOnStart {
    do {
        try MigrationRunner.migrate(pool: postgres, logger: Logger(label: "migrations"))
    } catch {
        logger.error("migrations failed", ["error": String(describing: error)])
        exit(1)
    }
}

var consumerConfiguration = StreamConsumerConfiguration(
    stream: "webhook_events", group: "webhook_worker", consumer: settings.workers.webhookConsumer)
consumerConfiguration.concurrency = settings.workers.webhookConcurrency
consumerConfiguration.shutdownDeadline = .seconds(settings.shutdownDeadlineSeconds)
let consumer = StreamConsumer(
    configuration: consumerConfiguration, redis: redis,
    handler: WebhookStreamHandler(applier: applier, pool: postgres, metrics: metrics), logger: logger)

let registry = MetricsRegistry.shared
registry.gauge("galley_process_start_time_seconds", help: "Start time of the process since the epoch.")
    .set(Date().timeIntervalSince1970)
registry.gauge("galley_db_pool_connections", help: "PostgreSQL sessions by state.", labels: [("state", "in_use")]) {
    Double(postgres.stats.inUse)
}
registry.gauge("galley_db_pool_connections", help: "PostgreSQL sessions by state.", labels: [("state", "idle")]) {
    Double(postgres.stats.idle)
}
registry.gauge("galley_redis_pool_connections", help: "Redis connections by state.", labels: [("state", "in_use")]) {
    Double(redis.stats.inUse)
}
registry.gauge("galley_redis_pool_connections", help: "Redis connections by state.", labels: [("state", "idle")]) {
    Double(redis.stats.idle)
}

let server = HTTPServer(
    configuration: HTTPServerConfiguration(
        host: settings.http.host, port: settings.workers.metricsPort ?? 9102, threads: 1, handlerThreads: 1),
    responder: WorkerStatusResponder(registry: registry, isStopping: { consumer.isStopping }),
    logger: Logger(label: "http"))
do {
    try server.start()
} catch {
    logger.error("cannot serve metrics", ["error": String(describing: error)])
    exit(1)
}

let sweeping = Task { await sweeper.run() }
let watcher = Signals.onTermination { signal in
    logger.info("stopping", ["signal": String(signal)])
    consumer.shutdown()
}

var status: Int32 = 0
do {
    try await consumer.run()
} catch {
    logger.error("consumer stopped on an error", ["error": String(describing: error)])
    status = 1
}
withExtendedLifetime(watcher) {}
sweeping.cancel()
await sweeping.value
server.shutdown(deadline: .seconds(2))
lease.release()
postgres.close()
redis.shutdown()
exit(status)
