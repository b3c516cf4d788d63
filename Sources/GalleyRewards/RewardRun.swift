import Foundation
public import GalleyCore
public import GalleyPostgres
public import GalleyRedis
import GalleyRuntime

/// One reward run for one ISO week: walks the eligible VIP users a keyset page at a time
/// and credits each page with one statement (``RewardStatements/creditBatch``, which also
/// explains why overlapping runs pay each user at most once).
///
/// Eligible means VIP at ``RewardRunOptions/asOf``: `is_vip` and `vip_expire_time` null or
/// later. A user who cancelled but is paid up keeps `is_vip` until expiry, so is paid.
///
/// Blocking (libpq on the calling thread): meant for the one-shot CLI and the scheduler's
/// own thread, not for the cooperative pool.
public struct RewardRun: Sendable {
    /// How often a page is repeated after creating missing points accounts before giving up.
    static let accountAttempts = 3
    /// The `reward_runs` counts are refreshed after the first batch and then at most this
    /// often (and at the end): one commit per batch for them cost a re-run about as much
    /// as its reads.
    static let recordInterval: Duration = .seconds(1)
    /// The largest read-only page a run counts in one statement when skipping ahead over
    /// users that already have the week's reward (a re-run): pages double up to this.
    static let largestProbe = 100_000

    public let pool: PostgresPool
    public let ids: SnowflakeGenerator
    public let amounts: RewardAmounts
    public let options: RewardRunOptions
    let logger: Logger

    public init(pool: PostgresPool, ids: SnowflakeGenerator, amounts: RewardAmounts, options: RewardRunOptions,
                logger: Logger = Logger(label: "reward")) {
        self.pool = pool
        self.ids = ids
        self.amounts = amounts
        self.options = options
        self.logger = logger.with("week", options.week.description)
    }

    /// Runs to the end and answers the summary. `shouldStop` is asked before each batch
    /// (signals, tests): when it says yes the run throws ``RewardError/interrupted`` with
    /// every finished batch committed. `progress` gets the totals after each batch.
    ///
    /// Unless it is a dry run, the run is recorded in `reward_runs` (outcome `succeeded`
    /// or `failed`; a process killed mid-run leaves `running`, with counts at most
    /// ``recordInterval`` old).
    @discardableResult
    public func run(
        shouldStop: () -> Bool = { false },
        progress: (RewardRunSummary) -> Void = { _ in }
    ) throws -> RewardRunSummary {
        guard RewardRunOptions.batchSizeRange.contains(options.batchSize) else {
            throw RewardError.invalidBatchSize.with(details: "batch size \(options.batchSize)")
        }
        guard amounts.weekly > 0, amounts.lifetime > 0, amounts.weekly <= Int(Int32.max),
              amounts.lifetime <= Int(Int32.max)
        else { throw RewardError.invalidAmounts.with(details: "weekly \(amounts.weekly) lifetime \(amounts.lifetime)") }

        let started = ContinuousClock.now
        var summary = RewardRunSummary(week: options.week, dryRun: options.dryRun)
        let runID: Int64? = options.dryRun ? nil : ids.next()
        do {
            try pool.withConnection { connection in
                if let runID { try recordStart(runID, on: connection) }
                var after = Int64.min
                var lastRecorded = ContinuousClock.now
                var probeSize = 0  // > 0 after a page that needed nothing: skip ahead by read-only counts
                while true {
                    if shouldStop() { throw RewardError.interrupted }
                    var batch: RewardBatchResult
                    var size = options.batchSize
                    if probeSize > 0, case let probe = try countPage(after: after, size: probeSize, on: connection),
                       probe.credited == 0 {
                        (batch, size) = (probe, probeSize)
                        probeSize = min(probeSize * 2, Self.largestProbe)
                    } else {
                        batch = try creditPage(after: after, on: connection)
                        probeSize = batch.credited == 0 && !options.dryRun ? min(size * 2, Self.largestProbe) : 0
                    }
                    summary.add(batch)
                    summary.seconds = RewardRun.seconds(since: started)
                    if let runID, summary.batches == 1 || ContinuousClock.now - lastRecorded >= Self.recordInterval {
                        try record(runID, summary, outcome: nil, on: connection)
                        lastRecorded = .now
                    }
                    progress(summary)
                    guard batch.eligible == size, let last = batch.lastUserID else { break }
                    after = last
                }
                summary.seconds = RewardRun.seconds(since: started)
                if let runID { try record(runID, summary, outcome: "succeeded", on: connection) }
            }
        } catch {
            if let runID {
                // Best effort, on a fresh session: the one that failed may be broken.
                do {
                    try pool.withConnection { try record(runID, summary, outcome: "failed", on: $0) }
                } catch let recordError {
                    logger.warning("could not record the failed run", ["error": "\(recordError)"])
                }
            }
            throw error
        }
        return summary
    }

    /// One keyset page after `after`: credited (or counted, in a dry run). Eligible users
    /// without a points account get one, and the page is repeated; it is idempotent.
    func creditPage(after: Int64, on connection: PostgresConnection) throws -> RewardBatchResult {
        var attempt = 0
        var earlier = (credited: 0, points: Int64(0))
        while true {
            attempt += 1
            var result = try runBatch(after: after, on: connection)
            // A repeat finds the page's earlier credits already made: they count as this page's.
            result.credited += earlier.credited
            result.points += earlier.points
            earlier = (result.credited, result.points)
            guard result.missingAccounts > 0, !options.dryRun else { return result }
            guard attempt < RewardRun.accountAttempts, let last = result.lastUserID else {
                throw RewardError.accountsMissing.with(details: "\(result.missingAccounts) after \(attempt) attempts")
            }
            let created = try connection.execute(
                RewardStatements.createMissingAccounts,
                [after, last, options.asOf, freshIDs(result.eligible)]
            )
            logger.info("created missing points accounts", ["count": String(created)])
        }
    }

    /// A read-only count of the page of `size` eligible users after `after` (the dry-run
    /// statement): when none of them lacks the reward, the run skips the page unlocked.
    func countPage(after: Int64, size: Int, on connection: PostgresConnection) throws -> RewardBatchResult {
        let binds: [any PostgresEncodable] = [
            after, size, options.asOf, options.week.description, amounts.weekly, amounts.lifetime,
        ]
        return try batchResult(RewardStatements.countBatch, binds, on: connection).result
    }

    /// The batch statement alone, once: the optimistic statement, and the locking one on
    /// the same page when the first skipped accounts that changed under it or lost a
    /// race on the unique reward key (see ``RewardStatements``). A dry run only counts.
    func runBatch(after: Int64, on connection: PostgresConnection) throws -> RewardBatchResult {
        let binds: [any PostgresEncodable] = [
            after, options.batchSize, options.asOf, options.week.description, amounts.weekly, amounts.lifetime,
        ]
        if options.dryRun { return try batchResult(RewardStatements.countBatch, binds, on: connection).result }
        do {
            let (first, skipped) = try batchResult(
                RewardStatements.optimisticCreditBatch, binds + [freshIDs(options.batchSize)], on: connection)
            guard skipped > 0 else { return first }
            var settled = try batchResult(
                RewardStatements.creditBatch, binds + [freshIDs(options.batchSize)], on: connection).result
            // The first statement committed its credits; the repeat sees them as already made.
            settled.credited += first.credited
            settled.points += first.points
            return settled
        } catch let error as PostgresError where error.sqlState == "23505" || error.sqlState == "40P01" {
            logger.info("reward page raced another writer; repeating it with row locks", ["after": String(after)])
            return try batchResult(
                RewardStatements.creditBatch, binds + [freshIDs(options.batchSize)], on: connection).result
        }
    }

    private func batchResult(
        _ sql: String, _ binds: [any PostgresEncodable], on connection: PostgresConnection
    ) throws -> (result: RewardBatchResult, skipped: Int) {
        guard let row = try connection.query(sql, binds).first else { throw RewardError.unexpectedResult }
        let result = RewardBatchResult(
            eligible: try row.decode(Int.self, "eligible"),
            credited: try row.decode(Int.self, "credited"),
            points: try row.decode(Int64.self, "points"),
            missingAccounts: try row.decode(Int.self, "missing"),
            lastUserID: try row.decode(Int64?.self, "last_user_id")
        )
        let skipped = sql == RewardStatements.optimisticCreditBatch ? try row.decode(Int.self, "skipped") : 0
        return (result, skipped)
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let parts = (ContinuousClock.now - start).components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    private func freshIDs(_ count: Int) -> [Int64] {
        var fresh: [Int64] = []
        fresh.reserveCapacity(count)
        for _ in 0..<count { fresh.append(ids.next()) }
        return fresh
    }
}
