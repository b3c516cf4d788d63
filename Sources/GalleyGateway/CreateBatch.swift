import Foundation
import GalleyCore
import GalleyPostgres

/// One create waiting for a group commit: everything its rows need, ids minted.
struct CreateBatchItem: Sendable {
    let userID: Int64
    let cost: Int
    let taskID: Int64
    let ledgerID: Int64
    let outbox: OutboxEntry
    let drivenID: String
    let imageURL: String
    /// The detect result as JSON text, stored as written (the `json` column keeps text).
    let detectResult: String
    let idempotencyKey: String?
    let requestHash: String?
}

/// What the group commit did with one item.
enum CreateBatchOutcome: Sendable, Equatable {
    /// Task, debit, ledger row and outbox row committed.
    case created(Date)
    /// The locked balance was below the cost: nothing was written for it.
    case insufficientFunds
    /// The task insert met a unique index (an idempotency key another request holds,
    /// or an id collision): nothing was written for it.
    case conflict
    /// Not decidable in the batch (no account row yet, or the statement failed): the
    /// request runs the one-transaction path on its own.
    case alone
    /// This waiting request is to lead the next batch (internal to ``CreateBatcher``).
    case lead
}

/// The group commit's statement: many creates of distinct users in one statement (so
/// one transaction and one round trip). It locks the accounts in user order, keeps the
/// items whose locked balance covers their cost, inserts their tasks (a unique-index
/// conflict skips just that item), and for each task inserted debits the account,
/// writes the ledger row from the locked balance and the outbox row.
enum CreateBatch {
    static let sql = """
        WITH req AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(n int, task_id bigint, user_id bigint, driven_id text,
                image_url text, detect_result text, cost int, idem_key text, req_hash text, ledger_id bigint,
                outbox_id bigint, outbox_stream text, outbox_fields jsonb)
        ), acct AS (
            SELECT user_id, balance FROM user_points WHERE user_id IN (SELECT user_id FROM req) ORDER BY user_id FOR UPDATE
        ), ok AS (
            SELECT req.* FROM req JOIN acct USING (user_id) WHERE acct.balance >= req.cost
        ), task AS (
            INSERT INTO emoji_tasks (id, user_id, driven_id, source_image_url, detect_result, status, points_cost,
                                     created_at, updated_at, idempotency_key, request_hash)
            SELECT task_id, user_id, driven_id, image_url, detect_result::json, 'pending', cost, now(), now(), idem_key, req_hash
            FROM ok ORDER BY user_id
            ON CONFLICT DO NOTHING
            RETURNING id, created_at
        ), done AS (
            SELECT ok.* FROM ok JOIN task ON task.id = ok.task_id
        ), upd AS (
            UPDATE user_points up SET balance = up.balance - done.cost, updated_at = now()
            FROM done WHERE up.user_id = done.user_id AND done.cost > 0
            RETURNING up.user_id, up.balance
        ), ledger AS (
            INSERT INTO point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, ref_key, created_at)
            SELECT done.ledger_id, done.user_id, 'consume', -done.cost, upd.balance, 'emoji', NULL, NULL,
                   'consume:task:' || done.task_id, now()
            FROM done JOIN upd USING (user_id)
        ), obx AS (
            INSERT INTO outbox (id, stream, fields, created_at)
            SELECT done.outbox_id, done.outbox_stream, done.outbox_fields, now() FROM done
        )
        SELECT req.n, task.created_at, acct.balance
        FROM req LEFT JOIN task ON task.id = req.task_id LEFT JOIN acct ON acct.user_id = req.user_id
        ORDER BY req.n
        """

    /// The statement's one parameter: the items as a JSON array of records.
    static func parameter(_ items: [CreateBatchItem]) -> String {
        let records = items.enumerated().map { index, item -> JSONValue in
            .object(JSONObject([
                ("n", .int(Int64(index))),
                ("task_id", .int(item.taskID)),
                ("user_id", .int(item.userID)),
                ("driven_id", .string(item.drivenID)),
                ("image_url", .string(item.imageURL)),
                ("detect_result", .string(item.detectResult)),
                ("cost", .int(Int64(item.cost))),
                ("idem_key", item.idempotencyKey.map(JSONValue.string) ?? .null),
                ("req_hash", item.requestHash.map(JSONValue.string) ?? .null),
                ("ledger_id", .int(item.ledgerID)),
                ("outbox_id", .int(item.outbox.id)),
                ("outbox_stream", .string(item.outbox.stream)),
                ("outbox_fields", item.outbox.fieldsJSON),
            ]))
        }
        return JSONWriter.string(.array(records))
    }

    /// Runs `items` (distinct users) as one statement in its own transaction; one
    /// outcome per item, in order. A statement error (a user gone, a constraint) is
    /// thrown: nothing of the batch was written.
    static func run(_ items: [CreateBatchItem], on pool: PostgresPool) throws -> [CreateBatchOutcome] {
        let result = try pool.withConnection { try $0.query(sql, [parameter(items)]) }
        var outcomes = [CreateBatchOutcome](repeating: .alone, count: items.count)
        for row in result.rows {
            let index = try row.decode(Int.self, "n")
            guard outcomes.indices.contains(index) else { continue }
            if let createdAt = try row.decode(Date?.self, "created_at") {
                outcomes[index] = .created(createdAt)
            } else if let balance = try row.decode(Int?.self, "balance") {
                outcomes[index] = balance < items[index].cost ? .insufficientFunds : .conflict
            } else {
                outcomes[index] = .alone  // no account row: the ledger's path opens one
            }
        }
        return outcomes
    }
}
