public import Foundation
public import GalleyCore
public import GalleyPostgres
import GalleyLedger

/// Applies WeChat Pay's word about an order exactly once, inside the caller's transaction.
///
/// A stored notification is locked (`FOR UPDATE`) and skipped when already settled, and
/// the order row is locked before anything moves, so deliveries of one order serialize.
/// The order remembers the facts (paid by `transaction_id` at, refunded at); the points
/// follow from those facts through the ledger with one reference per movement
/// (`wechatpay:pay:<out_trade_no>`, `wechatpay:refund:<out_trade_no>`), so however many
/// times and in whatever order the notifications come, each movement happens once.
public struct WeChatPayApplier: Sendable {
    public let mchID: String
    public let appID: String
    let ledger: Ledger
    let now: @Sendable () -> Date
    let logger: Logger

    public init(mchID: String, appID: String, nextID: @escaping @Sendable () -> Int64,
                logger: Logger = Logger(label: "wechatpay"), now: @escaping @Sendable () -> Date = { Date() }) {
        self.mchID = mchID
        self.appID = appID
        self.ledger = Ledger(nextID: nextID)
        self.logger = logger
        self.now = now
    }

    /// Applies the notification stored under WeChat Pay's `id`. Call it in a transaction.
    public func apply(notificationID: String, on db: PostgresConnection) throws -> WeChatPayOutcome {
        guard let row = try db.query(
            "SELECT id, event_type, status, resource FROM wechatpay_notifications WHERE notification_id = $1 FOR UPDATE",
            [notificationID]
        ).first else { return WeChatPayOutcome(status: .notFound, eventType: "") }
        let id = try row.decode(Int64.self, "id")
        let eventType = try row.decode(String.self, "event_type")
        let status = try row.decode(String.self, "status")
        guard status == "received" || status == "failed" else {
            return WeChatPayOutcome(status: .alreadyDone, eventType: eventType, reason: status)
        }
        guard let resource = try row.decode(JSONValue?.self, "resource"), resource.objectValue != nil else {
            return try finish(id, WeChatPayOutcome(status: .failed, eventType: eventType, reason: "resource is not an object"), on: db)
        }
        let outcome: WeChatPayOutcome
        switch eventType {
        case "TRANSACTION.SUCCESS":
            outcome = try applyTransaction(resource, eventType: eventType, on: db)
        case "REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED":
            outcome = try applyRefund(resource, eventType: eventType, on: db)
        default:
            outcome = WeChatPayOutcome(status: .ignored, eventType: eventType, reason: "event type has no effect in Galley")
        }
        return try finish(id, outcome, on: db)
    }

    /// Writes the notification's outcome on its locked row.
    func finish(_ id: Int64, _ outcome: WeChatPayOutcome, on db: PostgresConnection) throws -> WeChatPayOutcome {
        try db.execute(
            """
            UPDATE wechatpay_notifications SET status = $2::varchar, reason = $3, attempts = attempts + 1, updated_at = $4,
                processed_at = CASE WHEN $2::varchar IN ('processed', 'ignored', 'flagged') THEN $4::timestamptz ELSE processed_at END
            WHERE id = $1
            """, [id, outcome.status.rawValue, outcome.reason.map { String($0.prefix(500)) }, now()])
        return outcome
    }

    /// Marks the order flagged with `reason` (nothing credited) unless it already is.
    func flag(_ order: WeChatPayOrder, reason: String, eventType: String, on db: PostgresConnection) throws -> WeChatPayOutcome {
        logger.warning("WeChat Pay order flagged", ["order_no": order.orderNo, "reason": reason])
        try db.execute(
            """
            UPDATE wechatpay_orders SET flag_reason = COALESCE(flag_reason, $2),
                state = CASE WHEN state IN ('pending', 'closed') THEN 'flagged' ELSE state END, updated_at = $3
            WHERE order_no = $1
            """, [order.orderNo, reason, now()])
        try db.execute(
            "UPDATE orders SET status = 'failed', payment_channel = 'wechatpay', updated_at = $2 WHERE order_no = $1 AND status = 'pending'",
            [order.orderNo, now()])
        return WeChatPayOutcome(status: .flagged, eventType: eventType, reason: reason)
    }
}
