import GalleyCore
import GalleyRuntime
import GalleyRewards

/// The reward worker: one run (`run`, e.g. from cron) or the Monday scheduler (`schedule`).
enum RewardWorkerApp {
    static let definition = ProcessBootstrap.Definition(
        interface: CommandLineInterface(.rewardWorker, commands: [
            .init("run", synopsis: "[--week 2026-W47] [--dry-run] [--batch-size N]",
                  "credit a week's VIP reward once per user, then exit", details: [
                      "            --week        the ISO week to pay, YYYY-Www (default: the current week, UTC)",
                      "            --dry-run     count eligible users and points; write nothing",
                      "            --batch-size  users per batch statement (default 5000)",
                  ]) { arguments in
                _ = try RewardCommandLine.parse(["run"] + arguments)
            },
            .init("schedule", "stay up; run at Monday 00:00 UTC (one replica per week via Redis)"),
        ], defaultCommand: nil),
        services: services)

    static func services(_ runtime: ProcessRuntime) async throws -> [any Service] {
        let command: RewardCommandLine
        do {
            command = try RewardCommandLine.parse([runtime.invocation.command] + runtime.invocation.arguments)
        } catch {
            throw ProcessFailure.usage(error.description)
        }
        let config = try runtime.businessConfig()
        // Leased like every other process: Redis down at start is exit 69, and cron or
        // systemd runs it again (minting on an unleased id could collide with a live one).
        let ids = try runtime.snowflakeIDs()
        let stop = StopFlag()
        switch command {
        case .run(let week, let dryRun, let batchSize):
            var options = RewardRunOptions(week: week)
            options.dryRun = dryRun
            options.batchSize = batchSize
            let run = RewardRun(pool: runtime.postgres, ids: ids, amounts: RewardAmounts(config: config.current),
                                options: options, logger: runtime.logger)
            return [ClosureService("reward run", stop: { stop.set() }) {
                try await onOwnThread("reward-run") { try RunCommand(run: run, stop: stop).execute() }
            }]
        case .schedule:
            let scheduler = ScheduleCommand.scheduler(postgres: runtime.postgres, redis: runtime.redis, ids: ids,
                                                      config: config, stop: stop)
            return [
                runtime.statusServer(),
                ClosureService("reward scheduler", stop: { stop.set(); scheduler.stop() }) {
                    try await onOwnThread("reward-scheduler") { scheduler.serve() }
                },
            ]
        case .help:
            return []
        }
    }
}
