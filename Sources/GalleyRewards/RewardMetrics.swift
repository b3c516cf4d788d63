public import GalleyCore
import GalleyPostgres
import GalleyRedis

/// The reward worker's Prometheus series (names from docs/architecture.md), created once
/// so that `/metrics` shows them at zero before the first run.
public struct RewardMetrics: Sendable {
    /// Runs by outcome: `succeeded`, `failed`, or `skipped` (another replica had the week).
    public let runsSucceeded: Counter
    public let runsFailed: Counter
    public let runsSkipped: Counter
    public let usersCredited: Counter
    public let pointsPaid: Counter

    public init(registry: MetricsRegistry = .shared) {
        let runsHelp = "Reward runs started by this process, by outcome."
        runsSucceeded = registry.counter("galley_reward_runs_total", help: runsHelp, labels: [("outcome", "succeeded")])
        runsFailed = registry.counter("galley_reward_runs_total", help: runsHelp, labels: [("outcome", "failed")])
        runsSkipped = registry.counter("galley_reward_runs_total", help: runsHelp, labels: [("outcome", "skipped")])
        usersCredited = registry.counter("galley_reward_users_credited_total", help: "Users credited the weekly VIP reward.")
        pointsPaid = registry.counter("galley_reward_points_paid_total", help: "Points paid as weekly VIP rewards.")
    }

    /// Counts a finished run (dry runs pay nothing and only count as a run).
    public func succeeded(_ summary: RewardRunSummary) {
        runsSucceeded.increment()
        guard !summary.dryRun else { return }
        usersCredited.increment(by: UInt64(max(0, summary.credited)))
        pointsPaid.increment(by: UInt64(max(0, summary.points)))
    }
}
