import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyLedger
import GalleyTestSupport

/// Each RevenueCat event type's effect, from the documented sample events, applied to a
/// real PostgreSQL the way the worker applies them (one transaction per event).
@Suite final class WebhookApplierTests {
    let harness: WebhookHarness
    let user = WebhookSamples.sampleUser

    init() throws {
        harness = try WebhookHarness()
        try harness.createUser(user)
    }

    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }

    @Test func initialPurchaseGrantsVIPOnce() async throws {
        let outcome = try await harness.receive(WebhookSamples.initialPurchase(id: "ip"))
        #expect(outcome.status == .processed)
        #expect(outcome.eventType == "INITIAL_PURCHASE")
        let sub = try #require(try harness.subscription(user: user, product: "com.subscription.weekly"))
        #expect(sub.status == "active")
        #expect(sub.willRenew)
        #expect(sub.planType == "weekly")
        #expect(sub.periodStart == Self.date(1_658_726_374_000))
        #expect(sub.periodEnd == Self.date(1_659_331_174_000))
        #expect(sub.subscriberID == WebhookSamples.anonymousB)  // original_app_user_id, as the original stored it
        let vip = try harness.vip(user)
        #expect(vip.isVIP && vip.type == "weekly" && vip.expires == Self.date(1_659_331_174_000))

        // A second delivery of the same event does nothing.
        #expect(try await harness.deliver("ip").status == .alreadyDone)
        let row = try harness.eventRow("ip")
        #expect(row.status == "processed" && row.attempts == 1 && row.userID == user)
    }

    @Test func renewalExtendsWhicheverArrivesFirst() async throws {
        try await harness.receive(WebhookSamples.renewal(id: "renewal"))
        try await harness.receive(WebhookSamples.initialPurchase(id: "ip"))  // late: must not move the end back
        let sub = try #require(try harness.subscription(user: user, product: "com.subscription.weekly"))
        #expect(sub.periodEnd == Self.date(1_659_359_932_000))
        #expect(sub.periodStart == Self.date(1_658_755_132_000))
        #expect(try harness.vip(user).expires == Self.date(1_659_359_932_000))
    }

    @Test func cancellationKeepsVIPUntilExpiry() async throws {
        try await harness.receive(WebhookSamples.initialPurchase(id: "ip"))
        try await harness.receive(WebhookSamples.trialCancellation(id: "cancel"))
        let sub = try #require(try harness.subscription(user: user, product: "com.subscription.weekly"))
        #expect(sub.status == "cancelled")
        #expect(!sub.willRenew)
        #expect(sub.cancelledAt == Self.date(1_658_726_482_659))
        #expect(sub.periodEnd == Self.date(1_659_331_174_000))
        #expect(try harness.vip(user).isVIP)
    }

    @Test func uncancellationWinsByTimestampNotArrival() async throws {
        harness.clock.set(Self.date(1_664_000_000_000))
        try await harness.receive(WebhookSamples.uncancellation(id: "uncancel"))
        try await harness.receive(WebhookSamples.monthlyCancellation(id: "cancel"))  // older, arrives later
        let sub = try #require(try harness.subscription(user: user, product: "com.subscription.monthly"))
        #expect(sub.status == "active")
        #expect(sub.willRenew)
        #expect(sub.cancelledAt == nil)
        #expect(try harness.vip(user).isVIP)
    }

    @Test func pausedKeepsVIPUntilExpiration() async throws {
        harness.clock.set(Self.date(1_652_800_000_000))
        try await harness.receive(WebhookSamples.subscriptionPaused(id: "paused"))
        var sub = try #require(try harness.subscription(user: user, product: "premium"))
        #expect(sub.status == "cancelled" && !sub.willRenew)
        #expect(try harness.vip(user).isVIP)
        var expiration = WebhookSamples.expiration(
            id: "expired", purchasedAt: 1_652_681_048_845, expiration: 1_655_366_648_845, timestamp: 1_655_366_700_000)
        expiration["product_id"] = "premium"
        expiration["expiration_reason"] = "SUBSCRIPTION_PAUSED"
        try await harness.receive(expiration)
        sub = try #require(try harness.subscription(user: user, product: "premium"))
        #expect(sub.status == "expired")
        let vip = try harness.vip(user)
        #expect(!vip.isVIP && vip.type == nil && vip.expires == nil)
    }

    @Test func billingIssueCancellationAndExpirationInAnyOrder() async throws {
        harness.clock.set(Self.date(1_601_300_000_000))
        let id = String(user)
        try await harness.receive(WebhookSamples.billingIssue(id: "billing", user: id))
        let sub = try #require(try harness.subscription(user: user, product: "com.revenuecat.myapp.monthly"))
        #expect(sub.status == "cancelled" && !sub.willRenew)
        #expect(try harness.vip(user).isVIP)  // grace: still paid for

        // RevenueCat sends EXPIRATION and CANCELLATION(BILLING_ERROR) at the same moment; EXPIRATION arrives first.
        var expiration = WebhookSamples.expiration(
            id: "expired", user: id, purchasedAt: 1_598_640_647_000, expiration: 1_601_319_047_000, timestamp: 1_601_337_601_013)
        expiration["product_id"] = "com.revenuecat.myapp.monthly"
        expiration["expiration_reason"] = "BILLING_ERROR"
        try await harness.receive(expiration)
        var cancellation = WebhookSamples.billingIssue(id: "cancel", user: id)
        cancellation["type"] = "CANCELLATION"
        cancellation["cancel_reason"] = "BILLING_ERROR"
        try await harness.receive(cancellation)
        #expect(try harness.subscription(user: user, product: "com.revenuecat.myapp.monthly")?.status == "expired")
        #expect(try !harness.vip(user).isVIP)
    }

    @Test func expirationEndsOnlyWhenNoLaterPeriodIsKnown() async throws {
        harness.clock.set(Self.date(1_697_000_000_000))
        try await harness.receive(WebhookSamples.subscriptionExtended(id: "extended"))
        // A RENEWAL for a later period arrived before the EXPIRATION of the earlier one.
        try await harness.receive(WebhookSamples.lifecycle(
            type: "RENEWAL", id: "renewal", appUserID: String(user), product: "com.subscription.weekly",
            purchasedAt: 1_697_451_423_000, expiration: 1_698_056_223_000, timestamp: 1_697_451_430_000))
        try await harness.receive(WebhookSamples.expiration(id: "expired"))
        var sub = try #require(try harness.subscription(user: user, product: "com.subscription.weekly"))
        #expect(sub.status == "active")
        #expect(sub.periodEnd == Self.date(1_698_056_223_000))

        // The EXPIRATION of the latest period ends it; a replayed older event does not revive it.
        try await harness.receive(WebhookSamples.expiration(
            id: "expired-2", purchasedAt: 1_697_451_423_000, expiration: 1_698_056_223_000, timestamp: 1_698_056_300_000))
        try await harness.receive(WebhookSamples.lifecycle(
            type: "RENEWAL", id: "stale", appUserID: String(user), product: "com.subscription.weekly",
            purchasedAt: 1_696_846_623_000, expiration: 1_697_451_423_000, timestamp: 1_696_846_700_000))
        sub = try #require(try harness.subscription(user: user, product: "com.subscription.weekly"))
        #expect(sub.status == "expired")
        #expect(sub.periodEnd == Self.date(1_698_056_223_000))
        #expect(try !harness.vip(user).isVIP)
    }

    @Test func productChangeAndExtensionExtend() async throws {
        harness.clock.set(Self.date(1_601_305_000_000))
        try await harness.receive(WebhookSamples.productChange(id: "change", user: String(user)))
        let sub = try #require(try harness.subscription(user: user, product: "com.revenuecat.myapp.monthly"))
        #expect(sub.status == "active")
        #expect(sub.periodEnd == Self.date(1_601_311_606_660))

        harness.clock.set(Self.date(1_697_000_000_000))
        try await harness.receive(WebhookSamples.lifecycle(
            type: "INITIAL_PURCHASE", id: "ip", appUserID: String(user), product: "com.subscription.weekly",
            purchasedAt: 1_696_846_623_000, expiration: 1_697_100_000_000, timestamp: 1_696_846_630_000))
        try await harness.receive(WebhookSamples.subscriptionExtended(id: "extended"))
        #expect(try harness.subscription(user: user, product: "com.subscription.weekly")?.periodEnd == Self.date(1_697_451_423_000))
        #expect(try harness.vip(user).expires == Self.date(1_697_451_423_000))
    }

    @Test func temporaryEntitlementGrant() async throws {
        try harness.createUser(41_234_567_890)
        // The documented sample carries no product: nothing to grant, recorded with the reason.
        let bare = try await harness.receive(WebhookSamples.temporaryEntitlementGrant(id: "teg"))
        #expect(bare.status == .ignored && bare.reason == "event has no product_id")
        #expect(try harness.eventRow("teg").reason == "event has no product_id")

        // With the fields the docs guarantee, it grants until its expiration; an EXPIRATION
        // with the same transaction (validation failed) ends it.
        harness.clock.set(Self.date(1_744_824_900_000))
        var grant = WebhookSamples.temporaryEntitlementGrant(id: "teg-2")
        grant["product_id"] = "weekly_001"
        grant["purchased_at_ms"] = 1_744_824_815_000
        grant["expiration_at_ms"] = 1_744_911_215_000
        grant["transaction_id"] = "teg-txn"
        #expect(try await harness.receive(grant).status == .processed)
        #expect(try harness.vip(41_234_567_890).isVIP)
        var failed = WebhookSamples.expiration(
            id: "teg-expired", user: "41234567890", purchasedAt: 1_744_824_815_000, expiration: 1_744_911_215_000,
            timestamp: 1_744_825_000_000)
        failed["product_id"] = "weekly_001"
        try await harness.receive(failed)
        #expect(try !harness.vip(41_234_567_890).isVIP)
    }

    @Test func subscriptionRefundEndsVIPAndReversalRestoresIt() async throws {
        harness.clock.set(Self.date(1_601_300_000_000))
        let id = String(user)
        try await harness.receive(WebhookSamples.lifecycle(
            type: "INITIAL_PURCHASE", id: "ip", appUserID: id, product: "com.revenuecat.myapp.monthly",
            purchasedAt: 1_601_258_901_000, expiration: 1_603_850_901_000, timestamp: 1_601_258_902_000,
            transactionID: "100000000000000"))
        #expect(try harness.vip(user).isVIP)
        try await harness.receive(WebhookSamples.refund(id: "refund", user: id))
        #expect(try harness.subscription(user: user, product: "com.revenuecat.myapp.monthly")?.status == "expired")
        #expect(try !harness.vip(user).isVIP)
        var reversed = WebhookSamples.refundReversed(
            id: "reversed", user: id, product: "com.revenuecat.myapp.monthly", transactionID: "100000000000000",
            timestamp: 1_601_400_000_000)
        reversed["purchased_at_ms"] = 1_601_258_901_000
        reversed["expiration_at_ms"] = 1_603_850_901_000
        try await harness.receive(reversed)
        #expect(try harness.vip(user).isVIP)
    }

    @Test func pointsPackCreditsOncePerTransaction() async throws {
        let outcome = try await harness.receive(WebhookSamples.nonRenewingPurchase(id: "nrp"))
        #expect(outcome.status == .processed)
        #expect(try harness.balance(user) == 2100)
        #expect(try harness.ledger(user) == ["purchase 2100 purchase:txn:123456789012345"])
        let order = try #require(try harness.order("123456789012345"))
        #expect(order.status == "paid" && order.amount == "25.49" && order.currency == "CAD" && order.userID == user)

        // The same event again, and another event id for the same transaction: no second credit.
        #expect(try await harness.deliver("nrp").status == .alreadyDone)
        #expect(try await harness.receive(WebhookSamples.nonRenewingPurchase(id: "nrp-again")).status == .processed)
        #expect(try harness.balance(user) == 2100)
        #expect(try harness.ledgerViolations().isEmpty)
    }

    @Test func packRefundTakesBackWhatIsLeftOnceAndReversalGivesItBack() async throws {
        let id = String(user)
        try await harness.receive(WebhookSamples.nonRenewingPurchase(id: "nrp", product: "points_1000", transactionID: "T1"))
        // The user spends 700 of it.
        let ledger = Ledger(nextID: { [ids = harness.ids] in ids.next() })
        _ = try await harness.pool.withTransaction { [user] connection in
            try ledger.apply(LedgerEntry(userID: user, amount: -700, kind: .consume, taskType: "emoji"), on: connection)
        }
        try await harness.receive(WebhookSamples.refund(id: "refund", user: id, product: "points_1000", transactionID: "T1",
                                                        purchasedAt: 1_658_726_519_000, timestamp: 1_658_800_000_000))
        #expect(try harness.balance(user) == 0)  // 300 left of the pack taken back, never below zero
        var order = try #require(try harness.order("T1"))
        #expect(order.status == "refunded" && order.refundedAt == Self.date(1_658_800_000_000))
        // Another refund event for the same transaction takes nothing more.
        try await harness.receive(WebhookSamples.refund(id: "refund-again", user: id, product: "points_1000", transactionID: "T1",
                                                        purchasedAt: 1_658_726_519_000, timestamp: 1_658_800_000_001))
        #expect(try harness.ledger(user).sorted() == [
            "consume -700 -", "purchase 1000 purchase:txn:T1", "refund -300 packrefund:txn:T1",
        ])

        try await harness.receive(WebhookSamples.refundReversed(id: "reversed", user: id, product: "points_1000", transactionID: "T1"))
        #expect(try harness.balance(user) == 300)
        order = try #require(try harness.order("T1"))
        #expect(order.status == "paid" && order.refundedAt == nil)
        #expect(try await harness.deliver("reversed").status == .alreadyDone)
        #expect(try harness.balance(user) == 300)
        #expect(try harness.ledgerViolations().isEmpty)
    }

    @Test func packRefundBeforeItsPurchase() async throws {
        let id = String(user)
        try await harness.receive(WebhookSamples.refund(id: "refund", user: id, product: "points_1000", transactionID: "T2",
                                                        purchasedAt: 1_658_726_519_000, timestamp: 1_658_800_000_000))
        #expect(try harness.balance(user) == 0)
        #expect(try harness.order("T2")?.status == "refunded")
        try await harness.receive(WebhookSamples.nonRenewingPurchase(id: "nrp", product: "points_1000", transactionID: "T2"))
        #expect(try harness.balance(user) == 0)
        #expect(try harness.ledger(user).sorted() == ["purchase 1000 purchase:txn:T2", "refund -1000 packrefund:txn:T2"])
        let order = try #require(try harness.order("T2"))
        #expect(order.status == "refunded" && order.amount == "25.49")
    }

    @Test func testEventsAndUnknownTypesAreRecordedWithoutEffect() async throws {
        #expect(try await harness.receive(WebhookSamples.test(id: "test")).status == .processed)
        let invoice = try await harness.receive(WebhookSamples.invoiceIssuance(id: "invoice"))
        #expect(invoice.status == .ignored && invoice.reason == "event type has no effect in Galley")
        var unknown = WebhookSamples.initialPurchase(id: "new")
        unknown["type"] = "SOMETHING_NEW"
        let outcome = try await harness.receive(unknown)
        #expect(outcome.status == .ignored && outcome.reason == "unknown event type" && outcome.eventType == "UNKNOWN")
        var stranger = WebhookSamples.initialPurchase(id: "stranger")
        stranger["product_id"] = "not_in_the_catalogue"
        #expect(try await harness.receive(stranger).status == .ignored)
        #expect(try harness.eventRow("stranger").reason == "product is in neither vip_products nor points_packs and its name says neither life nor week")
        #expect(try harness.subscription(user: user, product: "com.subscription.weekly") == nil)
        #expect(try harness.balance(user) == 0)
        #expect(try !harness.vip(user).isVIP)
    }

    @Test func aBrokenPayloadFails() async throws {
        try await harness.pool.withConnection { connection in
            try connection.execute(
                """
                INSERT INTO revenuecat_events (id, event_id, event_type, payload, created_at, status)
                VALUES (1, 'broken', 'RENEWAL', '{"api_version": "1.0"}'::json, now(), 'received')
                """)
        }
        let outcome = try await harness.deliver("broken")
        #expect(outcome.status == .failed)
        #expect(try harness.eventRow("broken").status == "failed")
        #expect(try await harness.deliver("no-such-event").status == .notFound)
    }
}

/// `WEBHOOK_APPLY_SANDBOX`: sandbox events are recorded but only applied where configured.
@Suite final class WebhookSandboxTests {
    @Test(arguments: [false, true]) func sandboxGating(apply: Bool) async throws {
        let harness = try WebhookHarness(applySandbox: apply)
        try harness.createUser(WebhookSamples.sampleUser)
        var event = WebhookSamples.initialPurchase(id: "sandbox")
        event["environment"] = "SANDBOX"
        let outcome = try await harness.receive(event)
        #expect(outcome.status == (apply ? .processed : .ignored))
        #expect(try harness.vip(WebhookSamples.sampleUser).isVIP == apply)
        if !apply {
            #expect(try harness.eventRow("sandbox").reason == "sandbox event; this deployment does not apply them")
        }
    }
}
