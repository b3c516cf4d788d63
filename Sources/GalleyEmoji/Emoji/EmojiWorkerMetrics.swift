public import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime

/// The emoji worker's metrics (names from docs/architecture.md), created once and kept,
/// so the hot path is an atomic add.
public final class EmojiWorkerMetrics: Sendable {
    /// Why tasks fail, as the `reason` label: a fixed, small set.
    public enum FailureReason: String, Sendable, CaseIterable {
        case providerFailed = "provider_failed"
        case providerUnknown = "provider_unknown"
        case providerCanceled = "provider_canceled"
        case timeout
        case rejected
        case retriesExhausted = "retries_exhausted"
        case invalidTask = "invalid_task"
        case invalidResponse = "invalid_response"
        case deadLetter = "dead_letter"
    }

    public let started: Counter
    public let completed: Counter
    public let inFlight: Gauge
    public let pollSeconds: Histogram
    public let submits: Counter
    /// Tasks put back because their user had their share at the provider.
    public let deferred: Counter
    private let failed: [FailureReason: Counter]

    public init(registry: MetricsRegistry = .shared) {
        started = registry.counter("galley_emoji_tasks_started_total", help: "Emoji tasks a worker started working on.")
        completed = registry.counter("galley_emoji_tasks_completed_total", help: "Emoji tasks completed.")
        var failed: [FailureReason: Counter] = [:]
        for reason in FailureReason.allCases {
            failed[reason] = registry.counter("galley_emoji_tasks_failed_total", help: "Emoji tasks failed (and refunded), by reason.",
                                              labels: [("reason", reason.rawValue)])
        }
        self.failed = failed
        inFlight = registry.gauge("galley_emoji_tasks_in_flight", help: "Emoji tasks this process is working on.")
        pollSeconds = registry.histogram("galley_emoji_provider_poll_seconds", help: "Duration of one DashScope task query.")
        submits = registry.counter("galley_emoji_provider_submits_total", help: "Generations submitted to DashScope.")
        deferred = registry.counter("galley_emoji_tasks_deferred_total", help: "Emoji tasks put back: their user's share was in use.")
    }

    public func failed(_ reason: FailureReason) {
        failed[reason]?.increment()
    }

    public func failedCount(_ reason: FailureReason) -> UInt64 { failed[reason]?.value ?? 0 }
}
