import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks

/// `POST /order/create`, `GET /order/list`, `GET /order/{order_no}`: pending orders the
/// app opens before a store purchase; the WebhookWorker marks them paid.
enum OrderRoutes {
    static func register(in router: inout Router) {
        router.add("POST", "/api/v1/order/create", create)
        router.add("GET", "/api/v1/order/list", list)
        router.add("GET", "/api/v1/order/{order_no}", get)
    }

    /// Body decoded before auth, fields validated after (FastAPI's order). `amount` is
    /// stored in `NUMERIC(10,2)`, which rounds it; a value too large for it is a 422
    /// here (the original failed with a bare 500).
    @Sendable static func create(_ context: RequestContext) throws -> HTTPResponse {
        let decoded = try RequestBody.decode(context.request)
        let userID = try context.user().id
        var body = try Validation.model(decoded)
        let productType = body.oneOf("product_type", ["points_pack", "subscription"])
        let productID = body.string("product_id", minLength: 1, maxLength: 64)
        let quantity = body.int("quantity", default: 1, in: 1...100_000)
        let amount = body.decimal("amount", default: "0.00")
        let currency = body.string("currency", default: "USD", maxLength: 8)
        try body.finish()

        // The original's order number: o_<user id>_<unix seconds>_<12 hex>.
        let orderNo = "o_\(userID)_\(Int64(context.now.timeIntervalSince1970))_\(Crypto.hex(Crypto.randomBytes(6)))"
        let order: OrderRecord?
        do {
            order = try IDCollision.retrying { try context.services.postgres.withConnection { connection -> OrderRecord? in
                try connection.query(
                    """
                    INSERT INTO orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status,
                                        created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8, 'pending', $9, $9)
                    RETURNING \(OrderRecord.selectColumns)
                    """,
                    [context.services.ids.next(), userID, orderNo, productType, productID, quantity, amount, currency, context.now]
                ).first.map(OrderRecord.init(row:))
            } }
        } catch let error as PostgresError where error.sqlState == "22003" {
            throw APIError.validation([ValidationIssue(
                type: "decimal_whole_digits", loc: ["body", "amount"],
                msg: "Decimal input should have no more than 8 digits before the decimal point",
                input: body.raw("amount") ?? .string(amount), ctx: ["whole_digits": 8])])
        }
        guard let order else { throw APIError.internalError }
        return Envelope.ok(order.jsonValue)
    }

    @Sendable static func list(_ context: RequestContext) throws -> HTTPResponse {
        let userID = try context.user().id
        let pagination = try Pagination(request: context.request)
        let (items, count) = try context.services.postgres.withConnection { connection -> ([JSONValue], Int) in
            let items = try connection.query(
                """
                SELECT \(OrderRecord.selectColumns) FROM orders WHERE user_id = $1
                ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3
                """, [userID, pagination.limit, pagination.offset]
            ).map { try OrderRecord(row: $0).jsonValue }
            let count = try connection.query("SELECT count(*) AS n FROM orders WHERE user_id = $1", [userID])
                .first?.decode(Int.self, "n") ?? 0
            return (items, count)
        }
        return Envelope.ok(Pagination.list(items, count: count))
    }

    /// Another user's order is 404201, the same as one that does not exist.
    @Sendable static func get(_ context: RequestContext) throws -> HTTPResponse {
        let userID = try context.user().id
        let orderNo = context.parameter("order_no")
        let order = try context.services.postgres.withConnection { connection in
            try connection.query(
                "SELECT \(OrderRecord.selectColumns) FROM orders WHERE order_no = $1 AND user_id = $2", [orderNo, userID]
            ).first.map(OrderRecord.init(row:))
        }
        guard let order else { throw APIError.orderNotFound }
        return Envelope.ok(order.jsonValue)
    }
}
