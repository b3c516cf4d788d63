import Foundation
public import GalleyCore
public import GalleyPostgres
import GalleyLedger

extension WeChatPayApplier {
    /// A transaction object, from a `TRANSACTION.SUCCESS` notification or from the query
    /// the sweep makes. `SUCCESS` with the order's amount, currency, merchant and app pays
    /// the order; a mismatch flags it; any other `trade_state` changes nothing here.
    public func applyTransaction(_ resource: JSONValue, eventType: String = "TRANSACTION.SUCCESS", on db: PostgresConnection)
        throws -> WeChatPayOutcome
    {
        guard let outTradeNo = resource["out_trade_no"]?.stringValue,
            let order = try WeChatPayOrder.load(outTradeNo: outTradeNo, lock: true, on: db)
        else { return WeChatPayOutcome(status: .ignored, eventType: eventType, reason: "no order with this out_trade_no") }
        guard resource["trade_state"]?.stringValue == "SUCCESS" else {
            return WeChatPayOutcome(status: .ignored, eventType: eventType, reason: "trade_state is not SUCCESS")
        }
        guard resource["mchid"]?.stringValue == mchID, resource["appid"]?.stringValue.map({ $0 == appID }) ?? true else {
            return try flag(order, reason: "payment for another merchant or app", eventType: eventType, on: db)
        }
        guard let transactionID = resource["transaction_id"]?.stringValue, !transactionID.isEmpty, transactionID.utf8.count <= 64 else {
            return WeChatPayOutcome(status: .ignored, eventType: eventType, reason: "no transaction_id")
        }
        let total = resource["amount"]?["total"]?.int64Value
        let currency = resource["amount"]?["currency"]?.stringValue
        guard total == Int64(order.amountFen), currency == order.currency else {
            return try flag(
                order, reason: "paid \(total.map(String.init) ?? "?") \(currency ?? "?"), order is \(order.amountFen) \(order.currency)",
                eventType: eventType, on: db)
        }
        if let known = order.transactionID, known != transactionID {
            return try flag(order, reason: "a second transaction paid this order", eventType: eventType, on: db)
        }
        if order.state == .flagged {
            return WeChatPayOutcome(status: .flagged, eventType: eventType, reason: order.flagReason ?? "order is flagged")
        }
        if order.transactionID == nil {
            try db.execute(
                "UPDATE wechatpay_orders SET transaction_id = $2, paid_at = $3, updated_at = $3 WHERE order_no = $1",
                [order.orderNo, transactionID, Self.date(resource["success_time"]?.stringValue) ?? now()])
        }
        try settle(orderNo: order.orderNo, on: db)
        return WeChatPayOutcome(status: .processed, eventType: eventType)
    }

    /// A refund object (`REFUND.*` notification or the refund API's answer). A full refund
    /// that succeeded records the refund; the points come back through ``settle(orderNo:on:)``.
    public func applyRefund(_ resource: JSONValue, eventType: String, on db: PostgresConnection) throws -> WeChatPayOutcome {
        guard let outTradeNo = resource["out_trade_no"]?.stringValue,
            let order = try WeChatPayOrder.load(outTradeNo: outTradeNo, lock: true, on: db)
        else { return WeChatPayOutcome(status: .ignored, eventType: eventType, reason: "no order with this out_trade_no") }
        let status = resource["refund_status"]?.stringValue ?? resource["status"]?.stringValue
        guard status == "SUCCESS" else {
            return WeChatPayOutcome(status: .ignored, eventType: eventType, reason: "refund status \(status ?? "missing")")
        }
        if let merchant = resource["mchid"]?.stringValue, merchant != mchID {
            return try flag(order, reason: "refund for another merchant", eventType: eventType, on: db)
        }
        let refunded = resource["amount"]?["refund"]?.int64Value
        let total = resource["amount"]?["total"]?.int64Value
        guard refunded == Int64(order.amountFen), total == Int64(order.amountFen) else {
            // Galley refunds whole orders; a partial refund made elsewhere is for operators.
            try db.execute("UPDATE wechatpay_orders SET flag_reason = COALESCE(flag_reason, $2), updated_at = $3 WHERE order_no = $1",
                           [order.orderNo, "partial refund: points not taken back", now()])
            return WeChatPayOutcome(status: .flagged, eventType: eventType, reason: "partial refund: points not taken back")
        }
        if order.refundedAt == nil {
            try db.execute(
                """
                UPDATE wechatpay_orders SET refunded_at = $2, refund_id = COALESCE(refund_id, $3),
                    out_refund_no = COALESCE(out_refund_no, $4), updated_at = $5 WHERE order_no = $1
                """,
                [order.orderNo, Self.date(resource["success_time"]?.stringValue) ?? now(),
                 resource["refund_id"]?.stringValue.map { String($0.prefix(64)) },
                 resource["out_refund_no"]?.stringValue.map { String($0.prefix(64)) }, now()])
        }
        try settle(orderNo: order.orderNo, on: db)
        return WeChatPayOutcome(status: .processed, eventType: eventType)
    }

    /// Brings the ledger and `orders` in line with the order's facts: paid credits the
    /// pack once; paid and refunded takes back what is left of it once (never below zero).
    /// A refund known before its payment waits until the payment is known.
    func settle(orderNo: String, on db: PostgresConnection) throws {
        guard let order = try WeChatPayOrder.load(orderNo: orderNo, lock: true, on: db), order.state != .flagged else { return }
        let paid = order.transactionID != nil && order.paidAt != nil
        let refunded = paid && order.refundedAt != nil
        let stamp = now()
        if paid {
            _ = try ledger.apply(
                LedgerEntry(userID: order.userID, amount: order.points, kind: .purchase, orderNo: order.orderNo,
                            reference: "wechatpay:pay:\(order.outTradeNo)"),
                on: db, now: stamp)
        }
        if refunded {
            _ = try ledger.apply(
                LedgerEntry(userID: order.userID, amount: -order.points, kind: .refund, orderNo: order.orderNo,
                            reference: "wechatpay:refund:\(order.outTradeNo)", clampToBalance: true),
                on: db, now: stamp)
        }
        guard paid else { return }
        let state: WeChatPayOrder.State = refunded ? .refunded : .paid
        try db.execute("UPDATE wechatpay_orders SET state = $2, updated_at = $3 WHERE order_no = $1",
                       [order.orderNo, state.rawValue, stamp])
        try db.execute(
            """
            UPDATE orders SET status = $2, payment_channel = 'wechatpay', transaction_id = $3, paid_at = $4,
                refunded_at = $5, updated_at = $6
            WHERE order_no = $1
            """, [order.orderNo, state.rawValue, order.transactionID, order.paidAt, refunded ? order.refundedAt : nil, stamp])
    }

    /// WeChat Pay's RFC 3339 times (`2026-12-02T10:00:00+08:00`).
    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        return ISO8601DateFormatter().date(from: text)
    }
}
