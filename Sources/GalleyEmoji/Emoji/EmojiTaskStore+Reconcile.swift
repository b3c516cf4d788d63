public import Foundation
public import GalleyCore
import GalleyPostgres
public import GalleyRedis
public import GalleyRuntime

extension EmojiTaskStore {
    /// `pending` tasks created before `cutoff` with no outbox row left (their entry was
    /// sent, or never written), oldest first, as the entries the gateway writes.
    public func lostPending(before cutoff: Date, limit: Int) async throws -> [ReconcileCandidate] {
        try await pool.withConnection { connection in
            try connection.query("""
                SELECT \(EmojiTaskStore.returning) FROM emoji_tasks t
                WHERE t.status = 'pending' AND t.created_at < $1
                  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.stream = 'emoji_tasks' AND o.fields->>'task_id' = t.id::text)
                ORDER BY t.created_at LIMIT $2
                """, [cutoff, limit]).rows.map { row in
                let task = try EmojiTaskStore.record(row)
                return ReconcileCandidate(key: String(task.id), createdAt: task.createdAt, fields: EmojiTaskStore.entryFields(task))
            }
        }
    }

    /// The `emoji_tasks` entry of a task, as the contract's producer writes it.
    static func entryFields(_ task: EmojiTaskRecord) -> [(String, String)] {
        [
            ("task_id", String(task.id)), ("user_id", String(task.userID)), ("image_url", task.sourceImageURL),
            ("driven_id", task.drivenID), ("detect_result", task.detectResult.map(JSONWriter.string) ?? "null"),
        ]
    }

    /// The reconciler of the emoji worker: lost `pending` tasks go back to `emoji_tasks`.
    public func reconciler(after: Duration, redis: RedisPool, logger: Logger) -> StreamReconciler {
        StreamReconciler(stream: EmojiWorkerConfiguration.stream, group: EmojiWorkerConfiguration.group, after: after,
                         redis: redis, logger: logger) { cutoff, limit in
            try await self.lostPending(before: cutoff, limit: limit)
        }
    }
}
