public import Foundation
import GalleyCore
import GalleyPostgres

/// The set-based forms of ``EmojiTaskStore/claim(taskID:worker:lease:)``,
/// ``EmojiTaskStore/recordSubmission(taskID:worker:providerTaskID:providerStatus:lease:)``
/// and ``EmojiTaskStore/complete(taskID:resultURL:providerStatus:)``: the same
/// conditions row by row, one statement for many tasks (``EmojiTaskBatches``).
extension EmojiTaskStore {
    /// Claims every task of `taskIDs` (distinct) for `worker`; one outcome per id, in order.
    /// One UPDATE, plus one SELECT only when some task was not claimed.
    public func claim(taskIDs: [Int64], worker: String, lease: Duration) async throws -> [ClaimOutcome] {
        if taskIDs.isEmpty { return [] }
        return try await pool.withConnection { connection in
            let claimed = try connection.query("""
                UPDATE emoji_tasks
                SET status = 'processing', started_at = COALESCE(started_at, now()), updated_at = now(),
                    worker = $2, worker_lease_until = now() + make_interval(secs => $3::double precision)
                WHERE id = ANY($1::bigint[]) AND status IN ('pending', 'processing')
                  AND (worker_lease_until IS NULL OR worker_lease_until < now() OR worker = $2)
                RETURNING \(EmojiTaskStore.returning)
                """, [taskIDs, worker, lease.seconds])
            var outcomes: [Int64: ClaimOutcome] = [:]
            outcomes.reserveCapacity(taskIDs.count)
            for row in claimed.rows {
                let record = try EmojiTaskStore.record(row)
                outcomes[record.id] = .claimed(record)
            }
            let missing = taskIDs.filter { outcomes[$0] == nil }
            if !missing.isEmpty {
                let found = try connection.query("""
                    SELECT id, status, EXTRACT(EPOCH FROM (worker_lease_until - now()))::double precision AS remaining
                    FROM emoji_tasks WHERE id = ANY($1::bigint[])
                    """, [missing])
                for row in found.rows {
                    let id = try row.decode(Int64.self, "id")
                    let status = try row.decode(String.self, "status")
                    if EmojiTaskRecord.terminalStatuses.contains(status) {
                        outcomes[id] = .terminal(status: status)
                    } else {
                        let remaining = max(0, try row.decode(Double?.self, "remaining") ?? 0)
                        outcomes[id] = .leasedElsewhere(remaining: .milliseconds(Int64(remaining * 1000)))
                    }
                }
            }
            return taskIDs.map { outcomes[$0] ?? .notFound }
        }
    }

    /// One provider submission to store (``recordSubmissions(_:worker:lease:)``).
    public struct Submission: Sendable, Hashable {
        public var taskID: Int64
        public var providerTaskID: String
        public var providerStatus: String

        public init(taskID: Int64, providerTaskID: String, providerStatus: String) {
            self.taskID = taskID
            self.providerTaskID = providerTaskID
            self.providerStatus = providerStatus
        }
    }

    /// Stores the provider task ids of several submissions in one UPDATE; per submission
    /// its `submitted_at`, or nil when the lease was lost meanwhile.
    public func recordSubmissions(_ submissions: [Submission], worker: String, lease: Duration) async throws -> [Date?] {
        if submissions.isEmpty { return [] }
        return try await pool.withConnection { connection in
            let result = try connection.query("""
                UPDATE emoji_tasks t
                SET aliyun_task_id = v.provider_task_id, provider_status = v.provider_status, submitted_at = now(),
                    updated_at = now(), worker_lease_until = now() + make_interval(secs => $5::double precision)
                FROM unnest($1::bigint[], $2::varchar[], $3::varchar[]) AS v(id, provider_task_id, provider_status)
                WHERE t.id = v.id AND t.worker = $4 AND t.status = 'processing' AND t.aliyun_task_id IS NULL
                RETURNING t.id, t.submitted_at
                """, [submissions.map(\.taskID), submissions.map { String($0.providerTaskID.prefix(128)) },
                      submissions.map { String($0.providerStatus.prefix(32)) }, worker, lease.seconds])
            var stored: [Int64: Date] = [:]
            for row in result.rows {
                stored[try row.decode(Int64.self, "id")] = try row.decode(Date.self, "submitted_at")
            }
            return submissions.map { stored[$0.taskID] }
        }
    }

    /// One finished task to mark `completed` (``complete(_:)``).
    public struct Completion: Sendable, Hashable {
        public var taskID: Int64
        public var resultURL: String
        public var providerStatus: String

        public init(taskID: Int64, resultURL: String, providerStatus: String = "SUCCEEDED") {
            self.taskID = taskID
            self.resultURL = resultURL
            self.providerStatus = providerStatus
        }
    }

    /// Marks several tasks `completed` in one UPDATE; per task, false when it was terminal already.
    public func complete(_ completions: [Completion]) async throws -> [Bool] {
        if completions.isEmpty { return [] }
        return try await pool.withConnection { connection in
            let result = try connection.query("""
                UPDATE emoji_tasks t
                SET status = 'completed', result_url = v.result_url, provider_status = v.provider_status, completed_at = now(),
                    updated_at = now(), error_code = NULL, error_message = NULL, worker_lease_until = NULL
                FROM unnest($1::bigint[], $2::varchar[], $3::varchar[]) AS v(id, result_url, provider_status)
                WHERE t.id = v.id AND t.status IN ('pending', 'processing')
                RETURNING t.id
                """, [completions.map(\.taskID), completions.map { String($0.resultURL.prefix(512)) },
                      completions.map { String($0.providerStatus.prefix(32)) }])
            let done = Set(try result.rows.map { try $0.decode(Int64.self, "id") })
            return completions.map { done.contains($0.taskID) }
        }
    }
}
