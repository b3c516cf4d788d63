import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks

/// `GET /points/balance` and `GET /points/transactions` (the caller's ledger, newest first).
enum PointsRoutes {
    static func register(in router: inout Router) {
        router.add("GET", "/api/v1/points/balance", lane: true, balance)
        router.add("GET", "/api/v1/points/transactions", transactions)
    }

    @Sendable static func balance(_ context: RequestContext) throws -> HTTPResponse {
        Envelope.ok(["balance": .int(Int64(try context.user().pointsBalance))])
    }

    @Sendable static func transactions(_ context: RequestContext) throws -> HTTPResponse {
        let user = try context.user()
        let pagination = try Pagination(request: context.request)
        let (items, count) = try context.services.postgres.withConnection { connection -> ([JSONValue], Int) in
            let rows = try connection.query(
                """
                SELECT id, type, amount, balance_after, task_type, order_no, reward_week, created_at
                FROM point_transactions WHERE user_id = $1
                ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3
                """, [user.id, pagination.limit, pagination.offset])
            let items = try rows.map { row -> JSONValue in
                .object(JSONObject([
                    ("id", .int(try row.decode(Int64.self, "id"))),
                    ("type", .string(try row.decode(String.self, "type"))),
                    ("amount", .int(Int64(try row.decode(Int.self, "amount")))),
                    ("balance_after", .int(Int64(try row.decode(Int.self, "balance_after")))),
                    ("task_type", JSONValue(try row.decode(String?.self, "task_type"))),
                    ("order_no", JSONValue(try row.decode(String?.self, "order_no"))),
                    ("reward_week", JSONValue(try row.decode(String?.self, "reward_week"))),
                    ("created_at", .string(Timestamp.iso8601(try row.decode(Date.self, "created_at")))),
                ]))
            }
            let count = try connection.query("SELECT count(*) AS n FROM point_transactions WHERE user_id = $1", [user.id])
                .first?.decode(Int.self, "n") ?? 0
            return (items, count)
        }
        return Envelope.ok(Pagination.list(items, count: count))
    }
}
