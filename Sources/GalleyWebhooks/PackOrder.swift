import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyLedger

/// The order row a pack's transaction id names, as the settlement reads it.
struct PackOrder {
    var userID: Int64
    var status: String
    var productID: String
    var amount: String
    var currency: String
    var paidAt: Date?

    static func load(orderNo: String, on db: PostgresConnection) throws -> PackOrder? {
        guard let row = try db.query(
            "SELECT user_id, status, product_id, amount, currency, paid_at FROM orders WHERE order_no = $1 FOR UPDATE", [orderNo]
        ).first else { return nil }
        return PackOrder(
            userID: try row.decode(Int64.self, "user_id"), status: try row.decode(String.self, "status"),
            productID: try row.decode(String.self, "product_id"), amount: try row.decode(String.self, "amount"),
            currency: try row.decode(String.self, "currency"), paidAt: try row.decode(Date?.self, "paid_at"))
    }
}
