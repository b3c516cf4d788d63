import GalleyCore
import GalleyHTTP
import Synchronization

/// The gateway's own gauge read when `/metrics` renders: requests in flight. The
/// standard gauges (pools, lease, build, start time) come from the process bootstrap;
/// request counters and latencies live in ``RouteMetrics``.
enum GatewayMetrics {
    static func register(server: HTTPServer, createBatcher: CreateBatcher? = nil, registry: MetricsRegistry = .shared) {
        registry.gauge("galley_http_requests_in_flight", help: "Requests received and not yet answered.") {
            Double(server.inFlight)
        }
        guard let createBatcher else { return }
        // Their ratio is the mean group-commit size.
        registry.gauge("galley_create_batch_statements", help: "Group-commit statements run for creates.") {
            Double(createBatcher.statements.load(ordering: .relaxed))
        }
        registry.gauge("galley_create_batch_creates", help: "Creates those statements carried.") {
            Double(createBatcher.creates.load(ordering: .relaxed))
        }
    }
}
