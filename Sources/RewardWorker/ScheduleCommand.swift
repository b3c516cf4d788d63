import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyRewards

/// `RewardWorker schedule`: runs the week's reward every Monday 00:00 UTC until stopped.
enum ScheduleCommand {
    static func scheduler(postgres: PostgresPool, redis: RedisPool, ids: SnowflakeGenerator, config: BusinessConfigStore,
                          stop: StopFlag) -> RewardScheduler {
        RewardScheduler(redis: redis, logger: Logger(label: "reward-scheduler")) { week in
            // Prices are read per run, so a config edit applies from the next week on.
            let run = RewardRun(pool: postgres, ids: ids, amounts: RewardAmounts(config: config.current),
                                options: RewardRunOptions(week: week))
            let reporter = ProgressReporter(interactive: false)
            let summary = try run.run(shouldStop: { stop.isSet }, progress: reporter.update)
            reporter.finish(summary)
            return summary
        }
    }
}
