public import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime

/// What one reward run does. Defaults suit the weekly cron run.
public struct RewardRunOptions: Sendable {
    /// Batch sizes a run accepts: one batch is one statement and one transaction.
    public static let batchSizeRange: ClosedRange<Int> = 1...100_000

    /// The week paid for; each user is credited at most once per week.
    public var week: ISOWeek
    /// The moment VIP validity is judged at (`vip_expire_time` must be after it); fixed
    /// for the whole run so every batch applies the same rule.
    public var asOf: Date
    /// Users per batch (keyset page).
    public var batchSize: Int = 5000
    /// Count what would be credited; write nothing.
    public var dryRun: Bool = false
    /// Recorded in `reward_runs.host`, so operators see where a run came from.
    public var host: String = ProcessInfo.processInfo.hostName

    /// The current ISO week (UTC), judged now.
    public init(week: ISOWeek? = nil, asOf: Date = Date()) {
        self.week = week ?? ISOWeek(containing: asOf)
        self.asOf = asOf
    }
}
