import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyWebhooks
import GalleyTestSupport

/// Events whose user is not known yet: parked, retried with backoff by the sweep, surfaced
/// after the last attempt, re-driven by `replay`; never dropped.
@Suite final class WebhookParkingTests {
    let harness: WebhookHarness

    init() throws {
        harness = try WebhookHarness(maxParkAttempts: 3)
    }

    @Test func anEventForAUserWhoLogsInLaterIsAppliedAfterTheLogin() async throws {
        let outcome = try await harness.receive(WebhookSamples.initialPurchase(id: "early", user: "555"))
        #expect(outcome.status == .parked)
        var row = try harness.eventRow("early")
        #expect(row.status == "parked" && row.attempts == 1 && row.reason == "user not found")

        // Not due yet: the sweep leaves it.
        #expect(try await harness.sweeper.sweepOnce().total == 0)
        try harness.createUser(555)
        harness.clock.advance(seconds: 61)
        let summary = try await harness.sweeper.sweepOnce()
        #expect(summary[.processed] == 1)
        row = try harness.eventRow("early")
        #expect(row.status == "processed" && row.userID == 555 && row.attempts == 2 && row.reason == nil)
        #expect(try harness.vip(555).isVIP)
    }

    @Test func retriesBackOffThenWaitForOperators() async throws {
        let registry = MetricsRegistry()
        let sweeper = WebhookSweeper(applier: harness.applier, pool: harness.pool, metrics: WebhookMetrics(registry: registry))
        try await harness.receive(WebhookSamples.nonRenewingPurchase(id: "pack", user: "777"))
        harness.clock.advance(seconds: 61)
        #expect(try await sweeper.sweepOnce()[.parked] == 1)  // attempt 2; next in 5 minutes
        harness.clock.advance(seconds: 120)
        #expect(try await sweeper.sweepOnce().total == 0)
        harness.clock.advance(seconds: 181)
        #expect(try await sweeper.sweepOnce()[.parked] == 1)  // attempt 3: the last
        let row = try harness.eventRow("pack")
        #expect(row.status == "parked" && row.attempts == 3 && row.reason == "user not found after 3 attempts")
        harness.clock.advance(seconds: 86_400 * 30)
        #expect(try await sweeper.sweepOnce().total == 0)
        try await sweeper.refreshWaiting()
        #expect(registry.render().contains("galley_webhook_events_waiting{status=\"gave_up\"} 1"))
        #expect(registry.render().contains("galley_webhook_events_total{type=\"NON_RENEWING_PURCHASE\",outcome=\"parked\"} 2"))

        // The user appears; an operator re-drives what is parked.
        try harness.createUser(777)
        let summary = try await sweeper.replayParked()
        #expect(summary[.processed] == 1)
        #expect(summary.description.hasPrefix("replayed 1 events: processed 1"))
        #expect(try harness.balance(777) == 2100)
        try await sweeper.refreshWaiting()
        #expect(registry.render().contains("galley_webhook_events_waiting{status=\"gave_up\"} 0"))
    }

    @Test func anonymousThenIdentifiedThroughAliases() async throws {
        try harness.createUser(888)
        let anonymous = "$RCAnonymousID:0f1e2d3c4b5a69788796a5b4c3d2e1f0"
        // Bought before logging in: only the anonymous id, not ours.
        var purchase = WebhookSamples.initialPurchase(id: "anonymous-purchase", user: anonymous)
        purchase["original_app_user_id"] = .string(anonymous)
        purchase["aliases"] = [.string(anonymous)]
        #expect(try await harness.receive(purchase).status == .parked)
        // After login RevenueCat aliases the two ids; the renewal names both.
        var renewal = WebhookSamples.renewal(id: "renewal", user: "888")
        renewal["original_app_user_id"] = .string(anonymous)
        renewal["aliases"] = [.string(anonymous), "888"]
        #expect(try await harness.receive(renewal).status == .processed)

        try await harness.drainParked()
        let row = try harness.eventRow("anonymous-purchase")
        #expect(row.status == "processed" && row.userID == 888)
        let sub = try #require(try harness.subscription(user: 888, product: "com.subscription.weekly"))
        #expect(sub.periodEnd == Date(timeIntervalSince1970: 1_659_359_932))
        #expect(sub.subscriberID == anonymous)
    }

    @Test func replayOfOneEvent() async throws {
        try await harness.receive(WebhookSamples.initialPurchase(id: "one", user: "999"))
        #expect(try await harness.sweeper.replay(eventID: "one").status == .parked)
        #expect(try harness.eventRow("one").attempts == 2)
        try harness.createUser(999)
        #expect(try await harness.sweeper.replay(eventID: "one").status == .processed)
        #expect(try await harness.sweeper.replay(eventID: "one").status == .alreadyDone)
        #expect(try await harness.sweeper.replay(eventID: "none").status == .notFound)
    }
}
