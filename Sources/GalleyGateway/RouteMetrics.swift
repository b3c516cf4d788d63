import Synchronization
import GalleyCore
import GalleyPostgres
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks

/// A route's request counter per status and its latency histogram, created once so the
/// hot path is a dictionary read and an atomic add, not a registry lookup.
final class RouteMetrics: Sendable {
    static let requestsName = "galley_http_requests_total"
    static let durationName = "galley_http_request_duration_seconds"

    let route: String
    let method: String
    private let registry: MetricsRegistry
    private let histogram: Histogram
    /// 200s, the common case, without taking a lock; other statuses are made on first use.
    private let ok: Counter
    private let counters = Mutex<[Int: Counter]>([:])

    init(route: String, method: String, registry: MetricsRegistry = .shared) {
        self.route = route
        self.method = method
        self.registry = registry
        histogram = registry.histogram(
            RouteMetrics.durationName, help: "HTTP request latency by route template and method.",
            labels: [("route", route), ("method", method)])
        ok = registry.counter(
            RouteMetrics.requestsName, help: "HTTP requests answered, by route template, method and status.",
            labels: [("route", route), ("method", method), ("status", "200")])
    }

    func record(status: Int, seconds: Double) {
        histogram.observe(seconds)
        counter(status).increment()
    }

    private func counter(_ status: Int) -> Counter {
        if status == 200 { return ok }
        if let counter = counters.withLock({ $0[status] }) { return counter }
        let counter = registry.counter(
            RouteMetrics.requestsName, help: "HTTP requests answered, by route template, method and status.",
            labels: [("route", route), ("method", method), ("status", String(status))])
        counters.withLock { $0[status] = counter }
        return counter
    }
}
