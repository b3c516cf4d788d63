import Foundation
import Testing
@testable import GalleyCore
import GalleyTestSupport

/// Invariant 3: whatever the number and order of deliveries, every event takes effect
/// exactly once. 300 events for 50 users, built from the documented samples, are applied
/// once in order on one database and delivered 1–3 times each, shuffled and partly
/// concurrent, on another; every table the worker writes must end the same.
@Suite final class WebhookOrderTests {
    /// A small deterministic generator, so a failing seed can be replayed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let day: Int64 = 86_400_000
    static let week: Int64 = 7 * day

    /// One customer as RevenueCat sees them at some moment: the ids an event carries.
    struct Customer {
        var appUserID: String
        var original: String
        var aliases: [String]
    }

    /// Builds the events of one scenario, in the order they happened.
    struct Scenario {
        var users: [Int64] = []
        var events: [JSONObject] = []
        var rng: SplitMix64
        let start: Int64
        var counter = 0

        init(seed: UInt64, start: Int64) {
            rng = SplitMix64(state: seed)
            self.start = start
        }

        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        mutating func nextID(_ user: Int64) -> String {
            counter += 1
            return "evt-\(user)-\(counter)"
        }

        mutating func add(_ type: String, _ customer: Customer, user: Int64, product: String, purchased: Int64?, expires: Int64?,
                          at timestamp: Int64, transaction: String, price: Double = 4.99, extra: [(String, JSONValue)] = []) {
            var event = WebhookSamples.lifecycle(
                type: type, id: nextID(user), appUserID: customer.appUserID, originalAppUserID: customer.original,
                aliases: customer.aliases, product: product, purchasedAt: purchased, expiration: expires, timestamp: timestamp,
                transactionID: transaction, price: price)
            for (key, value) in extra { event[key] = value }
            events.append(event)
        }

        /// A weekly subscription's life: purchase, renewals, maybe cancellation, uncancellation,
        /// billing trouble, extension, expiration; part of it maybe under another customer after a TRANSFER.
        mutating func subscription(user: Int64, first: Customer, later: Customer,
                                   transferTo: (user: Int64, customer: Customer, viaAlias: Bool)?) {
            var owner = first
            var ownerID = user
            var periodStart = start + Int64.random(in: 0...(2 * WebhookOrderTests.day), using: &rng)
            let transaction = "sub-\(user)"
            add("INITIAL_PURCHASE", owner, user: ownerID, product: "weekly_001", purchased: periodStart,
                expires: periodStart + WebhookOrderTests.week, at: periodStart + 500, transaction: transaction)
            owner = later
            // A customer who bought anonymously is seen identified at least once (else nothing names the user).
            let renewals = Int.random(in: (first.appUserID == later.appUserID ? 0 : 1)...3, using: &rng)
            for index in 0..<renewals {
                if index == 0, let target = transferTo {
                    let moment = periodStart + WebhookOrderTests.day
                    let from = target.viaAlias ? owner.original : owner.appUserID
                    events.append(WebhookSamples.transfer(id: nextID(user), from: [from], to: [target.customer.appUserID], timestamp: moment))
                    owner = target.customer
                    ownerID = target.user
                }
                periodStart += WebhookOrderTests.week
                add("RENEWAL", owner, user: ownerID, product: "weekly_001", purchased: periodStart,
                    expires: periodStart + WebhookOrderTests.week, at: periodStart + 300, transaction: transaction)
            }
            var end = periodStart + WebhookOrderTests.week
            if chance(0.15) {
                end += 3 * WebhookOrderTests.day
                add(chance(0.5) ? "SUBSCRIPTION_EXTENDED" : "PRODUCT_CHANGE", owner, user: ownerID, product: "weekly_001",
                    purchased: periodStart, expires: end, at: periodStart + WebhookOrderTests.day, transaction: transaction,
                    extra: [("new_product_id", "weekly_001")])
            }
            if chance(0.15) {
                // Billing trouble: BILLING_ISSUE, CANCELLATION(BILLING_ERROR) and EXPIRATION at the same moment.
                let moment = end + 1000
                add("BILLING_ISSUE", owner, user: ownerID, product: "weekly_001", purchased: periodStart, expires: end,
                    at: moment, transaction: transaction)
                add("CANCELLATION", owner, user: ownerID, product: "weekly_001", purchased: periodStart, expires: end,
                    at: moment, transaction: transaction, extra: [("cancel_reason", "BILLING_ERROR")])
                add("EXPIRATION", owner, user: ownerID, product: "weekly_001", purchased: periodStart, expires: end,
                    at: moment, transaction: transaction, extra: [("expiration_reason", "BILLING_ERROR")])
                return
            }
            if chance(0.4) {
                let cancelled = periodStart + 2 * WebhookOrderTests.day
                add("CANCELLATION", owner, user: ownerID, product: "weekly_001", purchased: periodStart, expires: end,
                    at: cancelled, transaction: transaction, extra: [("cancel_reason", "UNSUBSCRIBE")])
                if chance(0.4) {
                    add("UNCANCELLATION", owner, user: ownerID, product: "weekly_001", purchased: periodStart, expires: end,
                        at: cancelled + WebhookOrderTests.day, transaction: transaction)
                } else if chance(0.6) {
                    add("EXPIRATION", owner, user: ownerID, product: "weekly_001", purchased: periodStart, expires: end,
                        at: end + 60_000, transaction: transaction, extra: [("expiration_reason", "UNSUBSCRIBE")])
                }
            }
        }

        /// Points packs: purchase, maybe refunded (CUSTOMER_SUPPORT), maybe the refund reversed.
        mutating func packs(user: Int64, customer: Customer) {
            for (index, product) in ["points_1000", "points_3000"].enumerated() where chance(index == 0 ? 0.6 : 0.3) {
                let transaction = "pack-\(user)-\(index)"
                let bought = start + Int64.random(in: 0...(10 * WebhookOrderTests.day), using: &rng)
                add("NON_RENEWING_PURCHASE", customer, user: user, product: product, purchased: bought, expires: nil,
                    at: bought + 200, transaction: transaction, price: 9.99)
                guard chance(0.35) else { continue }
                add("CANCELLATION", customer, user: user, product: product, purchased: bought, expires: bought + WebhookOrderTests.day,
                    at: bought + WebhookOrderTests.day, transaction: transaction, price: -9.99, extra: [("cancel_reason", "CUSTOMER_SUPPORT")])
                if chance(0.5) {
                    add("REFUND_REVERSED", customer, user: user, product: product, purchased: bought, expires: nil,
                        at: bought + 2 * WebhookOrderTests.day, transaction: transaction, price: 9.99)
                }
            }
        }

        mutating func extras(user: Int64, customer: Customer) {
            if chance(0.1) {
                add("NON_RENEWING_PURCHASE", customer, user: user, product: "lifetime_001", purchased: start + WebhookOrderTests.day,
                    expires: nil, at: start + WebhookOrderTests.day + 100, transaction: "life-\(user)", price: 49.99)
            }
            if chance(0.1) {
                add("INITIAL_PURCHASE", customer, user: user, product: "weekly_001", purchased: start, expires: start + WebhookOrderTests.week,
                    at: start + 50, transaction: "sandbox-\(user)", extra: [("environment", "SANDBOX")])
            }
            if chance(0.08) { events.append(WebhookSamples.test(id: nextID(user))) }
            if chance(0.08) {
                add("SOMETHING_NEW", customer, user: user, product: "weekly_001", purchased: start, expires: nil,
                    at: start + 70, transaction: "new-\(user)")
            }
        }

        static func customer(_ user: Int64, anonymous: Bool) -> (first: Customer, later: Customer) {
            let anon = "$RCAnonymousID:\(String(user, radix: 16))c0ffee"
            let identified = Customer(appUserID: String(user), original: anon, aliases: [anon, String(user)])
            return (anonymous ? Customer(appUserID: anon, original: anon, aliases: [anon]) : identified, identified)
        }

        /// 50 users, exactly `total` events.
        static func generate(seed: UInt64, start: Int64, users count: Int = 50, total: Int = 300) -> Scenario {
            var scenario = Scenario(seed: seed, start: start)
            scenario.users = (0..<count).map { 3_000_000 + Int64($0) }
            for (index, user) in scenario.users.enumerated() {
                let anonymousFirst = scenario.chance(0.2)
                let ids = customer(user, anonymous: anonymousFirst)
                var transfer: (user: Int64, customer: Customer, viaAlias: Bool)? = nil
                if index % 10 == 0, index + 1 < count {
                    let target = scenario.users[index + 1]
                    transfer = (target, customer(target, anonymous: false).later, index % 20 == 0)
                }
                // An anonymous customer buys first; later events carry the identified ids.
                scenario.subscription(user: user, first: ids.first, later: ids.later, transferTo: transfer)
                scenario.packs(user: user, customer: ids.later)
                scenario.extras(user: user, customer: ids.later)
            }
            // Exactly `total`: pad with more pack purchases, or drop events at random (any set must converge).
            var padding = 0
            while scenario.events.count < total {
                let user = scenario.users[padding % count]
                padding += 1
                let bought = start + Int64(padding) * 1000
                scenario.add("NON_RENEWING_PURCHASE", customer(user, anonymous: false).later, user: user, product: "points_1000",
                             purchased: bought, expires: nil, at: bought + 1, transaction: "pad-\(padding)")
            }
            while scenario.events.count > total {
                scenario.events.remove(at: Int.random(in: 0..<scenario.events.count, using: &scenario.rng))
            }
            return scenario
        }
    }

    @Test func shuffledRepeatedDeliveriesEndLikeOneOrderedPass() async throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        let start = Int64(now.timeIntervalSince1970 * 1000) - 20 * Self.day
        var scenario = Scenario.generate(seed: seed, start: start)
        let events = scenario.events
        #expect(events.count == 300)
        let ids = events.compactMap { $0["id"]?.stringValue }
        #expect(Set(ids).count == 300, "seed \(seed)")

        // Once each, in the order they happened.
        let ordered = try WebhookHarness(applySandbox: false, now: now)
        for user in scenario.users { try ordered.createUser(user) }
        let chronological = events.enumerated().sorted {
            ($0.element["event_timestamp_ms"]?.int64Value ?? 0, $0.offset) < ($1.element["event_timestamp_ms"]?.int64Value ?? 0, $1.offset)
        }.map(\.element)
        for event in chronological { try await ordered.receive(event) }
        try await ordered.drainParked()

        // 1–3 deliveries each, shuffled, four deliverers at once.
        let shuffled = try WebhookHarness(applySandbox: false, now: now, poolSize: 8)
        for user in scenario.users { try shuffled.createUser(user) }
        var deliveries: [String] = []
        for id in ids { deliveries += Array(repeating: id, count: Int.random(in: 1...3, using: &scenario.rng)) }
        deliveries.shuffle(using: &scenario.rng)
        for event in events.shuffled(using: &scenario.rng) { try shuffled.store(event) }
        let lanes = 4
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                let mine = deliveries.enumerated().filter { $0.offset % lanes == lane }.map(\.element)
                group.addTask {
                    for id in mine { try await shuffled.deliver(id) }
                }
            }
            try await group.waitForAll()
        }
        try await shuffled.drainParked()

        let expected = try ordered.snapshot()
        let actual = try shuffled.snapshot()
        for table in expected.keys.sorted() {
            let want = expected[table] ?? []
            let got = actual[table] ?? []
            #expect(got == want, "seed \(seed): \(table) differs; only in ordered: \(Set(want).subtracting(got).sorted().prefix(5)); only in shuffled: \(Set(got).subtracting(want).sorted().prefix(5))")
        }
        // The scenario exercised what it should, and nothing is left waiting.
        let statuses = expected["revenuecat_events"] ?? []
        #expect(statuses.filter { $0.contains(",received,") || $0.contains(",parked,") || $0.contains(",failed,") }.isEmpty, "seed \(seed)")
        #expect(!(expected["revenuecat_transfers"] ?? []).isEmpty)
        #expect((expected["users"] ?? []).contains { $0.contains(",t,") }, "some users are VIP")
        #expect((expected["orders"] ?? []).contains { $0.contains(",refunded,") } || (expected["orders"] ?? []).count < 5)
        #expect(try ordered.ledgerViolations().isEmpty)
        #expect(try shuffled.ledgerViolations().isEmpty)
    }
}
