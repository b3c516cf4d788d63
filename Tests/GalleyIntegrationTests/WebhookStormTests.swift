import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRuntime
@testable import GalleyLedger
@testable import GalleyWebhooks
import GalleyTestSupport

/// Issue 17 item 4: a shuffled storm of 20 users × 2–4 events × 1–3 deliveries, with
/// random event types, some events without `event_timestamp_ms`, some SANDBOX, some for
/// unlisted products named `life` / `week`, applied concurrently and out of order, ends
/// with the same tables as one ordered pass of each event once. The seed is printed on
/// failure; `WEBHOOK_STORM_SEED=<n>` replays one.
@Suite final class WebhookStormTests {
    static let day: Int64 = 86_400_000
    static let types = ["INITIAL_PURCHASE", "RENEWAL", "CANCELLATION", "BILLING_ISSUE", "EXPIRATION", "NON_RENEWING_PURCHASE",
                        "PRODUCT_CHANGE"]
    /// Listed weekly and lifetime products, and unlisted ones the name decides.
    static let subscriptionProducts = ["weekly_001", "lifetime_001", "com.x.life_vip", "promo_WEEK_pass", "Weekly_Lifetime_combo"]

    struct Storm {
        var users: [Int64] = []
        var events: [JSONObject] = []
    }

    static func generate(seed: UInt64, now: Int64) -> (Storm, WebhookOrderTests.SplitMix64) {
        var rng = WebhookOrderTests.SplitMix64(state: seed)
        var storm = Storm()
        for index in 0..<20 {
            let user = 7_000_000 + Int64(index)
            storm.users.append(user)
            let product = subscriptionProducts.randomElement(using: &rng) ?? "weekly_001"
            for number in 0..<Int.random(in: 2...4, using: &rng) {
                let type = types.randomElement(using: &rng) ?? "RENEWAL"
                let isPack = type == "NON_RENEWING_PURCHASE" && Bool.random(using: &rng)
                let purchased = now - Int64.random(in: 1...(10 * day), using: &rng)
                let lifetime = product.lowercased().contains("life")
                let expires: Int64? = isPack || (lifetime && type == "NON_RENEWING_PURCHASE")
                    ? nil : purchased + Int64.random(in: 1...(8 * day), using: &rng)
                var event = WebhookSamples.lifecycle(
                    type: type, id: "storm-\(user)-\(number)", appUserID: String(user), originalAppUserID: String(user),
                    aliases: [String(user)], product: isPack ? "points_1000" : product, purchasedAt: purchased, expiration: expires,
                    timestamp: purchased + Int64.random(in: 0...(2 * day), using: &rng),
                    transactionID: isPack ? "storm-pack-\(user)-\(number)" : "storm-sub-\(user)",
                    price: isPack ? 9.99 : 4.99,
                    environment: Int.random(in: 0..<5, using: &rng) == 0 ? "SANDBOX" : "PRODUCTION")
                // Some events lack event_timestamp_ms: ordered by purchased_at_ms instead.
                if Int.random(in: 0..<4, using: &rng) == 0 { event["event_timestamp_ms"] = nil }
                if type == "CANCELLATION" { event["cancel_reason"] = "UNSUBSCRIBE" }
                if type == "EXPIRATION" { event["expiration_reason"] = "UNSUBSCRIBE" }
                storm.events.append(event)
            }
        }
        return (storm, rng)
    }

    /// The contract's order key: `event_timestamp_ms`, else `purchased_at_ms` (all storm events have one).
    static func orderKey(_ event: JSONObject) -> (Int64, String) {
        let key = event["event_timestamp_ms"]?.int64Value ?? event["purchased_at_ms"]?.int64Value ?? 0
        return (key, event["id"]?.stringValue ?? "")
    }

    @Test func shuffledConcurrentStormEndsLikeOneOrderedPass() async throws {
        let seed = ProcessInfo.processInfo.environment["WEBHOOK_STORM_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        let nowDate = Date(timeIntervalSince1970: 1_780_000_000)
        let now = Int64(nowDate.timeIntervalSince1970 * 1000)
        var (storm, rng) = Self.generate(seed: seed, now: now)
        let events = storm.events
        #expect((40...80).contains(events.count), "seed \(seed)")

        // Once each, in the contract's order, one at a time.
        let ordered = try WebhookHarness(now: nowDate)
        for user in storm.users { try ordered.createUser(user) }
        for event in events.sorted(by: { Self.orderKey($0) < Self.orderKey($1) }) { try await ordered.receive(event) }

        // 1–3 deliveries each, stored and delivered in shuffled order, four deliverers at once.
        let shuffled = try WebhookHarness(now: nowDate, poolSize: 8)
        for user in storm.users { try shuffled.createUser(user) }
        var deliveries: [String] = []
        for event in events {
            deliveries += Array(repeating: event["id"]?.stringValue ?? "", count: Int.random(in: 1...3, using: &rng))
        }
        deliveries.shuffle(using: &rng)
        for event in events.shuffled(using: &rng) { try shuffled.store(event) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<4 {
                let mine = deliveries.enumerated().filter { $0.offset % 4 == lane }.map(\.element)
                group.addTask { for id in mine { try await shuffled.deliver(id) } }
            }
            try await group.waitForAll()
        }

        let expected = try ordered.snapshot()
        let actual = try shuffled.snapshot()
        for table in ["users", "subscriptions", "orders", "point_transactions", "user_points", "revenuecat_events"] {
            let want = expected[table] ?? []
            let got = actual[table] ?? []
            #expect(got == want, """
                seed \(seed): \(table) differs; only in ordered: \(Set(want).subtracting(got).sorted().prefix(4)); \
                only in shuffled: \(Set(got).subtracting(want).sorted().prefix(4))
                """)
        }
        #expect(try ordered.ledgerViolations().isEmpty, "seed \(seed)")
        #expect(try shuffled.ledgerViolations().isEmpty, "seed \(seed)")

        // What the ordered pass must mean, checked against the events themselves.
        let statuses = expected["revenuecat_events"] ?? []
        #expect(!statuses.contains { $0.contains(",failed,") || $0.contains(",received,") || $0.contains(",parked,") },
                "seed \(seed): every event is applied, none failed for lacking event_timestamp_ms")
        var latest: [String: JSONObject] = [:]
        for event in events where event["product_id"]?.stringValue != "points_1000" {
            let key = "\(event["app_user_id"]?.stringValue ?? "")|\(event["product_id"]?.stringValue ?? "")"
            if latest[key].map({ Self.orderKey($0) < Self.orderKey(event) }) ?? true { latest[key] = event }
        }
        for (key, event) in latest {
            let parts = key.split(separator: "|").map(String.init)
            let sub = try shuffled.subscription(user: Int64(parts[0]) ?? 0, product: parts[1])
            // Listed products by the list, the others by their name (`life` before `week`).
            let plan = WebhookSamples.config.vipType(forProduct: parts[1]) ?? BusinessConfig.planByName(parts[1])
            #expect(plan != nil && sub?.planType == plan?.rawValue, "seed \(seed): \(key) has no row of its plan")
            if event["type"]?.stringValue == "EXPIRATION" {
                #expect(sub?.status == "expired", "seed \(seed): \(key) ends with EXPIRATION")
                #expect(try !shuffled.vip(Int64(parts[0]) ?? 0).isVIP, "seed \(seed): \(key) still VIP after its latest EXPIRATION")
            }
        }
        let orders = expected["orders"] ?? []
        #expect(orders.allSatisfy { $0.contains("SANDBOX") || $0.contains("PRODUCTION") }, "seed \(seed): orders keep the environment")
    }
}
