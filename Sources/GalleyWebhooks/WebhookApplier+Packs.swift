import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyLedger

extension WebhookApplier {
    /// NON_RENEWING_PURCHASE, refund (CANCELLATION with `cancel_reason` CUSTOMER_SUPPORT)
    /// and REFUND_REVERSED of a points pack, keyed by `transaction_id`. Packs belong to the
    /// user who bought them: a TRANSFER moves subscriptions, not points already credited.
    func applyPackEvent(_ event: RevenueCatEvent, row: EventRow, facts: AppliedFacts, on db: PostgresConnection) throws -> WebhookOutcome {
        switch event.type {
        case .nonRenewingPurchase, .refundReversed:
            break
        case .cancellation where event.isRefund:
            break
        case .cancellation:
            return try finish(row, .ignored, reason: "cancellation of a points pack without a refund", facts: facts, on: db)
        default:
            return try finish(row, .ignored, reason: "event type does not apply to a points pack", facts: facts, on: db)
        }
        guard let transactionID = facts.transactionID else {
            return try finish(row, .ignored, reason: "points pack event without transaction_id", facts: facts, on: db)
        }
        guard let userID = try resolveUser(facts.customerIDs, on: db) else {
            return try park(row, facts: facts, on: db)
        }
        try lockUsers([userID], on: db)
        try rememberAliases(facts.customerIDs, of: userID, on: db)
        var applied = facts
        applied.userID = userID
        applied.kind = "pack"
        let outcome = try finish(row, .processed, facts: applied, on: db)
        try settlePack(transactionID: transactionID, on: db)
        return outcome
    }

    /// Brings one pack's order and ledger in line with the set of its processed events:
    /// the purchase credits the pack once; a refund known together with the purchase takes
    /// back what is left of it once (never below zero); a reversal gives back what the
    /// refund took. Each movement has its own ledger reference, so settling again, or
    /// settling after events arrived in another order, moves nothing twice.
    func settlePack(transactionID: String, on db: PostgresConnection) throws {
        var events: [(event: RevenueCatEvent, userID: Int64?)] = []
        for row in try db.query(
            """
            SELECT payload, user_id, \(Self.orderKeySQL) AS order_key_ms FROM revenuecat_events
            WHERE applied_kind = 'pack' AND status = 'processed' AND transaction_id = $1
            """, [transactionID])
        {
            guard let payload = try row.decode(JSONValue?.self, "payload"),
                let event = try? RevenueCatEvent(payload: payload, fallbackTimestampMs: try row.decode(Int64?.self, "order_key_ms"))
            else { continue }
            events.append((event, try row.decode(Int64?.self, "user_id")))
        }
        events.sort { ($0.event.timestampMs, $0.event.id) < ($1.event.timestampMs, $1.event.id) }
        let purchase = events.first { $0.event.type == .nonRenewingPurchase }
        let refund = events.first { $0.event.isRefund }
        let reversal = events.first { $0.event.type == .refundReversed }
        let order = try PackOrder.load(orderNo: transactionID, on: db)
        guard let owner = purchase?.userID ?? order?.userID ?? refund?.userID ?? reversal?.userID else { return }
        try lockUsers([owner], on: db)

        let productID = purchase?.event.productID ?? order?.productID ?? refund?.event.productID ?? reversal?.event.productID
        let points = productID.flatMap { businessConfig().pointsPack(forProduct: $0) }
        // The original credited packs without a ledger reference: its purchase row names the
        // transaction in `order_no` (and leaves the order's paid_at empty). Such a pack is
        // paid already, whatever event ids RevenueCat sends for it after the switch.
        let creditedByOriginal = try !db.query(
            """
            SELECT 1 FROM point_transactions
            WHERE user_id = $1 AND type = 'purchase' AND order_no = $2 AND ref_key IS NULL LIMIT 1
            """, [owner, transactionID]).rows.isEmpty
        // An order the original marked paid was credited by the original, without a reference.
        // (Galley writes no paid_at before it knows the purchase, so its own orders never pass.)
        let paidBeforeGalley = creditedByOriginal || (purchase == nil && order?.status == "paid" && order?.paidAt != nil)
        let ledger = Ledger(nextID: { ids.next() })
        let stamp = now()
        let purchaseRef = "purchase:txn:\(transactionID)"
        let refundRef = "packrefund:txn:\(transactionID)"
        if let purchase, let points, !creditedByOriginal {
            _ = try ledger.apply(
                LedgerEntry(userID: owner, amount: points, kind: .purchase, orderNo: transactionID, reference: purchaseRef),
                on: db, now: stamp)
            try recordEnvironment(purchase.event.environment, ledgerReference: purchaseRef, on: db)
        }
        if let refund, purchase != nil || paidBeforeGalley, let points {
            _ = try ledger.apply(
                LedgerEntry(userID: owner, amount: -points, kind: .refund, orderNo: transactionID, reference: refundRef, clampToBalance: true),
                on: db, now: stamp)
            try recordEnvironment(refund.event.environment, ledgerReference: refundRef, on: db)
        }
        if let reversal,
            let taken = try db.query("SELECT user_id, amount FROM point_transactions WHERE ref_key = $1", [refundRef]).first,
            try taken.decode(Int.self, "amount") < 0
        {
            _ = try ledger.apply(
                LedgerEntry(
                    userID: try taken.decode(Int64.self, "user_id"), amount: -(try taken.decode(Int.self, "amount")), kind: .purchase,
                    orderNo: transactionID, reference: "packrefundreversal:txn:\(transactionID)"),
                on: db, now: stamp)
            try recordEnvironment(reversal.event.environment, ledgerReference: "packrefundreversal:txn:\(transactionID)", on: db)
        }

        guard purchase != nil || refund != nil || order != nil, let productID else { return }
        let refunded = refund != nil && reversal == nil
        let price = purchase?.event.price ?? refund?.event.price.map { abs($0) }
        try db.execute(
            """
            INSERT INTO orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status,
                payment_channel, transaction_id, created_at, paid_at, updated_at, refunded_at, environment)
            VALUES ($1, $2, $3, 'points_pack', $4, 1, $5::numeric, $6, $7, 'revenuecat', $3, $8, $9, $8, $10, $11)
            ON CONFLICT (order_no) DO UPDATE SET
                user_id = EXCLUDED.user_id, product_id = EXCLUDED.product_id, amount = EXCLUDED.amount,
                currency = EXCLUDED.currency, status = EXCLUDED.status, paid_at = EXCLUDED.paid_at,
                updated_at = EXCLUDED.updated_at, refunded_at = EXCLUDED.refunded_at,
                environment = COALESCE(EXCLUDED.environment, orders.environment)
            """,
            [
                ids.next(), owner, transactionID, String(productID.prefix(64)),
                purchase != nil ? price.map { "\($0)" } ?? "0" : order?.amount ?? price.map { "\($0)" } ?? "0",
                String((purchase?.event.currency ?? order?.currency ?? refund?.event.currency ?? "USD").prefix(8)),
                refunded ? "refunded" : "paid",
                stamp,
                purchase.flatMap { $0.event.purchasedAtMs.map(Self.date) ?? Self.date($0.event.timestampMs) } ?? order?.paidAt,
                refunded ? refund.map { Self.date($0.event.timestampMs) } : nil,
                Self.environmentColumn(purchase?.event.environment ?? refund?.event.environment ?? reversal?.event.environment),
            ])
    }

    /// Stamps the ledger row a pack movement wrote with the event's `environment`
    /// (SANDBOX rows stay recognisable: they are applied like production ones).
    func recordEnvironment(_ environment: String?, ledgerReference: String, on db: PostgresConnection) throws {
        guard let value = Self.environmentColumn(environment) else { return }
        try db.execute(
            "UPDATE point_transactions SET environment = $2 WHERE ref_key = $1 AND environment IS DISTINCT FROM $2",
            [ledgerReference, value])
    }

    /// `SANDBOX` / `PRODUCTION` as stored (the columns are varchar(16)).
    static func environmentColumn(_ environment: String?) -> String? {
        environment.map { String($0.prefix(16)) }
    }
}
