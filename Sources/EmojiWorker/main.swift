import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji

// Wiring only: settings, pools, the Snowflake lease, the provider (mock or DashScope),
// storage, the stream consumer and the /health, /ready and /metrics server. SIGTERM stops reading,
// lets tasks in flight reach a safe point until SHUTDOWN_DEADLINE_SECONDS, exits 0.
Signals.ignoreSIGPIPE()
let logger = Logger(label: "emoji-worker")

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

let settings: Settings
let config: EmojiWorkerConfiguration
do {
    settings = try Settings.load(requiring: [])
    config = try EmojiWorkerConfiguration.load(settings: settings)
} catch {
    fail("\(error)")
}
Logger.minimumLevel = settings.logLevel
MetricsRegistry.shared.gauge("galley_process_start_time_seconds", help: "When the process started, in Unix seconds.")
    .set(Date().timeIntervalSince1970.rounded())

let postgres = PostgresPool(configuration: settings.postgresConfiguration(applicationName: "galley-emoji-worker"),
                            size: settings.database.poolSize, logger: Logger(label: "postgres"))
let redis = RedisPool(configuration: settings.redisConfiguration, size: settings.redis.poolSize, logger: Logger(label: "redis"))

if settings.migrateOnStart {
    do {
        try MigrationRunner.migrate(pool: postgres, logger: Logger(label: "migrations"))
    } catch {
        fail("cannot bring the database schema up to date: \(error)")
    }
}

let provider: any EmojiProvider
let limiter: SubmitRateLimiter?
if settings.dashScope.mock {
    provider = MockEmojiProvider(delay: config.mockDelay)
    limiter = nil
    logger.warning("ALIYUN_EMOJI_MOCK=true: tasks complete with a sample video; for local demos only")
} else {
    guard let apiKey = settings.dashScope.apiKey, !apiKey.isEmpty else {
        fail("configuration error: DASHSCOPE_API_KEY is required unless ALIYUN_EMOJI_MOCK=true")
    }
    provider = DashScopeClient(configuration: .init(baseURL: settings.dashScope.baseURL, apiKey: apiKey))
    limiter = SubmitRateLimiter(redis: redis, apiKey: apiKey, ratePerSecond: config.submitRatePerSecond)
}

let storage: any ObjectStorage
do {
    storage = try settings.makeObjectStorage(fileExecutor: BlockingExecutor(name: "storage-files", threads: 2))
} catch {
    fail("cannot set up object storage: \(error)")
}

let stopping = StopSignal()
let nodeLease: SnowflakeNodeLease
do {
    nodeLease = try SnowflakeNodeLease.acquire(pool: redis, nodeID: settings.snowflakeNodeID, logger: Logger(label: "snowflake")) { _ in
        // Another process holds our node id: stop taking work rather than mint duplicate ids.
        stopping.trigger()
    }
} catch {
    fail("cannot lease a Snowflake node id: \(error)")
}
let ids: SnowflakeGenerator
do {
    ids = try nodeLease.makeGenerator()
} catch {
    fail("cannot make a Snowflake generator: \(error)")
}

let store = EmojiTaskStore(pool: postgres, ledger: Ledger(nextID: { ids.next() }))
let metrics = EmojiWorkerMetrics()
let leases = EmojiLeaseKeeper(store: store, worker: config.workerID, lease: config.leaseDuration, logger: logger)
let processor = EmojiTaskProcessor(configuration: config, store: store, provider: provider,
                                   results: ObjectStorageResultSink(storage: storage), limiter: limiter, leases: leases,
                                   metrics: metrics, logger: logger)
let consumer = StreamConsumer(configuration: config.streamConsumer, redis: redis, handler: processor, logger: logger)
stopping.onTrigger { consumer.shutdown() }

let server = HTTPServer(
    configuration: HTTPServerConfiguration(host: settings.http.host, port: config.metricsPort, threads: 1, handlerThreads: 1),
    responder: WorkerStatusResponder(isStopping: { consumer.isStopping }),
    logger: Logger(label: "metrics-http"))
do {
    try server.start()
} catch {
    fail("cannot listen on METRICS_PORT \(config.metricsPort): \(error)")
}

let watcher = Signals.onTermination { signal in
    logger.info("termination signal; stopping", ["signal": String(signal)])
    stopping.trigger()
}

logger.info("emoji worker started", [
    "consumer": config.consumer, "worker": config.workerID, "concurrency": String(config.concurrency),
    "mock": String(settings.dashScope.mock), "metrics_port": String(server.port),
])
var status: Int32 = 0
do {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await leases.run() }
        group.addTask { await StreamLagMonitor(redis: redis, stream: EmojiWorkerConfiguration.stream, group: EmojiWorkerConfiguration.group, logger: logger).run() }
        group.addTask { await EmojiTaskSweeper(store: store, redis: redis, configuration: config, logger: logger).run() }
        try await consumer.run()
        group.cancelAll()
    }
} catch {
    logger.error("consumer failed", ["error": String(describing: error)])
    status = 1
}
server.shutdown(deadline: .seconds(1))
nodeLease.release()
withExtendedLifetime(watcher) {}
logger.info("emoji worker stopped", ["status": String(status)])
exit(status)
