import Foundation
import GalleyCore
import GalleyPostgres
import GalleyHTTP
import GalleyStorage
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks

/// An order as the contract shows it. `amount` is the numeric's text with two decimals
/// ("9.99"), as FastAPI serialized a Decimal.
struct OrderRecord: Sendable {
    static let selectColumns = "order_no, product_type, product_id, quantity, amount::text AS amount, currency, status, created_at"

    let orderNo: String
    let productType: String
    let productID: String
    let quantity: Int
    let amount: String
    let currency: String
    let status: String
    let createdAt: Date

    init(row: PostgresRow) throws {
        orderNo = try row.decode(String.self, "order_no")
        productType = try row.decode(String.self, "product_type")
        productID = try row.decode(String.self, "product_id")
        quantity = try row.decode(Int.self, "quantity")
        amount = try row.decode(String.self, "amount")
        currency = try row.decode(String.self, "currency")
        status = try row.decode(String.self, "status")
        createdAt = try row.decode(Date.self, "created_at")
    }

    var jsonValue: JSONValue {
        .object(JSONObject([
            ("order_no", .string(orderNo)),
            ("product_type", .string(productType)),
            ("product_id", .string(productID)),
            ("quantity", .int(Int64(quantity))),
            ("amount", .string(amount)),
            ("currency", .string(currency)),
            ("status", .string(status)),
            ("created_at", .string(Timestamp.iso8601(createdAt))),
        ]))
    }
}
