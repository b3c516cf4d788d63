import GalleyCore
import GalleyHTTP

/// The gateway's own gauge read when `/metrics` renders: requests in flight. The
/// standard gauges (pools, lease, build, start time) come from the process bootstrap;
/// request counters and latencies live in ``RouteMetrics``.
enum GatewayMetrics {
    static func register(server: HTTPServer, registry: MetricsRegistry = .shared) {
        registry.gauge("galley_http_requests_in_flight", help: "Requests received and not yet answered.") {
            Double(server.inFlight)
        }
    }
}
