import GalleyCore
import GalleyPostgres
import GalleyRedis

/// The totals of a reward run: reported after every batch as progress, and at the end
/// as the run's summary (eligible, credited, already credited, points paid, seconds).
public struct RewardRunSummary: Sendable, Hashable {
    public var week: ISOWeek
    public var dryRun: Bool
    public var batches = 0
    /// Eligible users seen so far.
    public var eligible = 0
    /// Users credited by this run (dry run: would be credited).
    public var credited = 0
    /// Eligible users another run (or an earlier one) had already credited this week.
    public var alreadyCredited = 0
    /// Points paid by this run (dry run: would be paid).
    public var points: Int64 = 0
    /// Seconds since the run started.
    public var seconds: Double = 0

    public init(week: ISOWeek, dryRun: Bool) {
        self.week = week
        self.dryRun = dryRun
    }

    /// Eligible users handled per second (credited or found credited).
    public var usersPerSecond: Double { seconds > 0 ? Double(eligible) / seconds : 0 }

    mutating func add(_ batch: RewardBatchResult) {
        batches += 1
        eligible += batch.eligible
        credited += batch.credited
        alreadyCredited += batch.alreadyCredited
        points += batch.points
    }

    /// Flat string fields for a JSON log line.
    public var logFields: [String: String] {
        [
            "week": week.description,
            "dry_run": String(dryRun),
            "batches": String(batches),
            "eligible": String(eligible),
            "credited": String(credited),
            "already_credited": String(alreadyCredited),
            "points": String(points),
            "seconds": String(format3(seconds)),
            "users_per_second": String(Int(usersPerSecond.rounded())),
        ]
    }

    private func format3(_ value: Double) -> String {
        let thousandths = Int64((value * 1000).rounded())
        let fraction = String(thousandths % 1000)
        return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
