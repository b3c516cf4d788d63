import Testing
@testable import GalleyCore
@testable import GalleyWebhooks
import GalleyTestSupport

/// Parsing RevenueCat's documented sample events and the subscription fold's rules, no database.
@Suite struct WebhookEventTests {
    @Test func parsesTheDocumentedInitialPurchase() throws {
        let event = try RevenueCatEvent(payload: WebhookSamples.body(WebhookSamples.initialPurchase(id: "e1")))
        #expect(event.id == "e1")
        #expect(event.type == .initialPurchase)
        #expect(event.timestampMs == 1_658_726_378_679)
        #expect(event.productID == "com.subscription.weekly")
        #expect(event.purchasedAtMs == 1_658_726_374_000)
        #expect(event.expirationAtMs == 1_659_331_174_000)
        #expect(event.price == 4.99)
        #expect(event.transactionID == "123456789012345")
        #expect(!event.isSandbox)
        // app_user_id, then original_app_user_id, then aliases.
        #expect(event.customerIDs == ["1234567890", WebhookSamples.anonymousB, WebhookSamples.anonymousA])
    }

    @Test func parsesTransferAndRefund() throws {
        let transfer = try RevenueCatEvent(payload: WebhookSamples.body(WebhookSamples.transfer()))
        #expect(transfer.type == .transfer)
        #expect(transfer.appUserID == nil)
        #expect(transfer.transferredFrom == ["00005A1C-6091-4F81-BE77-F0A83A271AB6"])
        #expect(transfer.transferredTo == ["4BEDB450-8EF2-11E9-B475-0800200C9A66"])
        let refund = try RevenueCatEvent(payload: WebhookSamples.body(WebhookSamples.refund(id: "r", user: "5")))
        #expect(refund.isRefund)
        #expect(refund.price == -9.99)
        let cancellation = try RevenueCatEvent(payload: WebhookSamples.body(WebhookSamples.trialCancellation(id: "c")))
        #expect(!cancellation.isRefund)
    }

    @Test func rejectsBodiesThatAreNotEvents() {
        #expect(throws: WebhookError.invalidPayload) { try RevenueCatEvent(payload: ["api_version": "1.0"]) }
        #expect(throws: WebhookError.missingField) { try RevenueCatEvent(payload: ["event": ["type": "RENEWAL"]]) }
        #expect(throws: WebhookError.missingField) { try RevenueCatEvent(payload: ["event": ["id": "x", "type": "RENEWAL"]]) }
        // The stored row's timestamp stands in when the body has none.
        #expect((try? RevenueCatEvent(payload: ["event": ["id": "x", "type": "RENEWAL"]], fallbackTimestampMs: 5))?.timestampMs == 5)
    }

    @Test func typesKeepUnknownNamesButBoundTheMetricLabel() {
        #expect(RevenueCatEventType("SUBSCRIPTION_EXTENDED") == .subscriptionExtended)
        #expect(RevenueCatEventType("INVOICE_ISSUANCE") == .informational("INVOICE_ISSUANCE"))
        #expect(RevenueCatEventType("SOMETHING_NEW").name == "SOMETHING_NEW")
        #expect(RevenueCatEventType("SOMETHING_NEW").metricLabel == "UNKNOWN")
    }

    func event(_ fields: JSONObject) throws -> RevenueCatEvent { try RevenueCatEvent(payload: WebhookSamples.body(fields)) }

    /// The contract: EXPIRATION ends the subscription when it is the latest event (events
    /// are folded in their order), whatever its `expiration_at_ms`; a later purchase or
    /// renewal starts it again; the known period end never moves backwards.
    @Test func theLatestExpirationEndsItWhateverItsExpiration() throws {
        var state = SubscriptionState(plan: .weekly)
        state.apply(try event(WebhookSamples.initialPurchase(id: "a")))
        state.apply(try event(WebhookSamples.renewal(id: "b")))
        #expect(state.status == "active")
        // Names the earlier period's expiration, yet it is the latest event.
        state.apply(try event(WebhookSamples.expiration(id: "c", purchasedAt: 1_658_726_374_000, expiration: 1_659_331_174_000)))
        #expect(state.status == "expired")
        #expect(!state.willRenew)
        #expect(state.periodEndMs == 1_659_359_932_000)
        state.apply(try event(WebhookSamples.renewal(id: "d")))
        #expect(state.status == "active")
        // A cancellation after an expiration does not revive it either.
        state.apply(try event(WebhookSamples.expiration(id: "e", purchasedAt: 1_658_755_132_000, expiration: 1_659_359_932_000)))
        state.apply(try event(WebhookSamples.lifecycle(
            type: "CANCELLATION", id: "f", appUserID: "1", product: "weekly_001", purchasedAt: 1_658_755_132_000,
            expiration: 1_659_359_932_000, timestamp: 1_698_000_000_000)))
        #expect(state.status == "expired")
        #expect(state.periodEndMs == 1_659_359_932_000)
    }

    @Test func cancellationKeepsThePeriodAndARefundEndsIt() throws {
        var state = SubscriptionState(plan: .weekly)
        state.apply(try event(WebhookSamples.lifecycle(
            type: "INITIAL_PURCHASE", id: "a", appUserID: "5", product: "com.revenuecat.myapp.monthly",
            purchasedAt: 1_601_258_901_000, expiration: 1_603_850_901_000, timestamp: 1_601_258_902_000)))
        var cancellation = WebhookSamples.lifecycle(
            type: "CANCELLATION", id: "b", appUserID: "5", product: "com.revenuecat.myapp.monthly",
            purchasedAt: 1_601_258_901_000, expiration: 1_603_850_901_000, timestamp: 1_601_300_000_000)
        cancellation["cancel_reason"] = "UNSUBSCRIBE"
        state.apply(try event(cancellation))
        #expect(state.status == "cancelled")
        #expect(!state.willRenew)
        #expect(state.periodEndMs == 1_603_850_901_000)
        state.apply(try event(WebhookSamples.refund(id: "c", user: "5")))
        #expect(state.status == "expired")
        #expect(state.periodEndMs == 1_603_850_901_000)  // the refund time does not move the end
    }

    @Test func lifetimeHasNoEnd() throws {
        var state = SubscriptionState(plan: .lifetime)
        state.apply(try event(WebhookSamples.nonRenewingPurchase(id: "a", product: "lifetime_001")))
        #expect(state.isLifetime)
        #expect(state.currentPeriodEndMs == nil)
        #expect(state.status == "active")
    }

    @Test func parkingBackoffGrowsThenRepeats() {
        let configuration = WebhookApplierConfiguration(applySandboxEvents: false)
        #expect((1...7).map { configuration.backoffSeconds(afterAttempt: $0) } == [60, 300, 900, 3600, 21_600, 21_600, 21_600])
    }
}
