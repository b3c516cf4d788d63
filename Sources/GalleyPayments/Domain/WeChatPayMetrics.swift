public import GalleyCore

/// WeChat Pay's metrics: `galley_wechatpay_notifications_total{event_type,outcome}` per
/// applied notification or query answer, `galley_wechatpay_sweep_total{action}` for the
/// missed-notification sweep, and `galley_wechatpay_orders_flagged` (orders waiting for
/// an operator: amount or currency mismatch, partial refund).
public struct WeChatPayMetrics: Sendable {
    private let registry: MetricsRegistry
    private let flagged: Gauge

    public init(registry: MetricsRegistry = .shared) {
        self.registry = registry
        flagged = registry.gauge(
            "galley_wechatpay_orders_flagged", help: "WeChat Pay orders flagged for operators (mismatched amount or currency, partial refund).")
    }

    public func record(_ outcome: WeChatPayOutcome) {
        switch outcome.status {
        case .alreadyDone, .notFound: return
        default: break
        }
        registry.counter(
            "galley_wechatpay_notifications_total", help: "WeChat Pay notifications and query answers applied, by event type and outcome.",
            labels: [("event_type", outcome.eventType.isEmpty ? "UNKNOWN" : outcome.eventType), ("outcome", outcome.status.rawValue)]
        ).increment()
    }

    /// `queried`, `paid`, `closed`, `refund_queried`, `failed`.
    public func sweep(_ action: String) {
        registry.counter("galley_wechatpay_sweep_total", help: "What the WeChat Pay sweep did, by action.", labels: [("action", action)])
            .increment()
    }

    public func setFlagged(_ count: Int) { flagged.set(Double(count)) }
}
