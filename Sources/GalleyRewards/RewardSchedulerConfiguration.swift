import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime

/// How `RewardWorker schedule` paces itself. Defaults suit one run a week of at most a
/// few minutes.
public struct RewardSchedulerConfiguration: Sendable {
    /// The per-week lock is `<prefix><week>` (`galley:reward:schedule:2026-W47`).
    public var keyPrefix: String = "galley:reward:schedule:"
    /// How long a replica may hold the week's lock while running. Runs that overlap after
    /// it lapses are still safe (the database decides); they only waste work.
    public var lockMilliseconds: Int = 6 * 3_600_000
    /// How long a finished week stays marked done, so replicas waking late skip it.
    public var doneMilliseconds: Int = 8 * 86_400_000
    /// The wait before trying a failed week again (it is retried until the week ends).
    public var retryDelaySeconds: Double = 300
    /// Also run the current week at start (a replica that was down at Monday 00:00 UTC
    /// catches up); a week already done is skipped, and a repeat pays nobody twice.
    public var catchUpOnStart: Bool = true

    public init() {}
}
