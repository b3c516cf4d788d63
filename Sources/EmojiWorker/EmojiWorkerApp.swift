import Foundation
import GalleyCore
import GalleyRedis
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji

/// The emoji worker: the `emoji_tasks` consumer and what keeps it honest (task leases,
/// the sweeper, the lag gauges), plus the status server. SIGTERM stops reading and lets
/// tasks in flight reach a safe point until SHUTDOWN_DEADLINE_SECONDS.
enum EmojiWorkerApp {
    static let definition = ProcessBootstrap.Definition(
        interface: CommandLineInterface(.emojiWorker, commands: [
            .init("run", "consume emoji_tasks: submit to DashScope, poll, store the video, settle points"),
        ], defaultCommand: "run"),
        services: services)

    /// Stopped in reverse: the consumer drains first, while leases are still renewed
    /// and `/ready` answers 503.
    static func services(_ runtime: ProcessRuntime) async throws -> [any Service] {
        let settings = runtime.settings
        let logger = runtime.logger
        let config = EmojiWorkerConfiguration.load(settings: settings)
        let (provider, limiter) = try makeProvider(settings, config: config, redis: runtime.redis, logger: logger)
        let storage = try runtime.objectStorage()
        let ids = try runtime.snowflakeIDs()

        let store = EmojiTaskStore(pool: runtime.postgres, ledger: Ledger(nextID: { ids.next() }))
        let leases = EmojiLeaseKeeper(store: store, worker: config.workerID, lease: config.leaseDuration, logger: logger)
        let processor = EmojiTaskProcessor(configuration: config, store: store, provider: provider,
                                           results: ObjectStorageResultSink(storage: storage), limiter: limiter, leases: leases,
                                           metrics: EmojiWorkerMetrics(), logger: logger,
                                           share: config.userShare > 0 ? UserSubmitShare(redis: runtime.redis, share: config.userShare, configuration: config) : nil)
        let consumer = StreamConsumer(configuration: config.streamConsumer, redis: runtime.redis, handler: processor, logger: logger)
        let lag = StreamLagMonitor(redis: runtime.redis, stream: EmojiWorkerConfiguration.stream,
                                   group: EmojiWorkerConfiguration.group, logger: logger)
        let sweeper = EmojiTaskSweeper(store: store, redis: runtime.redis, configuration: config, logger: logger)
        logger.info("emoji worker configured", [
            "consumer": config.consumer, "worker": config.workerID, "concurrency": String(config.concurrency),
            "mock": String(settings.dashScope.mock),
        ])
        return [
            runtime.statusServer(),
            ClosureService("task lease keeper") { await leases.run() },
            ClosureService("stream lag monitor") { await lag.run() },
            ClosureService("task sweeper") { await sweeper.run() },
            store.reconciler(after: settings.workers.emojiReconcileAfter, redis: runtime.redis, logger: logger),
            consumer,
        ]
    }

    /// The mock (local demos) or DashScope behind several URLSessions, and the fleet-wide
    /// submit rate limiter.
    static func makeProvider(_ settings: Settings, config: EmojiWorkerConfiguration, redis: RedisPool, logger: Logger)
        throws -> (any EmojiProvider, SubmitRateLimiter?)
    {
        if settings.dashScope.mock {
            logger.warning("ALIYUN_EMOJI_MOCK=true: tasks complete with a sample video; for local demos only")
            return (MockEmojiProvider(delay: config.mockDelay), nil)
        }
        guard let apiKey = settings.dashScope.apiKey, !apiKey.isEmpty else {
            throw ConfigurationError.missing("DASHSCOPE_API_KEY")
        }
        // One libcurl multi handle serves every generation in flight (docs/architecture.md).
        let provider = DashScopeClient(configuration: .init(baseURL: settings.dashScope.baseURL, apiKey: apiKey))
        return (provider, SubmitRateLimiter(redis: redis, apiKey: apiKey, ratePerSecond: config.submitRatePerSecond))
    }
}
