import GalleyCore
public import GalleyPostgres

/// An operator's refund of a whole paid order: asks WeChat Pay (`out_refund_no` is
/// `R<out_trade_no>`, so asking again is the same refund, never a second one) and records
/// the request. The points come back when WeChat Pay says the refund succeeded: in the
/// refund notification, in this answer when it already says SUCCESS, or in the sweep's query.
public struct WeChatPayRefunds: Sendable {
    public let applier: WeChatPayApplier
    public let client: WeChatPayClient
    public let pool: PostgresPool

    public init(applier: WeChatPayApplier, client: WeChatPayClient, pool: PostgresPool) {
        self.applier = applier
        self.client = client
        self.pool = pool
    }

    /// Why a refund was not asked for.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Refunds `orderNo` (an `orders.order_no`); answers a line for the operator.
    public func refund(orderNo: String, reason: String?) async throws -> String {
        let stamp = applier.now()
        let order = try await pool.withTransaction { db -> WeChatPayOrder? in
            guard let order = try WeChatPayOrder.load(orderNo: orderNo, lock: true, on: db) else { return nil }
            guard order.state == .paid else { return order }
            try db.execute(
                """
                UPDATE wechatpay_orders SET out_refund_no = COALESCE(out_refund_no, $2),
                    refund_requested_at = COALESCE(refund_requested_at, $3), updated_at = $3 WHERE order_no = $1
                """, [orderNo, "R" + order.outTradeNo, stamp])
            return order
        }
        guard let order else { throw Refusal(description: "no WeChat Pay order \(orderNo)") }
        guard order.state == .paid else { throw Refusal(description: "order \(orderNo) is \(order.state.rawValue), not paid") }
        let answer = try await client.refund(
            outTradeNo: order.outTradeNo, outRefundNo: order.outRefundNo ?? "R" + order.outTradeNo, totalFen: order.amountFen,
            reason: reason)
        let status = answer["status"]?.stringValue ?? "?"
        if status == "SUCCESS" {
            let outcome = try await applier.applyRefund(answer, pool: pool)
            return "refund of \(orderNo): SUCCESS, \(outcome.description)"
        }
        return "refund of \(orderNo) requested: \(status) (the refund notification takes the points back)"
    }
}
