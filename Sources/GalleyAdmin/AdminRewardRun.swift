public import Foundation
public import GalleyCore

/// One row of `reward_runs`: a finished run's counts and duration, or a running one's progress.
public struct AdminRewardRun: AdminJSONRepresentable {
    public var id: Int64
    public var week: String
    public var host: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// `running`, `succeeded` or `failed`.
    public var outcome: String
    public var batches: Int
    public var eligible: Int
    public var credited: Int
    public var alreadyCredited: Int
    public var points: Int64
    /// Finished minus started, or so far for a running one.
    public var durationSeconds: Double

    public init(id: Int64, week: String, host: String, startedAt: Date, finishedAt: Date?, outcome: String, batches: Int,
                eligible: Int, credited: Int, alreadyCredited: Int, points: Int64, durationSeconds: Double) {
        self.id = id
        self.week = week
        self.host = host
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.batches = batches
        self.eligible = eligible
        self.credited = credited
        self.alreadyCredited = alreadyCredited
        self.points = points
        self.durationSeconds = durationSeconds
    }

    public var json: JSONValue {
        ["id": .int(id), "week": .string(week), "host": .string(host), "started_at": .string(Timestamp.iso8601(startedAt)),
         "finished_at": JSONValue(finishedAt) { .string(Timestamp.iso8601($0)) }, "outcome": .string(outcome),
         "batches": JSONValue(batches), "eligible": JSONValue(eligible), "credited": JSONValue(credited),
         "already_credited": JSONValue(alreadyCredited), "points": .int(points),
         "duration_seconds": .double(durationSeconds)]
    }
}

/// What starting a run did: a dry run's counts (nothing written), or a real run's summary.
public struct AdminRewardRunResult: AdminJSONRepresentable {
    public var week: String
    public var dryRun: Bool
    public var eligible: Int
    public var credited: Int
    public var alreadyCredited: Int
    public var points: Int64
    public var seconds: Double

    public init(week: String, dryRun: Bool, eligible: Int, credited: Int, alreadyCredited: Int, points: Int64, seconds: Double) {
        self.week = week
        self.dryRun = dryRun
        self.eligible = eligible
        self.credited = credited
        self.alreadyCredited = alreadyCredited
        self.points = points
        self.seconds = seconds
    }

    public var json: JSONValue {
        ["week": .string(week), "dry_run": .bool(dryRun), "eligible": JSONValue(eligible), "credited": JSONValue(credited),
         "already_credited": JSONValue(alreadyCredited), "points": .int(points), "seconds": .double(seconds)]
    }
}
