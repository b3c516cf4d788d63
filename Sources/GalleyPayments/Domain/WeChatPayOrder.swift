public import Foundation
public import GalleyPostgres

/// A `wechatpay_orders` row: what WeChat Pay adds to an order of `orders`.
public struct WeChatPayOrder: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case pending, paid, refunded, closed
        /// The payment's amount or currency was not the order's: nothing credited, operators decide.
        case flagged
    }

    public var orderNo: String
    public var userID: Int64
    public var outTradeNo: String
    public var productID: String
    public var points: Int
    public var amountFen: Int
    public var currency: String
    public var tradeType: String
    public var openID: String?
    public var prepayID: String?
    public var prepayExpiresAt: Date?
    public var state: State
    public var transactionID: String?
    public var paidAt: Date?
    public var outRefundNo: String?
    public var refundID: String?
    public var refundedAt: Date?
    public var flagReason: String?

    static let columns = """
        order_no, user_id, out_trade_no, product_id, points, amount_fen, currency, trade_type, openid, prepay_id,
        prepay_expires_at, state, transaction_id, paid_at, out_refund_no, refund_id, refunded_at, flag_reason
        """

    init(row: PostgresRow) throws {
        orderNo = try row.decode(String.self, "order_no")
        userID = try row.decode(Int64.self, "user_id")
        outTradeNo = try row.decode(String.self, "out_trade_no")
        productID = try row.decode(String.self, "product_id")
        points = try row.decode(Int.self, "points")
        amountFen = try row.decode(Int.self, "amount_fen")
        currency = try row.decode(String.self, "currency")
        tradeType = try row.decode(String.self, "trade_type")
        openID = try row.decode(String?.self, "openid")
        prepayID = try row.decode(String?.self, "prepay_id")
        prepayExpiresAt = try row.decode(Date?.self, "prepay_expires_at")
        state = State(rawValue: try row.decode(String.self, "state")) ?? .flagged
        transactionID = try row.decode(String?.self, "transaction_id")
        paidAt = try row.decode(Date?.self, "paid_at")
        outRefundNo = try row.decode(String?.self, "out_refund_no")
        refundID = try row.decode(String?.self, "refund_id")
        refundedAt = try row.decode(Date?.self, "refunded_at")
        flagReason = try row.decode(String?.self, "flag_reason")
    }

    /// The row for WeChat Pay's `out_trade_no`, locked for the caller's transaction when asked.
    public static func load(outTradeNo: String, lock: Bool = false, on db: PostgresConnection) throws -> WeChatPayOrder? {
        try db.query("SELECT \(columns) FROM wechatpay_orders WHERE out_trade_no = $1" + (lock ? " FOR UPDATE" : ""), [outTradeNo])
            .first.map(WeChatPayOrder.init(row:))
    }

    /// The row of an `orders.order_no`, locked for the caller's transaction when asked.
    public static func load(orderNo: String, lock: Bool = false, on db: PostgresConnection) throws -> WeChatPayOrder? {
        try db.query("SELECT \(columns) FROM wechatpay_orders WHERE order_no = $1" + (lock ? " FOR UPDATE" : ""), [orderNo])
            .first.map(WeChatPayOrder.init(row:))
    }
}
