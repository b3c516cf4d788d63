import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyLedger

extension AdminOperations {
    static let taskColumns = """
        t.id, t.user_id, t.status, t.points_cost, t.driven_id, t.aliyun_task_id, t.error_code, t.error_message,
        t.created_at, t.completed_at, t.refunded_at, t.hidden_at IS NOT NULL AS hidden
        """

    /// Tasks matching `query`, newest first (by id: Snowflake ids follow creation time).
    public func searchTasks(_ query: AdminTaskQuery, page: AdminPageRequest = AdminPageRequest()) throws -> AdminPage<AdminTaskSummary> {
        let before = try AdminCursor.id(page.cursor)
        let filter: String
        let value: any PostgresEncodable
        switch query {
        case .user(let id): (filter, value) = ("t.user_id = $1", id)
        case .task(let id): (filter, value) = ("t.id = $1", id)
        case .providerTask(let id): (filter, value) = ("t.aliyun_task_id = $1", id)
        case .device(let device):
            (filter, value) = ("t.user_id = (SELECT id FROM users WHERE device_id = $1)", device)
        }
        return try postgres.withConnection { connection in
            let rows = try connection.query("""
                SELECT \(AdminOperations.taskColumns) FROM emoji_tasks t
                WHERE \(filter) AND ($2::bigint IS NULL OR t.id < $2::bigint)
                ORDER BY t.id DESC LIMIT $3
                """, [value, before, page.limit + 1])
            return AdminCursor.page(try rows.rows.map(AdminOperations.taskSummary), limit: page.limit) { String($0.id) }
        }
    }

    /// A task with its timeline and ledger rows, or nil.
    public func task(id: Int64) throws -> AdminTaskDetail? {
        try postgres.withConnection { connection in
            guard let row = try connection.query("""
                SELECT \(AdminOperations.taskColumns), t.source_image_url, t.result_url, t.provider_status, t.worker,
                       t.worker_lease_until, t.started_at, t.submitted_at, t.updated_at
                FROM emoji_tasks t WHERE t.id = $1
                """, [id]).first else { return nil }
            let summary = try AdminOperations.taskSummary(row)
            let ledger = try connection.query("""
                SELECT id, type, amount, balance_after, task_type, order_no, reward_week, ref_key, created_at
                FROM point_transactions WHERE ref_key = ANY($1::varchar[]) ORDER BY created_at, id
                """, [["consume:task:\(id)", "refund:task:\(id)"]]).rows.map(AdminOperations.ledgerRow)
            let queued = try connection.query(
                "SELECT created_at, attempts, last_error FROM outbox WHERE stream = 'emoji_tasks' AND fields->>'task_id' = $1",
                [String(id)]).first
            var steps = [AdminTimelineStep(step: "created", at: summary.createdAt, detail: "\(summary.pointsCost) points")]
            if let charge = ledger.first(where: { $0.reference == "consume:task:\(id)" }) {
                steps.append(AdminTimelineStep(step: "charged", at: charge.createdAt, detail: "\(charge.amount), balance \(charge.balanceAfter)"))
            }
            let startedAt = try row.decode(Date?.self, "started_at")
            if let queued {
                let attempts = try queued.decode(Int.self, "attempts")
                steps.append(AdminTimelineStep(step: "enqueued", at: try queued.decode(Date.self, "created_at"),
                                               detail: "waiting in the outbox (\(attempts) attempts)"))
            } else if startedAt != nil || summary.status != "pending" {
                steps.append(AdminTimelineStep(step: "enqueued", at: nil, detail: "sent to emoji_tasks (outbox row gone)"))
            }
            if let startedAt {
                steps.append(AdminTimelineStep(step: "picked_up", at: startedAt, detail: try row.decode(String?.self, "worker")))
            }
            if let submittedAt = try row.decode(Date?.self, "submitted_at") {
                steps.append(AdminTimelineStep(step: "submitted", at: submittedAt, detail: summary.providerTaskID))
            }
            let providerStatus = try row.decode(String?.self, "provider_status")
            if let providerStatus {
                steps.append(AdminTimelineStep(step: "polled", at: try row.decode(Date?.self, "updated_at"),
                                               detail: "last provider status \(providerStatus)"))
            }
            if let completedAt = summary.completedAt {
                steps.append(AdminTimelineStep(step: "finished", at: completedAt,
                                               detail: [summary.status, summary.errorCode].compactMap { $0 }.joined(separator: " ")))
            }
            if let refund = ledger.first(where: { $0.reference == "refund:task:\(id)" }) {
                steps.append(AdminTimelineStep(step: "refunded", at: refund.createdAt, detail: "+\(refund.amount)"))
            } else if let refundedAt = summary.refundedAt {
                steps.append(AdminTimelineStep(step: "refunded", at: refundedAt))
            }
            return AdminTaskDetail(
                task: summary, sourceImageURL: try row.decode(String.self, "source_image_url"),
                resultURL: try row.decode(String?.self, "result_url"), providerStatus: providerStatus,
                worker: try row.decode(String?.self, "worker"), leaseUntil: try row.decode(Date?.self, "worker_lease_until"),
                timeline: steps, ledger: ledger)
        }
    }

    /// Makes a NEW task from a failed one (same image, style and detection), charged now at
    /// today's price, and enqueues it. Without `confirm` nothing is written and the error
    /// (``AdminError/Kind/confirmationRequired``) says what it would cost. A balance too
    /// small refuses (``AdminError/Kind/insufficientPoints``); the balance never goes negative.
    public func retryTask(id: Int64, confirm: Bool, by actor: AdminOperator) throws -> AdminTaskRetry {
        guard let original = try task(id: id) else { throw AdminError.notFound("task \(id)") }
        guard original.task.status == "failed" else {
            throw AdminError(.conflict, "task \(id) is \(original.task.status); only a failed task can be retried")
        }
        let cost = config.current.emojiCost
        guard confirm else {
            throw AdminError(.confirmationRequired,
                             "retrying task \(id) creates a new task and charges user \(original.task.userID) \(cost) points; confirm to proceed")
        }
        let ids = try ids()
        let ledger = try ledger()
        let newID = ids.next()
        let outboxID = ids.next()
        let fields = try postgres.withConnection { connection -> [(String, String)] in
            guard let row = try connection.query(
                "SELECT user_id, source_image_url, driven_id, detect_result::text AS detect FROM emoji_tasks WHERE id = $1", [id]).first
            else { throw AdminError.notFound("task \(id)") }
            return [("task_id", String(newID)), ("user_id", String(try row.decode(Int64.self, "user_id"))),
                    ("image_url", try row.decode(String.self, "source_image_url")),
                    ("driven_id", try row.decode(String.self, "driven_id")),
                    ("detect_result", try row.decode(String?.self, "detect") ?? "{}")]
        }
        let userID = original.task.userID
        let balanceAfter = try postgres.withTransaction { connection -> Int? in
            try connection.execute("""
                INSERT INTO emoji_tasks (id, user_id, driven_id, style_name, source_image_url, detect_result, status, points_cost,
                                         created_at, updated_at)
                SELECT $1, user_id, driven_id, style_name, source_image_url, detect_result, 'pending', $2, now(), now()
                FROM emoji_tasks WHERE id = $3
                """, [newID, cost, id])
            var balance: Int?
            if cost > 0 {
                let outcome = try ledger.apply(
                    LedgerEntry(userID: userID, amount: -cost, kind: .consume, taskType: "emoji",
                                reference: "consume:task:\(newID)", referenceIsNew: true), on: connection)
                switch outcome {
                case .insufficientFunds(let have):
                    throw AdminError(.insufficientPoints, "user \(userID) has \(have) points; the retry costs \(cost)")
                case .applied(_, _, let after): balance = after
                case .duplicate: break
                }
            }
            let fieldsJSON = JSONValue.object(JSONObject(fields.map { ($0.0, JSONValue.string($0.1)) }))
            try connection.execute("INSERT INTO outbox (id, stream, fields, created_at) VALUES ($1, 'emoji_tasks', $2::jsonb, now())",
                                   [outboxID, fieldsJSON])
            try recordAudit(actor, action: "task.retry", target: "task:\(id)", before: original.task.json,
                            after: ["new_task_id": .int(newID), "points_charged": JSONValue(cost), "balance_after": JSONValue(balance)],
                            on: connection)
            return balance
        }
        publishOutbox(id: outboxID, stream: "emoji_tasks", fields: fields)
        return AdminTaskRetry(originalTaskID: id, newTaskID: newID, pointsCharged: cost, balanceAfter: balanceAfter)
    }

    /// Puts a task that is still `pending` or `processing` back on `emoji_tasks` (its entry
    /// was lost, e.g. Redis restored from an old copy), through the outbox like the gateway.
    /// Safe to repeat: workers take a task's lease before working on it, so a second entry
    /// finds it leased or finished and does nothing; no points move.
    public func requeueTask(id: Int64, by actor: AdminOperator) throws -> AdminTaskSummary {
        let outboxID = try ids().next()
        let (summary, fields) = try postgres.withTransaction { connection -> (AdminTaskSummary, [(String, String)]) in
            guard let row = try connection.query("""
                SELECT \(AdminOperations.taskColumns), t.source_image_url, t.detect_result::text AS detect
                FROM emoji_tasks t WHERE t.id = $1 FOR UPDATE
                """, [id]).first else { throw AdminError.notFound("task \(id)") }
            let summary = try AdminOperations.taskSummary(row)
            guard summary.status == "pending" || summary.status == "processing" else {
                throw AdminError(.conflict, "task \(id) is \(summary.status); only a waiting task can be re-sent (retry a failed one)")
            }
            let fields: [(String, String)] = [
                ("task_id", String(id)), ("user_id", String(summary.userID)),
                ("image_url", try row.decode(String.self, "source_image_url")), ("driven_id", summary.drivenID),
                ("detect_result", try row.decode(String?.self, "detect") ?? "{}"),
            ]
            let fieldsJSON = JSONValue.object(JSONObject(fields.map { ($0.0, JSONValue.string($0.1)) }))
            try connection.execute("INSERT INTO outbox (id, stream, fields, created_at) VALUES ($1, 'emoji_tasks', $2::jsonb, now())",
                                   [outboxID, fieldsJSON])
            try recordAudit(actor, action: "task.requeue", target: "task:\(id)", before: summary.json,
                            after: ["outbox_id": .int(outboxID)], on: connection)
            return (summary, fields)
        }
        publishOutbox(id: outboxID, stream: "emoji_tasks", fields: fields)
        return summary
    }

    /// Sends an outbox row the way the gateway does (the same `galley:outbox:sent:{<stream>}:<id>`
    /// marker as `OutboxPublisher.sentKey`, so the gateway's relay never sends it twice; in
    /// the stream's slot, so one script may touch both on a Cluster), then deletes the row.
    /// When Redis is away the row stays and the relay sends it later.
    func publishOutbox(id: Int64, stream: String, fields: [(String, String)]) {
        let script = """
            if redis.call('SET', KEYS[2], '1', 'NX', 'EX', 86400) then \
            return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 2)) \
            else return false end
            """
        do {
            try redis.withConnection { connection in
                var args: [RedisArgument] = [.integer(1_000_000)]
                for (name, value) in fields { args += [.string(name), .string(value)] }
                _ = try connection.eval(script, keys: [stream, AdminOperations.outboxSentKey(id, stream: stream)], args: args)
                    .checked()
            }
            _ = try postgres.withConnection { try $0.execute("DELETE FROM outbox WHERE id = $1", [id]) }
        } catch {
            logger.warning("outbox entry left for the relay", ["outbox_id": String(id), "error": String(describing: error)])
        }
    }

    /// The gateway's outbox marker for row `id` of `stream` (`OutboxPublisher.sentKey`).
    static func outboxSentKey(_ id: Int64, stream: String) -> String {
        "galley:outbox:sent:\(RedisSlot.tag(sameSlotAs: stream) ?? ""):\(id)"
    }

    static func taskSummary(_ row: PostgresRow) throws -> AdminTaskSummary {
        AdminTaskSummary(
            id: try row.decode(Int64.self, "id"), userID: try row.decode(Int64.self, "user_id"),
            status: try row.decode(String.self, "status"), pointsCost: try row.decode(Int.self, "points_cost"),
            drivenID: try row.decode(String.self, "driven_id"), providerTaskID: try row.decode(String?.self, "aliyun_task_id"),
            errorCode: try row.decode(String?.self, "error_code"), errorMessage: try row.decode(String?.self, "error_message"),
            createdAt: try row.decode(Date.self, "created_at"), completedAt: try row.decode(Date?.self, "completed_at"),
            refundedAt: try row.decode(Date?.self, "refunded_at"), hidden: try row.decode(Bool.self, "hidden"))
    }

    static func ledgerRow(_ row: PostgresRow) throws -> AdminLedgerRow {
        AdminLedgerRow(
            id: try row.decode(Int64.self, "id"), kind: try row.decode(String.self, "type"),
            amount: try row.decode(Int.self, "amount"), balanceAfter: try row.decode(Int.self, "balance_after"),
            taskType: try row.decode(String?.self, "task_type"), orderNo: try row.decode(String?.self, "order_no"),
            rewardWeek: try row.decode(String?.self, "reward_week"), reference: try row.decode(String?.self, "ref_key"),
            createdAt: try row.decode(Date.self, "created_at"))
    }
}
