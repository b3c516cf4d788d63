import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRewards

extension AdminOperations {
    /// Reward runs, newest first: finished ones with counts and duration, running ones with
    /// their progress so far (a run refreshes its row after every batch).
    public func rewardRuns(week: String? = nil, page: AdminPageRequest = AdminPageRequest()) throws -> AdminPage<AdminRewardRun> {
        let before = try AdminCursor.id(page.cursor)
        return try postgres.withConnection { connection in
            let rows = try connection.query("""
                SELECT id, reward_week, host, started_at, finished_at, outcome, batches, eligible, credited, already_credited,
                       points, EXTRACT(EPOCH FROM (COALESCE(finished_at, now()) - started_at))::double precision AS seconds
                FROM reward_runs
                WHERE ($1::bigint IS NULL OR id < $1::bigint) AND ($2::varchar IS NULL OR reward_week = $2::varchar)
                ORDER BY id DESC LIMIT $3
                """, [before, week, page.limit + 1])
            let runs = try rows.rows.map { row in
                AdminRewardRun(
                    id: try row.decode(Int64.self, "id"), week: try row.decode(String.self, "reward_week"),
                    host: try row.decode(String.self, "host"), startedAt: try row.decode(Date.self, "started_at"),
                    finishedAt: try row.decode(Date?.self, "finished_at"), outcome: try row.decode(String.self, "outcome"),
                    batches: try row.decode(Int.self, "batches"), eligible: try row.decode(Int.self, "eligible"),
                    credited: try row.decode(Int.self, "credited"), alreadyCredited: try row.decode(Int.self, "already_credited"),
                    points: try row.decode(Int64.self, "points"), durationSeconds: try row.decode(Double.self, "seconds"))
            }
            return AdminCursor.page(runs, limit: page.limit) { String($0.id) }
        }
    }

    /// Counts what a run for `week` (`2026-W47`; nil: the current week, UTC) would pay,
    /// writing nothing. The first step of starting a run.
    public func rewardDryRun(week: String?) throws -> AdminRewardRunResult {
        try reward(week: week, dryRun: true, progress: { _ in })
    }

    /// Runs the week's reward (each VIP paid at most once per week however often this is
    /// called), blocking until it ends; `progress` gets the totals after each batch and the
    /// `reward_runs` row shows them to other viewers meanwhile. Without `confirm` nothing
    /// runs: do ``rewardDryRun(week:)`` first and show its counts. One audit row at the end,
    /// with the outcome.
    public func startRewardRun(week: String?, confirm: Bool, by actor: AdminOperator,
                               progress: @escaping (AdminRewardRunResult) -> Void = { _ in }) throws -> AdminRewardRunResult {
        let parsed = try AdminOperations.week(week)
        guard confirm else {
            throw AdminError(.confirmationRequired, "a reward run for \(parsed) credits points; run the dry run first, then confirm")
        }
        do {
            let result = try reward(week: week, dryRun: false, progress: progress)
            _ = try postgres.withConnection { connection in
                try recordAudit(actor, action: "reward.start", target: "week:\(parsed)", before: nil, after: result.json, on: connection)
            }
            return result
        } catch {
            _ = try? postgres.withConnection { connection in
                try recordAudit(actor, action: "reward.start", target: "week:\(parsed)", before: nil,
                                after: ["failed": .string(String(describing: error))], on: connection)
            }
            throw error
        }
    }

    private func reward(week: String?, dryRun: Bool, progress: (AdminRewardRunResult) -> Void) throws -> AdminRewardRunResult {
        var options = RewardRunOptions(week: try AdminOperations.week(week))
        options.dryRun = dryRun
        let run = RewardRun(pool: postgres, ids: try ids(), amounts: RewardAmounts(config: config.current), options: options,
                            logger: logger)
        let summary = try run.run(progress: { progress(AdminOperations.result($0)) })
        return AdminOperations.result(summary)
    }

    static func week(_ text: String?) throws -> ISOWeek {
        guard let text else { return ISOWeek(containing: Date()) }
        do {
            return try ISOWeek(parsing: text)
        } catch {
            throw AdminError.invalid("the week must look like 2026-W47")
        }
    }

    static func result(_ summary: RewardRunSummary) -> AdminRewardRunResult {
        AdminRewardRunResult(week: summary.week.description, dryRun: summary.dryRun, eligible: summary.eligible,
                             credited: summary.credited, alreadyCredited: summary.alreadyCredited, points: summary.points,
                             seconds: summary.seconds)
    }
}
