import Foundation
import Testing
import GalleyCore
import GalleyLedger
import GalleyPayments
import GalleyTestSupport

/// WeChat Pay notifications applied to a real PostgreSQL the way the WebhookWorker applies
/// them: credited once per transaction whatever the number and order of deliveries, a
/// mismatch flagged with nothing credited, a refund taking back what is left (never below zero).
@Suite final class WeChatPayApplierTests: Sendable {
    let harness: WeChatPayHarness

    init() throws { harness = try WeChatPayHarness() }

    @Test func paidOnceWhateverTheDeliveries() async throws {
        let user = try harness.createUser()
        let (orderNo, outTradeNo) = try harness.createOrder(user: user)
        let paid = WeChatPayHarness.transaction(outTradeNo, transactionID: "4200000001")
        try harness.store(id: "n-pay", eventType: "TRANSACTION.SUCCESS", resource: paid)
        try harness.store(id: "n-pay", eventType: "TRANSACTION.SUCCESS", resource: paid)  // a redelivery: same id
        // WeChat Pay may also notify again under a new id; the query path applies the same transaction.
        try harness.store(id: "n-pay-again", eventType: "TRANSACTION.SUCCESS", resource: paid)
        let outcomes = try await withThrowingTaskGroup(of: WeChatPayOutcome.self) { group in
            for id in ["n-pay", "n-pay", "n-pay-again", "n-pay", "n-pay-again"] {
                group.addTask { try await self.harness.deliver(id) }
            }
            group.addTask { try await self.harness.applier.applyTransaction(paid, pool: self.harness.pool) }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0.status == .alreadyDone }.count == 3)
        #expect(try harness.balance(user) == 1000)
        #expect(try harness.ledger(user) == ["purchase 1000 wechatpay:pay:\(outTradeNo)"])
        let order = try harness.order(orderNo)
        #expect(order.status == "paid" && order.state == "paid" && order.flag == nil)
        #expect(try harness.ledgerViolations().isEmpty)
    }

    @Test(arguments: [(599, "CNY"), (600, "USD"), (60_000, "CNY")])
    func amountOrCurrencyMismatchFlagsAndCreditsNothing(total: Int, currency: String) async throws {
        let user = try harness.createUser()
        let (orderNo, outTradeNo) = try harness.createOrder(user: user)
        try harness.store(id: "n-bad", eventType: "TRANSACTION.SUCCESS",
                          resource: WeChatPayHarness.transaction(outTradeNo, transactionID: "4200000002", total: total, currency: currency))
        let outcome = try await harness.deliver("n-bad")
        #expect(outcome.status == .flagged)
        #expect(try harness.balance(user) == 0)
        #expect(try harness.ledger(user).isEmpty)
        let order = try harness.order(orderNo)
        #expect(order.state == "flagged" && order.status == "failed")
        #expect(order.flag?.contains("order is 600 CNY") == true)
        #expect(try await harness.deliver("n-bad").status == .alreadyDone)
        // A later notification of the right amount does not un-flag it: an operator decides.
        try harness.store(id: "n-good", eventType: "TRANSACTION.SUCCESS",
                          resource: WeChatPayHarness.transaction(outTradeNo, transactionID: "4200000002"))
        #expect(try await harness.deliver("n-good").status == .flagged)
        #expect(try harness.balance(user) == 0)
    }

    @Test func anotherMerchantsPaymentIsFlagged() async throws {
        let user = try harness.createUser()
        let (orderNo, outTradeNo) = try harness.createOrder(user: user)
        try harness.store(id: "n-other", eventType: "TRANSACTION.SUCCESS",
                          resource: WeChatPayHarness.transaction(outTradeNo, transactionID: "4200000003", mchID: "1999999999"))
        #expect(try await harness.deliver("n-other").status == .flagged)
        #expect(try harness.balance(user) == 0)
        #expect(try harness.order(orderNo).state == "flagged")
    }

    @Test func refundBeforePaymentEndsRefundedWithNothingLeft() async throws {
        let user = try harness.createUser()
        let (orderNo, outTradeNo) = try harness.createOrder(user: user)
        try harness.store(id: "n-refund", eventType: "REFUND.SUCCESS", resource: WeChatPayHarness.refund(outTradeNo))
        try harness.store(id: "n-pay", eventType: "TRANSACTION.SUCCESS",
                          resource: WeChatPayHarness.transaction(outTradeNo, transactionID: "4200000004"))
        #expect(try await harness.deliver("n-refund").status == .processed)
        #expect(try harness.balance(user) == 0)
        #expect(try harness.order(orderNo).status == "pending")
        #expect(try await harness.deliver("n-pay").status == .processed)
        #expect(try await harness.deliver("n-refund").status == .alreadyDone)
        #expect(try harness.balance(user) == 0)
        #expect(try harness.ledger(user) == ["purchase 1000 wechatpay:pay:\(outTradeNo)", "refund -1000 wechatpay:refund:\(outTradeNo)"])
        let order = try harness.order(orderNo)
        #expect(order.status == "refunded" && order.state == "refunded")
    }

    @Test func refundTakesBackWhatIsLeftNeverBelowZero() async throws {
        let user = try harness.createUser()
        let (orderNo, outTradeNo) = try harness.createOrder(user: user)
        try harness.store(id: "n-pay", eventType: "TRANSACTION.SUCCESS",
                          resource: WeChatPayHarness.transaction(outTradeNo, transactionID: "4200000005"))
        try await harness.deliver("n-pay")
        // The user spends 800 of the 1000 before the refund.
        let ledger = Ledger(nextID: { [harness] in harness.ids.next() })
        _ = try await harness.pool.withTransaction { db in
            try ledger.apply(LedgerEntry(userID: user, amount: -800, kind: .consume, taskType: "emoji"), on: db)
        }
        try harness.store(id: "n-refund", eventType: "REFUND.SUCCESS", resource: WeChatPayHarness.refund(outTradeNo))
        for _ in 0..<3 { try await harness.deliver("n-refund") }
        #expect(try harness.balance(user) == 0)
        #expect(try harness.ledger(user).last == "refund -200 wechatpay:refund:\(outTradeNo)")
        #expect(try harness.order(orderNo).status == "refunded")
        #expect(try harness.ledgerViolations().isEmpty)
    }

    @Test func partialRefundIsFlaggedAndTakesNothing() async throws {
        let user = try harness.createUser()
        let (orderNo, outTradeNo) = try harness.createOrder(user: user)
        try harness.store(id: "n-pay", eventType: "TRANSACTION.SUCCESS",
                          resource: WeChatPayHarness.transaction(outTradeNo, transactionID: "4200000006"))
        try await harness.deliver("n-pay")
        try harness.store(id: "n-part", eventType: "REFUND.SUCCESS", resource: WeChatPayHarness.refund(outTradeNo, refund: 100))
        #expect(try await harness.deliver("n-part").status == .flagged)
        #expect(try harness.balance(user) == 1000)
        let order = try harness.order(orderNo)
        #expect(order.status == "paid" && order.flag?.contains("partial") == true)
    }

    @Test func unknownOrdersAndOtherEventsChangeNothing() async throws {
        let user = try harness.createUser()
        let (_, outTradeNo) = try harness.createOrder(user: user)
        try harness.store(id: "n-unknown", eventType: "TRANSACTION.SUCCESS",
                          resource: WeChatPayHarness.transaction("G404", transactionID: "4200000007"))
        #expect(try await harness.deliver("n-unknown").status == .ignored)
        try harness.store(id: "n-abnormal", eventType: "REFUND.ABNORMAL", resource: ["out_trade_no": .string(outTradeNo), "refund_status": "ABNORMAL"])
        #expect(try await harness.deliver("n-abnormal").status == .ignored)
        #expect(try await harness.deliver("n-never-stored").status == .notFound)
        #expect(try harness.balance(user) == 0)
    }

    /// 40 orders, each paid and refunded, every notification delivered 1–3 times, all
    /// shuffled and applied 8 at a time: every order ends refunded with a zero balance.
    @Test func shuffledConcurrentDeliveriesSettleEveryOrderOnce() async throws {
        var deliveries: [String] = []
        var expected: [(user: Int64, orderNo: String, refunded: Bool)] = []
        for index in 0..<40 {
            let user = try harness.createUser()
            let (orderNo, outTradeNo) = try harness.createOrder(user: user)
            try harness.store(id: "pay-\(index)", eventType: "TRANSACTION.SUCCESS",
                              resource: WeChatPayHarness.transaction(outTradeNo, transactionID: "42\(index)"))
            deliveries += Array(repeating: "pay-\(index)", count: Int.random(in: 1...3))
            let refunded = index % 2 == 0
            if refunded {
                try harness.store(id: "refund-\(index)", eventType: "REFUND.SUCCESS", resource: WeChatPayHarness.refund(outTradeNo))
                deliveries += Array(repeating: "refund-\(index)", count: Int.random(in: 1...3))
            }
            expected.append((user, orderNo, refunded))
        }
        deliveries.shuffle()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, id) in deliveries.enumerated() {
                if index >= 8 { try await group.next() }
                group.addTask { _ = try await self.harness.deliver(id) }
            }
            try await group.waitForAll()
        }
        for item in expected {
            #expect(try harness.balance(item.user) == (item.refunded ? 0 : 1000))
            #expect(try harness.ledger(item.user).count == (item.refunded ? 2 : 1))
            #expect(try harness.order(item.orderNo).status == (item.refunded ? "refunded" : "paid"))
        }
        #expect(try harness.ledgerViolations().isEmpty)
    }
}
