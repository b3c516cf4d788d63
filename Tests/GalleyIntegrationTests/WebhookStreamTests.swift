import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRedis
@testable import GalleyRuntime
@testable import GalleyWebhooks
import GalleyTestSupport

/// End to end with the real Redis: entries `{"event_id"}` as the gateway writes them, the
/// shared consumer and the webhook handler, until the rows are processed.
/// Serialized: its tests time stream claims and retries, which a parallel neighbour in the same suite
/// can starve on a 2-core machine.
@Suite(.serialized) final class WebhookStreamTests {
    let harness: WebhookHarness
    let redis = RedisPool(
        configuration: .testStack(),
        size: 6, logger: Logger(label: "test"))
    let stream = TestEnvironment.uniqueName("webhook_events")

    init() throws {
        harness = try WebhookHarness()
        try harness.createUser(WebhookSamples.sampleUser)
    }

    deinit {
        let keys = [stream, stream + ":dead"]
        _ = try? redis.withConnection { try $0.del(keys) }
        redis.shutdown()
    }

    func waitUntil(timeout: Duration = .seconds(90), _ condition: () throws -> Bool) async -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if (try? condition()) == true { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (try? condition()) == true
    }

    @Test func consumesStoredEventsAndDeadLettersBrokenEntries() async throws {
        let stored = [
            try harness.store(WebhookSamples.initialPurchase(id: "ip")),
            try harness.store(WebhookSamples.renewal(id: "renewal")),
            try harness.store(WebhookSamples.nonRenewingPurchase(id: "pack")),
        ]
        let stream = self.stream
        try await redis.withConnection { connection in
            for id in stored + ["pack"] { _ = try connection.xadd(stream, maxLength: nil, fields: [("event_id", id)]) }
            _ = try connection.xadd(stream, maxLength: nil, fields: [("something", "else")])
            _ = try connection.xadd(stream, maxLength: nil, fields: [("event_id", "never-stored")])
        }

        let registry = MetricsRegistry()
        let handler = WebhookStreamHandler(applier: harness.applier, pool: harness.pool, metrics: WebhookMetrics(registry: registry))
        var configuration = StreamConsumerConfiguration(stream: stream, group: "webhook_worker", consumer: "test")
        configuration.concurrency = 4
        configuration.readBlock = .milliseconds(100)
        configuration.claimMinIdle = .milliseconds(300)
        configuration.claimInterval = .milliseconds(100)
        configuration.heartbeatInterval = .milliseconds(100)
        configuration.maxDeliveries = 2
        configuration.shutdownDeadline = .seconds(2)
        let consumer = StreamConsumer(configuration: configuration, redis: redis, handler: handler, logger: Logger(label: "test"))
        let running = Task { try await consumer.run() }

        #expect(await waitUntil { try stored.allSatisfy { try harness.eventRow($0).status == "processed" } })
        #expect(await waitUntil {
            try redis.withConnection { try $0.xlen(stream + ":dead") } == 2
        })
        consumer.shutdown()
        try await running.value

        #expect(try harness.vip(WebhookSamples.sampleUser).isVIP)
        #expect(try harness.balance(WebhookSamples.sampleUser) == 2100)
        #expect(try stored.allSatisfy { try harness.eventRow($0).attempts == 1 })
        let pending = try await redis.withConnection { try $0.xpendingSummary(stream, group: "webhook_worker") }
        #expect(pending.count == 0)
        let text = registry.render()
        #expect(text.contains("galley_webhook_events_total{type=\"INITIAL_PURCHASE\",outcome=\"processed\"} 1"))
        #expect(text.contains("galley_webhook_events_total{type=\"NON_RENEWING_PURCHASE\",outcome=\"processed\"} 1"))
    }

    @Test func aDeadLetteredEntryMarksItsEventFailed() async throws {
        let id = try harness.store(WebhookSamples.initialPurchase(id: "stuck", user: "424242"))
        #expect(try await harness.deliver(id).status == .parked)
        let handler = WebhookStreamHandler(applier: harness.applier, pool: harness.pool, metrics: WebhookMetrics(registry: MetricsRegistry()))
        try await handler.settleDeadLetter(StreamEntry(id: "1-0", fields: ["event_id": id]), deliveries: 5, reason: "delivered 5 times")
        let row = try harness.eventRow(id)
        #expect(row.status == "failed" && row.reason == "stream entry dead-lettered: delivered 5 times")
        // A processed event is never turned into a failure.
        let done = try harness.store(WebhookSamples.renewal(id: "done"))
        try await harness.deliver(done)
        try await handler.settleDeadLetter(StreamEntry(id: "2-0", fields: ["event_id": done]), deliveries: 5, reason: "x")
        #expect(try harness.eventRow(done).status == "processed")
        // Failed events are re-driven by replay once the user exists.
        try harness.createUser(424_242)
        #expect(try await harness.sweeper.replayParked()[.processed] == 1)
    }

    @Test func commandLine() throws {
        #expect(try WebhookWorkerCommand(arguments: []) == .run)
        #expect(try WebhookWorkerCommand(arguments: ["replay", "--parked"]) == .replayParked)
        #expect(try WebhookWorkerCommand(arguments: ["replay", "--event", "abc"]) == .replayEvent("abc"))
        #expect(throws: WebhookError.invalidCommand) { try WebhookWorkerCommand(arguments: ["replay"]) }
        #expect(throws: WebhookError.invalidCommand) { try WebhookWorkerCommand(arguments: ["--event", "x"]) }
    }
}
