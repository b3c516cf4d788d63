import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRuntime
@testable import GalleyLedger
@testable import GalleyWebhooks
import GalleyTestSupport

/// RevenueCat as the original applied it (FACTS.md, "RevenueCat webhook"), plus the
/// contract's order rule: unlisted products by name, sandbox applied and recorded, events
/// without `event_timestamp_ms` ordered (not failed), the latest EXPIRATION ends VIP.
@Suite final class WebhookFallbackTests {
    let harness: WebhookHarness
    let user: Int64 = 5_000_000_001
    static let now: Int64 = 1_780_000_000_000
    static let day: Int64 = 86_400_000

    init() throws {
        harness = try WebhookHarness(now: Date(timeIntervalSince1970: TimeInterval(Self.now) / 1000))
        try harness.createUser(user)
    }

    func event(_ type: String, _ id: String, product: String, purchased: Int64, expires: Int64?, at timestamp: Int64?,
               environment: String = "PRODUCTION", transaction: String = "txn-1") -> JSONObject {
        var event = WebhookSamples.lifecycle(
            type: type, id: id, appUserID: String(user), originalAppUserID: String(user), aliases: [String(user)], product: product,
            purchasedAt: purchased, expiration: expires, timestamp: timestamp ?? 0, transactionID: transaction, environment: environment)
        if timestamp == nil { event["event_timestamp_ms"] = nil }
        return event
    }

    @Test func unlistedProductsFallBackToTheirNameLifeBeforeWeek() throws {
        #expect(BusinessConfig.planByName("com.x.life_vip") == .lifetime)
        #expect(BusinessConfig.planByName("something_week") == .weekly)
        #expect(BusinessConfig.planByName("Weekly_LIFETIME_Bundle") == .lifetime, "life is tested first, case-insensitive")
        #expect(BusinessConfig.planByName("WEEKLY_PASS") == .weekly)
        #expect(BusinessConfig.planByName("mystery_box") == nil)
        let config = WebhookSamples.config
        #expect(config.productKind("weekly_001") == .subscription(.weekly))
        #expect(config.productKind("points_1000") == .pointsPack(1000))
        #expect(config.productKind("com.x.life_vip") == .subscription(.lifetime))
        #expect(config.productKind("mystery_box") == nil)
    }

    @Test func anUnlistedLifeProductGrantsLifetimeVIP() async throws {
        // FACTS: golden device C bought `com.x.life_vip` as a NON_RENEWING_PURCHASE: lifetime, no expiry.
        let outcome = try await harness.receive(event(
            "NON_RENEWING_PURCHASE", "life", product: "com.x.life_vip", purchased: Self.now - Self.day, expires: nil,
            at: Self.now - Self.day + 100))
        #expect(outcome.status == .processed)
        let vip = try harness.vip(user)
        #expect(vip.isVIP && vip.type == "lifetime" && vip.expires == nil)
        #expect(try harness.subscription(user: user, product: "com.x.life_vip")?.planType == "lifetime")
    }

    @Test func anUnlistedWeekProductGrantsWeeklyVIP() async throws {
        let expires = Self.now + 6 * Self.day
        try await harness.receive(event(
            "INITIAL_PURCHASE", "week", product: "something_week", purchased: Self.now - Self.day, expires: expires,
            at: Self.now - Self.day + 100))
        let vip = try harness.vip(user)
        #expect(vip.isVIP && vip.type == "weekly")
        #expect(vip.expires.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } == expires)
        let mystery = try await harness.receive(event(
            "INITIAL_PURCHASE", "box", product: "mystery_box", purchased: Self.now, expires: expires, at: Self.now))
        #expect(mystery.status == .ignored)
    }

    @Test func aPackTheOriginalCreditedIsNotCreditedAgain() async throws {
        // The original's ledger row for a pack: no reference, the transaction in order_no
        // (golden dump, user B). A new event id for that transaction after the switch
        // must credit nothing, as the original answered such an event.
        let user = self.user
        try await harness.pool.withConnection { connection in
            _ = try connection.query(
                """
                INSERT INTO point_transactions (id, user_id, type, amount, balance_after, order_no, created_at)
                VALUES (1, $1, 'purchase', 1000, 1000, 'txn-original', now())
                """, [user])
            _ = try connection.query("UPDATE user_points SET balance = 1000 WHERE user_id = $1", [user])
        }
        var pack = event("NON_RENEWING_PURCHASE", "after-switch", product: "points_1000", purchased: Self.now - 1000, expires: nil,
                         at: Self.now, transaction: "txn-original")
        pack["price"] = 9.99
        #expect(try await harness.receive(pack).status == .processed)
        #expect(try harness.balance(user) == 1000)
        let purchases = try await harness.pool.withConnection { connection in
            try connection.query("SELECT count(*) FROM point_transactions WHERE type = 'purchase' AND order_no = 'txn-original'")
                .first?.decode(Int.self, at: 0)
        }
        #expect(purchases == 1)
        // Its refund still takes the pack back once.
        var refund = event("CANCELLATION", "after-switch-refund", product: "points_1000", purchased: Self.now - 1000, expires: nil,
                           at: Self.now + 1000, transaction: "txn-original")
        refund["cancel_reason"] = "CUSTOMER_SUPPORT"
        refund["price"] = -9.99
        _ = try await harness.receive(refund)
        #expect(try harness.balance(user) == 0)
    }

    @Test func sandboxIsAppliedAndRecordedOnTheOrderAndLedger() async throws {
        var pack = event("NON_RENEWING_PURCHASE", "sandbox-pack", product: "points_1000", purchased: Self.now - 1000, expires: nil,
                         at: Self.now, environment: "SANDBOX", transaction: "sandbox-txn")
        pack["price"] = 9.99
        #expect(try await harness.receive(pack).status == .processed)
        #expect(try harness.balance(user) == 1000)
        let rows = try await harness.pool.withConnection { connection in
            (try connection.query("SELECT environment FROM orders WHERE order_no = 'sandbox-txn'").first?.decode(String?.self, at: 0),
             try connection.query("SELECT environment FROM point_transactions WHERE order_no = 'sandbox-txn'").first?.decode(String?.self, at: 0))
        }
        #expect(rows.0 == "SANDBOX" && rows.1 == "SANDBOX")
        try await harness.receive(event(
            "INITIAL_PURCHASE", "sandbox-sub", product: "weekly_001", purchased: Self.now - 1000, expires: Self.now + Self.day,
            at: Self.now - 900, environment: "SANDBOX"))
        #expect(try harness.vip(user).isVIP)
    }

    @Test func anEventWithoutEventTimestampIsOrderedNotFailed() async throws {
        // The RENEWAL lacks event_timestamp_ms: it is ordered by its purchased_at_ms, after
        // the EXPIRATION of the first period, so it starts the subscription again.
        let first = Self.now - 8 * Self.day
        try await harness.receive(event("INITIAL_PURCHASE", "a", product: "weekly_001", purchased: first, expires: first + 7 * Self.day,
                                         at: first + 10))
        let renewal = try await harness.receive(event(
            "RENEWAL", "c", product: "weekly_001", purchased: first + 7 * Self.day + 5000, expires: first + 14 * Self.day, at: nil))
        #expect(renewal.status == .processed)
        try await harness.receive(event("EXPIRATION", "b", product: "weekly_001", purchased: first, expires: first + 7 * Self.day,
                                         at: first + 7 * Self.day + 1000))
        #expect(try harness.subscription(user: user, product: "weekly_001")?.status == "active")
        #expect(try harness.vip(user).isVIP)
        // Neither event_timestamp_ms nor purchased_at_ms: ordered by the time it was received.
        var bare = event("CANCELLATION", "d", product: "weekly_001", purchased: 0, expires: first + 14 * Self.day, at: nil)
        bare["purchased_at_ms"] = nil
        #expect(try await harness.receive(bare).status == .processed)
        #expect(try harness.eventRow("d").status == "processed")
        #expect(try harness.subscription(user: user, product: "weekly_001")?.status == "cancelled")
    }

    @Test func theLatestExpirationEndsVIPWhateverItsExpiration() async throws {
        // Delivered first, happened last; its expiration_at_ms names the first period only.
        let first = Self.now - 3 * Self.day
        try await harness.receive(event("EXPIRATION", "z", product: "weekly_001", purchased: first, expires: first + Self.day,
                                         at: Self.now - 1000))
        try await harness.receive(event("RENEWAL", "y", product: "weekly_001", purchased: first + Self.day, expires: Self.now + 5 * Self.day,
                                         at: first + Self.day + 10))
        try await harness.receive(event("INITIAL_PURCHASE", "x", product: "weekly_001", purchased: first, expires: first + Self.day,
                                         at: first + 10))
        #expect(try harness.subscription(user: user, product: "weekly_001")?.status == "expired")
        #expect(try !harness.vip(user).isVIP)
    }
}
