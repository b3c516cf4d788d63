import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRuntime
import GalleyPayments

/// `POST /pay/wechat/prepay`: body `{"order_no", "trade_type": "app"|"jsapi" = "app",
/// "openid"}` (openid for jsapi). The caller's pending points-pack order gets a WeChat Pay
/// prepay for the pack's configured price (`pack_prices_fen`), never an amount from the
/// client. Idempotent per order: while the prepay is valid the same `prepay_id` comes
/// back (with freshly signed client parameters). The order row stays locked during the
/// call to WeChat Pay, so two concurrent prepays of one order make one prepay.
enum WeChatPayPrepay {
    /// A prepay this close to its expiry is not handed out again: the payer needs time.
    static let reuseMargin: TimeInterval = 60

    static func prepay(_ context: RequestContext) throws -> JSONValue {
        let services = context.services
        guard let client = services.weChatPay else { throw APIError.weChatPayNotConfigured }
        let decoded = try RequestBody.decode(context.request)
        let userID = try context.user().id
        var body = try Validation.model(decoded)
        let orderNo = body.string("order_no", minLength: 1, maxLength: 64)
        let tradeTypeName = body.has("trade_type") ? body.oneOf("trade_type", ["app", "jsapi"]) : "app"
        let openID = body.optionalString("openid", minLength: 1, maxLength: 128)
        try body.finish()
        let tradeType = WeChatPayClient.TradeType(rawValue: tradeTypeName) ?? .app
        if tradeType == .jsapi && openID == nil {
            throw APIError.validation([.missing(["body", "openid"], input: body.raw("openid") ?? .null)])
        }
        let config = services.config.current
        let now = context.now
        let ids = services.ids
        let logger = context.logger

        let order = try services.postgres.withTransaction { db -> WeChatPayOrder in
            guard let row = try db.query(
                "SELECT product_type, product_id, status FROM orders WHERE order_no = $1 AND user_id = $2 FOR UPDATE", [orderNo, userID]
            ).first else { throw APIError.orderNotFound }
            var order: WeChatPayOrder
            if let existing = try WeChatPayOrder.load(orderNo: orderNo, lock: true, on: db) {
                guard existing.state == .pending else { throw APIError.orderNotPayable("it is \(existing.state.rawValue)") }
                if let expiry = existing.prepayExpiresAt, existing.prepayID != nil {
                    guard expiry.timeIntervalSince(now) > reuseMargin else { throw APIError.prepayExpired }
                    guard existing.tradeType == tradeType.rawValue, existing.openID == openID else {
                        throw APIError.orderNotPayable("it was prepaid as \(existing.tradeType) for another payer")
                    }
                    return existing
                }
                order = existing
            } else {
                guard try row.decode(String.self, "status") == "pending" else { throw APIError.orderNotPayable("it is not pending") }
                guard try row.decode(String.self, "product_type") == "points_pack" else {
                    throw APIError.orderNotPayable("only points packs are sold through WeChat Pay")
                }
                let productID = try row.decode(String.self, "product_id")
                guard let points = config.pointsPack(forProduct: productID) else { throw APIError.orderNotPayable("unknown points pack") }
                guard let fen = config.priceFen(forPack: productID) else { throw APIError.packHasNoPrice }
                guard let inserted = try db.query(
                    """
                    INSERT INTO wechatpay_orders (order_no, user_id, out_trade_no, product_id, points, amount_fen, currency, trade_type,
                                                  openid, state, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, 'CNY', $7, $8, 'pending', $9, $9)
                    RETURNING order_no
                    """, [orderNo, userID, "G\(ids.next())", productID, points, fen, tradeType.rawValue, openID, now]
                ).first, try inserted.decode(String.self, "order_no") == orderNo,
                    let loaded = try WeChatPayOrder.load(orderNo: orderNo, on: db)
                else { throw APIError.internalError }
                // The order states what WeChat Pay will charge, whatever the app wrote at creation.
                try db.execute(
                    "UPDATE orders SET amount = $2::numeric, currency = 'CNY', payment_channel = 'wechatpay', updated_at = $3 WHERE order_no = $1",
                    [orderNo, String(format: "%d.%02d", fen / 100, fen % 100), now])
                order = loaded
            }
            let expiresAt = now.addingTimeInterval(Double(client.configuration.orderExpiry.components.seconds))
            let target = order
            let prepayID: String
            do {
                prepayID = try AsyncBridge.wait {
                    try await client.prepay(
                        tradeType: tradeType, outTradeNo: target.outTradeNo, description: "Points pack \(target.productID)",
                        totalFen: target.amountFen, openID: openID, expiresAt: expiresAt)
                }
            } catch let error as WeChatPayError {
                logger.warning("WeChat Pay prepay failed", ["order_no": orderNo, "error": error.debugDescription])
                throw APIError.weChatPayFailed
            }
            try db.execute(
                "UPDATE wechatpay_orders SET prepay_id = $2, prepay_expires_at = $3, trade_type = $4, openid = $5, updated_at = $6 WHERE order_no = $1",
                [orderNo, prepayID, expiresAt, tradeType.rawValue, openID, now])
            order.prepayID = prepayID
            order.prepayExpiresAt = expiresAt
            return order
        }
        guard let prepayID = order.prepayID, let expiresAt = order.prepayExpiresAt else { throw APIError.internalError }
        return [
            "order_no": .string(order.orderNo), "out_trade_no": .string(order.outTradeNo), "trade_type": .string(order.tradeType),
            "prepay_id": .string(prepayID), "amount_fen": .int(Int64(order.amountFen)), "currency": .string(order.currency),
            "expires_at": .string(Timestamp.iso8601(expiresAt)),
            "pay_params": try client.clientParameters(tradeType: tradeType, prepayID: prepayID, now: now),
        ]
    }
}
