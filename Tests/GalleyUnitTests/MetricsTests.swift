import Testing
@testable import GalleyCore
import GalleyTestSupport

@Suite struct MetricsTests {
    @Test func rendersCountersGaugesAndHistograms() {
        let registry = MetricsRegistry()
        let ok = registry.counter("galley_http_requests_total", help: "Requests.", labels: [("route", "/health"), ("status", "200")])
        ok.increment(by: 3)
        #expect(registry.counter("galley_http_requests_total", help: "Requests.", labels: [("route", "/health"), ("status", "200")]) === ok)
        registry.counter("galley_http_requests_total", help: "Requests.", labels: [("route", "/x\"y"), ("status", "500")]).increment()
        registry.gauge("galley_emoji_tasks_in_flight", help: "In flight.").set(7)
        registry.gauge("galley_outbox_pending", help: "Outbox rows.") { 42 }
        let latency = registry.histogram("galley_http_request_duration_seconds", help: "Latency.", buckets: [0.1, 1])
        latency.observe(0.05)
        latency.observe(0.5)
        latency.observe(5)

        let text = registry.render()
        #expect(text.contains("# TYPE galley_http_requests_total counter\n"))
        #expect(text.contains("galley_http_requests_total{route=\"/health\",status=\"200\"} 3\n"))
        #expect(text.contains("galley_http_requests_total{route=\"/x\\\"y\",status=\"500\"} 1\n"))
        #expect(text.contains("galley_emoji_tasks_in_flight 7\n"))
        #expect(text.contains("galley_outbox_pending 42\n"))
        #expect(text.contains("galley_http_request_duration_seconds_bucket{le=\"0.1\"} 1\n"))
        #expect(text.contains("galley_http_request_duration_seconds_bucket{le=\"1\"} 2\n"))
        #expect(text.contains("galley_http_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"))
        #expect(text.contains("galley_http_request_duration_seconds_count 3\n"))
        #expect(text.contains("galley_http_request_duration_seconds_sum 5.55\n"))
    }

    @Test func gaugeAddsConcurrently() async {
        let gauge = Gauge()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 { group.addTask { for _ in 0..<100 { gauge.increment() } } }
        }
        #expect(gauge.value == 10_000)
    }
}
