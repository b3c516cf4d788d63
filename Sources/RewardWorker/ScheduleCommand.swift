import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyRuntime
import GalleyRewards

/// `RewardWorker schedule`: runs the week's reward every Monday 00:00 UTC until SIGTERM.
struct ScheduleCommand {
    let postgres: PostgresPool
    let redis: RedisPool
    let ids: SnowflakeGenerator
    let config: BusinessConfigStore
    let metricsPort: Int
    let stop: StopFlag
    let logger = Logger(label: "reward-scheduler")

    func execute() -> Int32 {
        let stop = self.stop
        let (postgres, ids, config) = (self.postgres, self.ids, self.config)
        let scheduler = RewardScheduler(redis: redis, logger: logger) { week in
            // Prices are read per run, so a config edit applies from the next week on.
            let run = RewardRun(pool: postgres, ids: ids, amounts: RewardAmounts(config: config.current),
                                options: RewardRunOptions(week: week))
            let reporter = ProgressReporter(interactive: false)
            let summary = try run.run(shouldStop: { stop.isSet }, progress: reporter.update)
            reporter.finish(summary)
            return summary
        }
        let watcher = Signals.onTermination { _ in
            stop.set()
            scheduler.stop()
        }
        defer { withExtendedLifetime(watcher) {} }
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(port: metricsPort, threads: 1, handlerThreads: 1, connectionLimit: 64),
            responder: WorkerStatusResponder(), logger: Logger(label: "reward-http"))
        do {
            try server.start()
        } catch {
            Console.fail("cannot serve /health and /metrics on METRICS_PORT \(metricsPort): \(error)", details: error)
            return 1
        }
        logger.info("reward scheduler started", ["metrics_port": String(server.port)])
        scheduler.serve()
        server.shutdown(deadline: .seconds(2))
        logger.info("reward scheduler stopped")
        return 0
    }
}
