import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyHTTP
@testable import GalleyRuntime
@testable import GalleyRewards
import GalleyTestSupport

@Suite struct WorkerStatusResponderTests {
    @Test func healthAndMetrics() {
        let registry = MetricsRegistry()
        let metrics = RewardMetrics(registry: registry)
        metrics.runsSkipped.increment()
        let responder = WorkerStatusResponder(registry: registry)
        #expect(responder.answersInline(method: "GET", path: "/metrics"))
        let health = responder.respond(to: HTTPRequest(method: "GET", path: "/health"))
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self) == #"{"status":"ok"}"#)
        let scrape = responder.respond(to: HTTPRequest(method: "GET", path: "/metrics"))
        #expect(scrape.status == 200)
        #expect(scrape.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = String(decoding: scrape.body, as: UTF8.self)
        #expect(text.contains("galley_reward_runs_total{outcome=\"skipped\"} 1"))
        #expect(text.contains("galley_reward_runs_total{outcome=\"succeeded\"} 0"))
        #expect(text.contains("galley_reward_users_credited_total 0"))
        #expect(text.contains("galley_reward_points_paid_total 0"))
        #expect(responder.respond(to: HTTPRequest(method: "GET", path: "/nope")).status == 404)
        #expect(responder.respond(to: HTTPRequest(method: "POST", path: "/metrics")).status == 405)
    }

    @Test func readyTurnsUnavailableWhileStopping() {
        let stopping = StoppingFlag()
        let responder = WorkerStatusResponder(registry: MetricsRegistry(), isStopping: { stopping.value })
        #expect(responder.respond(to: HTTPRequest(method: "GET", path: "/ready")).status == 200)
        stopping.set()
        #expect(responder.respond(to: HTTPRequest(method: "GET", path: "/ready")).status == 503)
        #expect(responder.respond(to: HTTPRequest(method: "GET", path: "/health")).status == 200)
    }
}

private final class StoppingFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var value: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
