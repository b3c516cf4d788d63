import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyLedger
import GalleyPayments

/// A fresh migrated database with a WeChat Pay applier; stores notifications the way the
/// gateway does (`received`, the decrypted resource), so tests call the applier directly.
package final class WeChatPayHarness: Sendable {
    package let database: TestDatabase
    package let pool: PostgresPool
    package let ids: SnowflakeGenerator
    package let applier: WeChatPayApplier

    package init(poolSize: Int = 8) throws {
        database = try TestDatabase()
        pool = database.pool(size: poolSize)
        let ids = try SnowflakeGenerator(nodeID: Int.random(in: 0...1023))
        self.ids = ids
        applier = WeChatPayApplier(mchID: WeChatPayTestKeys.mchID, appID: WeChatPayTestKeys.appID, nextID: { ids.next() },
                                   logger: Logger(label: "test.wechatpay"))
    }

    deinit {
        pool.close()
        database.drop()
    }

    /// A user with a zero points account; answers its id.
    package func createUser() throws -> Int64 {
        let id = ids.next()
        let ledger = Ledger(nextID: { [ids] in ids.next() })
        try pool.withTransaction { db in
            try db.execute("INSERT INTO users (id, device_id, created_at, updated_at) VALUES ($1, $2, now(), now())", [id, "device-\(id)"])
            try ledger.openAccount(userID: id, on: db)
        }
        return id
    }

    /// A pending points-pack order already prepaid (as `POST /pay/wechat/prepay` leaves it);
    /// answers (order_no, out_trade_no).
    package func createOrder(user: Int64, points: Int = 1000, fen: Int = 600, product: String = "points_1000") throws -> (String, String) {
        let orderNo = "o_\(user)_\(ids.next())"
        let outTradeNo = "G\(ids.next())"
        try pool.withTransaction { db in
            try db.execute(
                """
                INSERT INTO orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status, created_at, updated_at)
                VALUES ($1, $2, $3, 'points_pack', $4, 1, $5::numeric, 'CNY', 'pending', now(), now())
                """, [ids.next(), user, orderNo, product, String(format: "%d.%02d", fen / 100, fen % 100)])
            try db.execute(
                """
                INSERT INTO wechatpay_orders (order_no, user_id, out_trade_no, product_id, points, amount_fen, trade_type, prepay_id,
                                              prepay_expires_at, state, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, 'app', $7, now() + interval '2 hours', 'pending', now(), now())
                """, [orderNo, user, outTradeNo, product, points, fen, "wx\(ids.next())"])
        }
        return (orderNo, outTradeNo)
    }

    /// The transaction object of a `TRANSACTION.SUCCESS` notification.
    package static func transaction(_ outTradeNo: String, transactionID: String, total: Int = 600, currency: String = "CNY",
                                    mchID: String = WeChatPayTestKeys.mchID) -> JSONValue {
        [
            "appid": .string(WeChatPayTestKeys.appID), "mchid": .string(mchID), "out_trade_no": .string(outTradeNo),
            "transaction_id": .string(transactionID), "trade_type": "APP", "trade_state": "SUCCESS", "trade_state_desc": "ok",
            "bank_type": "OTHERS", "success_time": "2026-12-02T10:00:00+08:00", "payer": ["openid": "o-test"],
            "amount": ["total": .int(Int64(total)), "payer_total": .int(Int64(total)), "currency": .string(currency), "payer_currency": "CNY"],
        ]
    }

    /// The refund object of a `REFUND.SUCCESS` notification (a whole refund unless `refund` says otherwise).
    package static func refund(_ outTradeNo: String, total: Int = 600, refund: Int? = nil) -> JSONValue {
        [
            "mchid": .string(WeChatPayTestKeys.mchID), "out_trade_no": .string(outTradeNo), "transaction_id": "4200000001",
            "out_refund_no": .string("R" + outTradeNo), "refund_id": "50000000001", "refund_status": "SUCCESS",
            "success_time": "2026-12-02T11:00:00+08:00",
            "amount": ["total": .int(Int64(total)), "refund": .int(Int64(refund ?? total)), "payer_total": .int(Int64(total)),
                       "payer_refund": .int(Int64(refund ?? total))],
        ]
    }

    /// Stores a notification as the gateway does; a repeat of its id is a no-op.
    package func store(id: String, eventType: String, resource: JSONValue) throws {
        try pool.withConnection { db in
            try db.execute(
                """
                INSERT INTO wechatpay_notifications (id, notification_id, event_type, body, resource, out_trade_no, status, created_at, updated_at)
                VALUES ($1, $2, $3, '{}', $4::jsonb, $5, 'received', now(), now()) ON CONFLICT (notification_id) DO NOTHING
                """, [ids.next(), id, eventType, JSONWriter.string(resource), resource["out_trade_no"]?.stringValue])
        }
    }

    @discardableResult
    package func deliver(_ id: String) async throws -> WeChatPayOutcome {
        try await applier.apply(notificationID: id, pool: pool)
    }

    package func balance(_ user: Int64) throws -> Int {
        try pool.withConnection { try Ledger.audit(userID: user, on: $0) }.balance
    }

    /// `type amount ref_key` of the user's ledger, oldest first.
    package func ledger(_ user: Int64) throws -> [String] {
        try pool.withConnection { db in
            try db.query("SELECT type, amount, ref_key FROM point_transactions WHERE user_id = $1 ORDER BY created_at, id", [user]).map {
                "\(try $0.decode(String.self, "type")) \(try $0.decode(Int.self, "amount")) \(try $0.decode(String?.self, "ref_key") ?? "-")"
            }
        }
    }

    /// `orders.status` and the WeChat Pay row's state and flag.
    package func order(_ orderNo: String) throws -> (status: String, state: String, flag: String?) {
        try pool.withConnection { db in
            guard let row = try db.query(
                "SELECT o.status, w.state, w.flag_reason FROM orders o JOIN wechatpay_orders w USING (order_no) WHERE o.order_no = $1",
                [orderNo]).first
            else { throw WeChatPayError(.invalidMessage, "no order") }
            return (try row.decode(String.self, "status"), try row.decode(String.self, "state"), try row.decode(String?.self, "flag_reason"))
        }
    }

    package func ledgerViolations() throws -> [Int64] {
        try pool.withConnection { try Ledger.violations(on: $0) }
    }
}
