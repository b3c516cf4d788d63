public import Foundation
import GalleyCore
public import GalleyPostgres
import GalleyRedis
import GalleyStorage
import GalleyRuntime
public import GalleyLedger

/// The worker's SQL on `emoji_tasks`. Every write is conditional on the row's status
/// (and, for the costly steps, on holding the lease), so running any step twice, or
/// from two workers, changes nothing the second time.
public struct EmojiTaskStore: Sendable {
    /// What taking a task's lease found.
    public enum ClaimOutcome: Sendable, Hashable {
        /// The lease is ours and the task is `processing`.
        case claimed(EmojiTaskRecord)
        /// `completed` or `failed` already: nothing to do.
        case terminal(status: String)
        /// Another live worker holds the lease for about this long still.
        case leasedElsewhere(remaining: Duration)
        case notFound
    }

    /// What failing a task did.
    public enum FailOutcome: Sendable, Hashable {
        /// Failed now; `refunded` says whether this call moved the points back (false when
        /// the task cost nothing or someone refunded it already under the same reference).
        case failed(refunded: Bool)
        case alreadyTerminal(status: String)
        /// Left alone: another live worker holds it (only for `unlessLeasedByOthers`).
        case leasedElsewhere
        case notFound
    }

    public let pool: PostgresPool
    public let ledger: Ledger

    public init(pool: PostgresPool, ledger: Ledger) {
        self.pool = pool
        self.ledger = ledger
    }

    /// The ledger reference of a task's refund, shared with the gateway's cancellation so a
    /// task is refunded once whoever refunds it.
    public static func refundReference(taskID: Int64) -> String { "refund:task:\(taskID)" }

    static let returning = """
        id, user_id, status, points_cost, source_image_url, driven_id, detect_result, aliyun_task_id,
        provider_status, submitted_at, created_at
        """

    /// Marks the task `processing` and takes (or renews) its lease for `worker`, unless it
    /// is terminal or another worker's lease is still running.
    public func claim(taskID: Int64, worker: String, lease: Duration) async throws -> ClaimOutcome {
        try await pool.withConnection { connection in
            let claimed = try connection.query("""
                UPDATE emoji_tasks
                SET status = 'processing', started_at = COALESCE(started_at, now()), updated_at = now(),
                    worker = $2, worker_lease_until = now() + make_interval(secs => $3::double precision)
                WHERE id = $1 AND status IN ('pending', 'processing')
                  AND (worker_lease_until IS NULL OR worker_lease_until < now() OR worker = $2)
                RETURNING \(EmojiTaskStore.returning)
                """, [taskID, worker, lease.seconds])
            if let row = claimed.rows.first { return .claimed(try EmojiTaskStore.record(row)) }
            let found = try connection.query("""
                SELECT status, EXTRACT(EPOCH FROM (worker_lease_until - now()))::double precision AS remaining
                FROM emoji_tasks WHERE id = $1
                """, [taskID])
            guard let row = found.rows.first else { return .notFound }
            let status = try row.decode(String.self, "status")
            if EmojiTaskRecord.terminalStatuses.contains(status) { return .terminal(status: status) }
            let remaining = max(0, try row.decode(Double?.self, "remaining") ?? 0)
            return .leasedElsewhere(remaining: .milliseconds(Int64(remaining * 1000)))
        }
    }

    /// Renews the lease right before a submission and says whether the task may still be
    /// submitted by `worker`: still ours, still `processing`, no provider task id yet.
    public func confirmSubmission(taskID: Int64, worker: String, lease: Duration) async throws -> Bool {
        try await pool.withConnection { connection in
            try connection.execute("""
                UPDATE emoji_tasks SET worker_lease_until = now() + make_interval(secs => $3::double precision)
                WHERE id = $1 AND worker = $2 AND status = 'processing' AND aliyun_task_id IS NULL
                """, [taskID, worker, lease.seconds]) == 1
        }
    }

    /// Stores the provider's task id before any poll, so a restart resumes polling instead
    /// of paying for a second generation. Returns `submitted_at`, or nil when the lease
    /// was lost meanwhile (another worker took the task over).
    public func recordSubmission(taskID: Int64, worker: String, providerTaskID: String, providerStatus: String, lease: Duration) async throws -> Date? {
        try await pool.withConnection { connection in
            let result = try connection.query("""
                UPDATE emoji_tasks
                SET aliyun_task_id = $3, provider_status = $4, submitted_at = now(), updated_at = now(),
                    worker_lease_until = now() + make_interval(secs => $5::double precision)
                WHERE id = $1 AND worker = $2 AND status = 'processing' AND aliyun_task_id IS NULL
                RETURNING submitted_at
                """, [taskID, worker, String(providerTaskID.prefix(128)), String(providerStatus.prefix(32)), lease.seconds])
            return try result.rows.first?.decode(Date.self, "submitted_at")
        }
    }

    /// Marks the task `completed` with its stored result. False when it was terminal already.
    @discardableResult
    public func complete(taskID: Int64, resultURL: String, providerStatus: String = "SUCCEEDED") async throws -> Bool {
        try await pool.withConnection { connection in
            try connection.execute("""
                UPDATE emoji_tasks
                SET status = 'completed', result_url = $2, provider_status = $3, completed_at = now(), updated_at = now(),
                    error_code = NULL, error_message = NULL, worker_lease_until = NULL
                WHERE id = $1 AND status IN ('pending', 'processing')
                """, [taskID, String(resultURL.prefix(512)), String(providerStatus.prefix(32))]) == 1
        }
    }

    /// Marks the task `failed` with the provider's code and message and refunds its points
    /// through the ledger, in one transaction: the refund happens exactly once, whoever
    /// (this worker, another, the gateway's cancellation) gets there first.
    ///
    /// With `unlessLeasedByOthers` (dead-lettering), a task whose lease another live
    /// worker holds is left to that worker.
    public func fail(taskID: Int64, code: String, message: String, providerStatus: String?,
                     unlessLeasedByOthers worker: String? = nil) async throws -> FailOutcome {
        let ledger = self.ledger
        return try await pool.withTransaction { connection in
            let failed = try connection.query("""
                UPDATE emoji_tasks
                SET status = 'failed', error_code = $2, error_message = $3,
                    provider_status = COALESCE($4, provider_status), completed_at = now(), updated_at = now(),
                    worker_lease_until = NULL
                WHERE id = $1 AND status IN ('pending', 'processing')
                  AND ($5::varchar IS NULL OR worker_lease_until IS NULL OR worker_lease_until < now() OR worker = $5::varchar)
                RETURNING user_id, points_cost
                """, [taskID, String(code.prefix(64)), message, providerStatus.map { String($0.prefix(32)) }, worker])
            guard let row = failed.rows.first else {
                let found = try connection.query("SELECT status FROM emoji_tasks WHERE id = $1", [taskID])
                guard let status = try found.rows.first?.decode(String.self, "status") else { return .notFound }
                if EmojiTaskRecord.terminalStatuses.contains(status) { return .alreadyTerminal(status: status) }
                return .leasedElsewhere
            }
            let userID = try row.decode(Int64.self, "user_id")
            let cost = try row.decode(Int.self, "points_cost")
            guard cost > 0 else { return .failed(refunded: false) }
            let outcome = try ledger.apply(LedgerEntry(
                userID: userID, amount: cost, kind: .refund, taskType: "emoji",
                reference: EmojiTaskStore.refundReference(taskID: taskID)), on: connection)
            try connection.execute(
                "UPDATE emoji_tasks SET refunded_at = COALESCE(refunded_at, now()) WHERE id = $1", [taskID])
            if case .applied = outcome { return .failed(refunded: true) }
            return .failed(refunded: false)
        }
    }

    /// Gives the lease up (shutdown), so another worker resumes the task at once.
    public func releaseLease(taskID: Int64, worker: String) async throws {
        try await pool.withConnection { connection in
            try connection.execute("""
                UPDATE emoji_tasks SET worker_lease_until = now()
                WHERE id = $1 AND worker = $2 AND status = 'processing'
                """, [taskID, worker])
        }
    }

    /// Extends the leases of the tasks `worker` is working on, in one statement; returns
    /// the ids it still holds.
    public func renewLeases(taskIDs: [Int64], worker: String, lease: Duration) async throws -> Set<Int64> {
        if taskIDs.isEmpty { return [] }
        return try await pool.withConnection { connection in
            let result = try connection.query("""
                UPDATE emoji_tasks SET worker_lease_until = now() + make_interval(secs => $3::double precision)
                WHERE id = ANY($1::bigint[]) AND worker = $2 AND status = 'processing'
                RETURNING id
                """, [taskIDs, worker, lease.seconds])
            return Set(try result.rows.map { try $0.decode(Int64.self, "id") })
        }
    }

    /// `processing` tasks whose lease ran out `idleFor` ago and that nobody picked up since:
    /// their stream entry is gone (acked by a worker that lost the race, or trimmed).
    public func abandoned(idleFor: Duration, limit: Int) async throws -> [EmojiTaskRecord] {
        try await pool.withConnection { connection in
            try connection.query("""
                SELECT \(EmojiTaskStore.returning) FROM emoji_tasks
                WHERE status = 'processing' AND worker_lease_until < now() - make_interval(secs => $1::double precision)
                ORDER BY worker_lease_until LIMIT $2
                """, [idleFor.seconds, limit]).rows.map(EmojiTaskStore.record)
        }
    }

    /// Marks a swept task as re-enqueued (its lapsed lease restarts from now), unless another
    /// sweeper or a worker got to it first; true when the caller should enqueue it.
    public func markRequeued(taskID: Int64, idleFor: Duration) async throws -> Bool {
        try await pool.withConnection { connection in
            try connection.execute("""
                UPDATE emoji_tasks SET worker_lease_until = now(), updated_at = now()
                WHERE id = $1 AND status = 'processing'
                  AND worker_lease_until < now() - make_interval(secs => $2::double precision)
                """, [taskID, idleFor.seconds]) == 1
        }
    }

    static func record(_ row: PostgresRow) throws -> EmojiTaskRecord {
        EmojiTaskRecord(
            id: try row.decode(Int64.self, "id"),
            userID: try row.decode(Int64.self, "user_id"),
            status: try row.decode(String.self, "status"),
            pointsCost: try row.decode(Int.self, "points_cost"),
            sourceImageURL: try row.decode(String.self, "source_image_url"),
            drivenID: try row.decode(String.self, "driven_id"),
            detectResult: try row.decode(JSONValue?.self, "detect_result"),
            providerTaskID: try row.decode(String?.self, "aliyun_task_id"),
            providerStatus: try row.decode(String?.self, "provider_status"),
            submittedAt: try row.decode(Date?.self, "submitted_at"),
            createdAt: try row.decode(Date.self, "created_at"))
    }
}
