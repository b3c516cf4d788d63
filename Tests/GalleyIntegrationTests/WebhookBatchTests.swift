import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyLedger
@testable import GalleyWebhooks
import GalleyTestSupport

/// Issue 16 item 4: the worker applies the events in flight as one batch (one
/// transaction, set-based statements). Each event keeps its own outcome, a repeat in the
/// batch applies once, one customer's events apply in stream order, and a batch that
/// fails leaves each event to run alone, so only the failing one meets its error.
@Suite final class WebhookBatchTests {
    static let day: Int64 = 86_400_000

    static func outcome(_ result: Result<WebhookOutcome, any Error>) -> WebhookOutcome.Status? {
        (try? result.get())?.status
    }

    @Test func mixedBatchKeepsEachEventsOutcome() async throws {
        let harness = try WebhookHarness()
        let subscriber: Int64 = 8_100_001
        let buyer: Int64 = 8_100_002
        try harness.createUser(subscriber)
        try harness.createUser(buyer)
        let purchase = try harness.store(WebhookSamples.initialPurchase(id: "b-ip", user: String(subscriber)))
        let pack = try harness.store(WebhookSamples.nonRenewingPurchase(id: "b-pack", user: String(buyer), transactionID: "b-txn"))
        let stranger = try harness.store(WebhookSamples.lifecycle(
            type: "INITIAL_PURCHASE", id: "b-stranger", appUserID: "8100999", originalAppUserID: nil, aliases: [],
            product: "com.subscription.weekly", purchasedAt: 1_658_726_374_000, expiration: 1_659_331_174_000,
            timestamp: 1_658_726_378_679))
        var untyped = WebhookSamples.renewal(id: "b-untyped", user: String(subscriber))
        untyped["type"] = nil
        let broken = try harness.store(untyped)
        let informational = try harness.store(WebhookSamples.invoiceIssuance(id: "b-billing", user: String(subscriber)))
        let transfer = try harness.store(WebhookSamples.transfer(id: "b-transfer", from: ["8100777"], to: [String(buyer)]))
        let test = try harness.store(WebhookSamples.test(id: "b-test"))
        // A pack the buyer already has (another event of its transaction was applied), and a second new pack.
        try await harness.receive(WebhookSamples.nonRenewingPurchase(id: "b-pre", user: String(buyer), transactionID: "b-old"))
        let knownPack = try harness.store(WebhookSamples.nonRenewingPurchase(id: "b-again", user: String(buyer), transactionID: "b-old"))
        let secondPack = try harness.store(WebhookSamples.nonRenewingPurchase(
            id: "b-pack2", user: String(buyer), product: "points_1000", transactionID: "b-txn2"))

        let batch = [purchase, pack, stranger, broken, purchase, informational, transfer, "b-missing", test, pack, knownPack, secondPack]
        let results = await harness.deliverBatch(batch)
        #expect(results.map(Self.outcome) == [
            .processed, .processed, .parked, .failed, .alreadyDone, .ignored, .processed, .notFound, .processed, .alreadyDone,
            .processed, .processed,
        ])

        #expect(try harness.eventRow("b-ip").status == "processed")
        #expect(try harness.eventRow("b-ip").attempts == 1, "a repeat in the batch applies once")
        #expect(try harness.subscription(user: subscriber, product: "com.subscription.weekly")?.status == "active")
        #expect(try harness.vip(subscriber).isVIP)
        #expect(try harness.balance(buyer) == 2100 + 2100 + 1000)
        #expect(try harness.ledger(buyer).sorted() == [
            "purchase 1000 purchase:txn:b-txn2", "purchase 2100 purchase:txn:b-old", "purchase 2100 purchase:txn:b-txn",
        ])
        let running = try await harness.pool.withConnection { connection in
            try connection.query("SELECT balance_after FROM point_transactions WHERE user_id = $1 ORDER BY balance_after", [buyer])
                .map { try $0.decode(Int.self, at: 0) }
        }
        #expect(running == [2100, 4200, 5200], "each credit's balance_after adds the batch's earlier ones")
        #expect(try harness.order("b-txn")?.status == "paid")
        #expect(try harness.order("b-txn")?.amount == harness.order("b-old")?.amount, "as the one-event path writes it")
        #expect(try harness.order("b-txn2")?.userID == buyer)
        let parked = try harness.eventRow("b-stranger")
        #expect(parked.status == "parked" && parked.reason == "user not found" && parked.userID == nil)
        #expect(try harness.eventRow("b-untyped").status == "failed")
        #expect(try harness.eventRow("b-billing").status == "ignored")
        #expect(try harness.eventRow("b-transfer").status == "processed")
        #expect(try harness.eventRow("b-test").status == "processed")
        #expect(try harness.ledgerViolations().isEmpty)

        // Delivered again, as a batch or alone: nothing moves.
        let again = await harness.deliverBatch([pack, purchase, test])
        #expect(again.map(Self.outcome) == [.alreadyDone, .alreadyDone, .alreadyDone])
        #expect(try harness.balance(buyer) == 5200)
    }

    /// The second event names the customer only by the anonymous id the first one taught:
    /// it resolves only if the batch applies them in stream order.
    @Test func oneCustomersEventsApplyInStreamOrder() async throws {
        let harness = try WebhookHarness()
        let user: Int64 = 8_200_001
        try harness.createUser(user)
        let anonymous = "$RCAnonymousID:batch-order"
        let first = WebhookSamples.lifecycle(
            type: "INITIAL_PURCHASE", id: "o-1", appUserID: String(user), originalAppUserID: anonymous, aliases: [anonymous],
            product: "com.subscription.weekly", purchasedAt: 1_658_726_374_000, expiration: 1_659_331_174_000,
            timestamp: 1_658_726_378_679)
        let second = WebhookSamples.lifecycle(
            type: "RENEWAL", id: "o-2", appUserID: anonymous, originalAppUserID: anonymous, aliases: [anonymous],
            product: "com.subscription.weekly", purchasedAt: 1_659_331_174_000, expiration: 1_659_935_974_000,
            timestamp: 1_659_331_178_000)
        // A pack bought and refunded in the same batch, by the same anonymous customer.
        var packPurchase = WebhookSamples.nonRenewingPurchase(id: "o-pack", user: anonymous, transactionID: "o-txn")
        packPurchase["original_app_user_id"] = .string(anonymous)
        packPurchase["aliases"] = [.string(anonymous)]
        let packRefund = WebhookSamples.refund(id: "o-refund", user: anonymous, product: "2100_tokens", transactionID: "o-txn",
                                               purchasedAt: 1_658_726_519_000, timestamp: 1_658_726_600_000)
        let ids = try [first, second, packPurchase, packRefund].map { try harness.store($0) }
        let results = await harness.deliverBatch(ids)
        #expect(results.map(Self.outcome) == [.processed, .processed, .processed, .processed])
        #expect(try harness.eventRow("o-2").userID == user)
        let sub = try #require(try harness.subscription(user: user, product: "com.subscription.weekly"))
        #expect(sub.periodEnd == Date(timeIntervalSince1970: 1_659_935_974))
        #expect(try harness.ledger(user) == ["purchase 2100 purchase:txn:o-txn", "refund -2100 packrefund:txn:o-txn"])
        #expect(try harness.balance(user) == 0)

        // The other order parks the renewal: the alias is not known yet.
        let reversed = try WebhookHarness()
        try reversed.createUser(user)
        for event in [second, first] { try reversed.store(event) }
        #expect(await reversed.deliverBatch(["o-2", "o-1"]).map(Self.outcome) == [.parked, .processed])
    }

    /// A customer id that cannot be bound (it holds a NUL character) fails the batch's
    /// statements: the batch rolls back and each event runs alone, so its mates still take
    /// effect and only that event meets the error.
    @Test func aFailingBatchLeavesEachEventToRunAlone() async throws {
        let harness = try WebhookHarness()
        let users: [Int64] = [8_300_001, 8_300_002]
        for user in users { try harness.createUser(user) }
        let good = try users.map { try harness.store(WebhookSamples.initialPurchase(id: "f-\($0)", user: String($0))) }
        let badEvent = WebhookSamples.lifecycle(
            type: "INITIAL_PURCHASE", id: "f-bad", appUserID: "nul\u{0}id", product: "com.subscription.weekly",
            purchasedAt: 1_658_726_374_000, expiration: 1_659_331_174_000, timestamp: 1_658_726_378_679)
        // Stored with the NUL escaped in the json body, as the gateway's json column keeps it.
        let bad = "f-bad"
        let body = WebhookSamples.body(badEvent)
        let rowID = harness.ids.next()
        try await harness.pool.withConnection { connection in
            try connection.execute(
                """
                INSERT INTO revenuecat_events (id, event_id, event_type, payload, created_at, status, app_user_id, event_timestamp_ms)
                VALUES ($1, $2, 'INITIAL_PURCHASE', $3::json, now(), 'received', 'nul', 1658726378679)
                """, [rowID, bad, body])
        }
        let results = await harness.deliverBatch([good[0], bad, good[1]])
        #expect(Self.outcome(results[0]) == .processed)
        #expect(Self.outcome(results[2]) == .processed)
        #expect(Self.outcome(results[1]) == nil, "the refused event fails alone and stays pending for a retry")
        #expect(try harness.eventRow("f-bad").status == "received")
        for user in users {
            #expect(try harness.eventRow("f-\(user)").status == "processed")
            #expect(try harness.vip(user).isVIP)
        }
    }

    /// The storm of ``WebhookStormTests`` delivered as batches: shuffled, 1–3 deliveries
    /// each, batches of 1–40 with repeats, two batches at once, ends like one ordered pass.
    @Test func batchedStormEndsLikeOneOrderedPass() async throws {
        let seed = ProcessInfo.processInfo.environment["WEBHOOK_STORM_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        let nowDate = Date(timeIntervalSince1970: 1_780_000_000)
        var (storm, rng) = WebhookStormTests.generate(seed: seed, now: Int64(nowDate.timeIntervalSince1970 * 1000))
        // Customers also seen by an anonymous id, so batches remember and use aliases.
        for index in storm.events.indices where Int.random(in: 0..<3, using: &rng) == 0 {
            let user = storm.events[index]["app_user_id"]?.stringValue ?? ""
            storm.events[index]["aliases"] = [.string("$RCAnonymousID:storm-\(user)")]
            if Bool.random(using: &rng) { storm.events[index]["app_user_id"] = .string("$RCAnonymousID:storm-\(user)") }
        }
        let events = storm.events

        let ordered = try WebhookHarness(now: nowDate)
        for user in storm.users { try ordered.createUser(user) }
        for event in events.sorted(by: { WebhookStormTests.orderKey($0) < WebhookStormTests.orderKey($1) }) {
            try await ordered.receive(event)
        }
        try await ordered.drainParked()

        let batched = try WebhookHarness(now: nowDate, poolSize: 8)
        for user in storm.users { try batched.createUser(user) }
        var deliveries: [String] = []
        for event in events {
            deliveries += Array(repeating: event["id"]?.stringValue ?? "", count: Int.random(in: 1...3, using: &rng))
        }
        deliveries.shuffle(using: &rng)
        for event in events.shuffled(using: &rng) { try batched.store(event) }
        var batches: [[String]] = []
        var rest = deliveries[...]
        while !rest.isEmpty {
            let size = Int.random(in: 1...40, using: &rng)
            batches.append(Array(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        let lanes = batches.enumerated()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<2 {
                let mine = lanes.filter { $0.offset % 2 == lane }.map(\.element)
                group.addTask {
                    for batch in mine {
                        for result in await batched.deliverBatch(batch) { _ = try result.get() }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await batched.drainParked()

        let expected = try ordered.snapshot()
        let actual = try batched.snapshot()
        for table in ["users", "subscriptions", "orders", "point_transactions", "user_points", "revenuecat_events", "revenuecat_aliases"] {
            let want = expected[table] ?? []
            let got = actual[table] ?? []
            #expect(got == want, """
                seed \(seed): \(table) differs; only in ordered: \(Set(want).subtracting(got).sorted().prefix(4)); \
                only in batched: \(Set(got).subtracting(want).sorted().prefix(4))
                """)
        }
        #expect(try batched.ledgerViolations().isEmpty, "seed \(seed)")
        #expect((expected["subscriptions"] ?? []).count > 5, "seed \(seed): the storm made subscriptions")
    }
}
