import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyWebhooks

/// The webhook worker: applies the RevenueCat events the gateway stored (stream
/// `webhook_events`, group `webhook_worker`), sweeps parked ones and serves its status;
/// or, as `replay`, re-drives stored events once and exits.
enum WebhookWorkerApp {
    static let definition = ProcessBootstrap.Definition(
        interface: CommandLineInterface(.webhookWorker, commands: [
            .init("run", "consume webhook_events and sweep parked events"),
            .init("replay", synopsis: "--event ID | --parked", "re-drive one stored event, or every parked one, and exit",
                  details: ["            --event ID  the RevenueCat event id", "            --parked    every parked event"],
                  migratesOnStart: false) { arguments in
                _ = try WebhookWorkerCommand(arguments: ["replay"] + arguments)
            },
            refundCommand,
        ], defaultCommand: "run"),
        services: services)

    static func services(_ runtime: ProcessRuntime) async throws -> [any Service] {
        let settings = runtime.settings
        if runtime.invocation.command == "refund" { return try refund(runtime) }
        let command = try WebhookWorkerCommand(arguments: runtime.invocation.command == "run"
                                               ? [] : [runtime.invocation.command] + runtime.invocation.arguments)
        let businessConfig = try runtime.businessConfig()
        let ids = try runtime.snowflakeIDs()
        let metrics = WebhookMetrics()
        let applier = WebhookApplier(
            configuration: WebhookApplierConfiguration(applySandboxEvents: settings.workers.applySandboxEvents),
            businessConfig: { businessConfig.current }, ids: ids, logger: Logger(label: "webhook"))
        let sweeper = WebhookSweeper(applier: applier, pool: runtime.postgres, metrics: metrics)

        switch command {
        case .replayEvent(let eventID):
            return [ClosureService("replay") {
                let outcome = try await sweeper.replay(eventID: eventID)
                print(outcome.description)
                if outcome.status == .notFound { throw ProcessFailure(.failure, "event not found") }
            }]
        case .replayParked:
            return [ClosureService("replay") { print(try await sweeper.replayParked().description) }]
        case .run:
            var consumer = StreamConsumerConfiguration(
                stream: "webhook_events", group: "webhook_worker", consumer: settings.workers.webhookConsumer)
            consumer.concurrency = settings.workers.webhookConcurrency
            consumer.shutdownDeadline = settings.shutdownDeadline
            return try [
                runtime.statusServer(),
                ClosureService("parked event sweeper") { await sweeper.run() },
                WebhookReconcileSource.reconciler(pool: runtime.postgres, after: settings.workers.webhookReconcileAfter,
                                                  redis: runtime.redis, logger: runtime.logger),
                StreamConsumer(configuration: consumer, redis: runtime.redis,
                               handler: WebhookStreamHandler(applier: applier, pool: runtime.postgres, metrics: metrics),
                               logger: runtime.logger),
            ] + weChatPayServices(runtime, ids: ids)
        }
    }
}
