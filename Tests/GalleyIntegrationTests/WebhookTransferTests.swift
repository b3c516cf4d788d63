import Foundation
import Testing
@testable import GalleyCore
import GalleyTestSupport

/// TRANSFER moves a subscription between users, whether it arrives before or after the
/// events of the subscription it moves.
@Suite final class WebhookTransferTests {
    let harness: WebhookHarness
    let from: Int64 = 1001
    let to: Int64 = 1002
    let fromAlias = "00005A1C-6091-4F81-BE77-F0A83A271AB6"
    let toAlias = "4BEDB450-8EF2-11E9-B475-0800200C9A66"

    init() throws {
        harness = try WebhookHarness()
        try harness.createUser(from)
        try harness.createUser(to)
    }

    /// The documented purchase for `from`, whose RevenueCat customer also has the sample's transfer id.
    func purchase(id: String) -> JSONObject {
        var event = WebhookSamples.initialPurchase(id: id, user: String(from))
        event["aliases"] = [.string(fromAlias)]
        return event
    }

    /// Something that teaches the `to` alias: a pack bought by `to` with that id aliased.
    func destinationSeen() -> JSONObject {
        var event = WebhookSamples.nonRenewingPurchase(id: "to-pack", user: String(to), transactionID: "to-txn")
        event["aliases"] = [.string(toAlias)]
        return event
    }

    func state() throws -> [String] {
        [
            "from sub: \(try harness.subscription(user: from, product: "com.subscription.weekly")?.status ?? "none")",
            "to sub: \(try harness.subscription(user: to, product: "com.subscription.weekly")?.status ?? "none")",
            "from vip: \(try harness.vip(from).isVIP)", "to vip: \(try harness.vip(to).isVIP)",
            "from points: \(try harness.balance(from))", "to points: \(try harness.balance(to))",
        ]
    }

    static let moved = [
        "from sub: none", "to sub: active", "from vip: false", "to vip: true", "from points: 0", "to points: 2100",
    ]

    @Test func theDocumentedTransferMovesTheSubscription() async throws {
        try await harness.receive(purchase(id: "ip"))
        try await harness.receive(destinationSeen())
        #expect(try harness.vip(from).isVIP)
        let outcome = try await harness.receive(WebhookSamples.transfer())
        #expect(outcome.status == .processed)
        #expect(try state() == Self.moved)
        #expect(try harness.eventRow("ip").userID == to)
        #expect(try harness.eventRow(WebhookSamples.transfer()["id"]?.stringValue ?? "").userID == to)
        #expect(try harness.subscription(user: to, product: "com.subscription.weekly")?.subscriberID == WebhookSamples.anonymousB)
    }

    @Test func aTransferArrivingFirstStillMovesLaterDeliveries() async throws {
        try await harness.receive(destinationSeen())
        try await harness.receive(WebhookSamples.transfer())
        try await harness.receive(purchase(id: "ip"))
        #expect(try state() == Self.moved)
    }

    @Test func eventsAfterTheTransferStayWithTheirUser() async throws {
        let transfer = WebhookSamples.transfer(from: [String(from)], to: [String(to)], timestamp: 1_658_730_000_000)
        try await harness.receive(transfer)
        try await harness.receive(purchase(id: "ip"))  // before the transfer: moves
        var later = WebhookSamples.lifecycle(
            type: "INITIAL_PURCHASE", id: "later", appUserID: String(from), product: "weekly_001",
            purchasedAt: 1_658_740_000_000, expiration: 1_659_340_000_000, timestamp: 1_658_740_000_001)
        later["aliases"] = [.string(fromAlias)]
        try await harness.receive(later)  // after it: stays
        #expect(try harness.subscription(user: to, product: "com.subscription.weekly")?.status == "active")
        #expect(try harness.subscription(user: from, product: "com.subscription.weekly") == nil)
        #expect(try harness.subscription(user: from, product: "weekly_001")?.status == "active")
        #expect(try harness.vip(from).isVIP && harness.vip(to).isVIP)
    }

    @Test func aTransferToAnUnknownCustomerParksItsEventsUntilTheCustomerIsKnown() async throws {
        try await harness.receive(purchase(id: "ip"))
        let outcome = try await harness.receive(WebhookSamples.transfer())
        #expect(outcome.status == .processed)
        #expect(try harness.eventRow("ip").status == "parked")
        #expect(try !harness.vip(from).isVIP)
        try await harness.receive(destinationSeen())
        try await harness.drainParked()
        #expect(try state() == Self.moved)
    }
}
