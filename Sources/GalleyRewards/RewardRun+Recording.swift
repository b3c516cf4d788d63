import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyLedger

/// The `reward_runs` row of a run: written at the start, its counts refreshed after each
/// batch, and its outcome set at the end, so operators can watch and audit runs in SQL.
extension RewardRun {
    func recordStart(_ runID: Int64, on connection: PostgresConnection) throws {
        let host = String(options.host.prefix(255))
        try connection.execute(RewardStatements.recordStart, [runID, options.week.description, host, options.asOf])
    }

    /// `outcome` nil keeps the run `running` (progress); `succeeded` / `failed` finish it.
    func record(_ runID: Int64, _ summary: RewardRunSummary, outcome: String?, on connection: PostgresConnection) throws {
        try connection.execute(RewardStatements.recordProgress, [
            runID, outcome, summary.batches, summary.eligible, summary.credited, summary.alreadyCredited, summary.points,
        ])
    }
}
