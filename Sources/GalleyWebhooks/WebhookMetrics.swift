public import GalleyCore
import GalleyPostgres
import GalleyRedis

/// The WebhookWorker's metrics: `galley_webhook_events_total{type,outcome}` per applied
/// event, and gauges of events waiting for operators (parked past their retries, failed).
public struct WebhookMetrics: Sendable {
    private let registry: MetricsRegistry
    private let parked: Gauge
    private let gaveUp: Gauge
    private let failed: Gauge

    public init(registry: MetricsRegistry = .shared) {
        self.registry = registry
        let name = "galley_webhook_events_waiting"
        let help = "Stored webhook events not applied: parked (retrying), gave_up (parked, retries used up), failed."
        parked = registry.gauge(name, help: help, labels: [("status", "parked")])
        gaveUp = registry.gauge(name, help: help, labels: [("status", "gave_up")])
        failed = registry.gauge(name, help: help, labels: [("status", "failed")])
    }

    /// Counts an outcome that changed the row; duplicates and skips are not events applied.
    public func record(_ outcome: WebhookOutcome) {
        let label: String
        switch outcome.status {
        case .processed, .ignored, .parked, .failed: label = outcome.status.rawValue
        case .alreadyDone, .skipped, .notFound: return
        }
        registry.counter(
            "galley_webhook_events_total", help: "RevenueCat events applied by the WebhookWorker, by type and outcome.",
            labels: [("type", outcome.eventType.isEmpty ? "UNKNOWN" : outcome.eventType), ("outcome", label)]
        ).increment()
    }

    public func setWaiting(parked: Int, gaveUp: Int, failed: Int) {
        self.parked.set(Double(parked))
        self.gaveUp.set(Double(gaveUp))
        self.failed.set(Double(failed))
    }
}
