public import Foundation
public import GalleyCore
public import GalleyPostgres
public import GalleyRedis
public import GalleyRuntime

/// The webhook worker's lost entries: stored events still `received` before a cutoff
/// with no outbox row left go back to `webhook_events` (the applier is idempotent per
/// event). The sweeper's direct apply of stale `received` events stays the last net.
public enum WebhookReconcileSource {
    public static let stream = "webhook_events"
    public static let group = "webhook_worker"

    public static func lostReceived(pool: PostgresPool, before cutoff: Date, limit: Int) async throws -> [ReconcileCandidate] {
        try await pool.withConnection { connection in
            try connection.query("""
                SELECT e.event_id, e.created_at FROM revenuecat_events e
                WHERE e.status = 'received' AND e.created_at < $1
                  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.stream = 'webhook_events' AND o.fields->>'event_id' = e.event_id)
                ORDER BY e.created_at LIMIT $2
                """, [cutoff, limit]).rows.map { row in
                let eventID = try row.decode(String.self, "event_id")
                return ReconcileCandidate(key: eventID, createdAt: try row.decode(Date.self, "created_at"), fields: [("event_id", eventID)])
            }
        }
    }

    public static func reconciler(pool: PostgresPool, after: Duration, redis: RedisPool, logger: Logger) -> StreamReconciler {
        StreamReconciler(stream: stream, group: group, after: after, redis: redis, logger: logger) { cutoff, limit in
            try await lostReceived(pool: pool, before: cutoff, limit: limit)
        }
    }
}
