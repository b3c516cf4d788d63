public import GalleyCore
public import GalleyPostgres
public import GalleyRedis
import GalleyRuntime
import GalleyLedger

/// The `webhook_events` stream handler: an entry names a stored event (`event_id`); the
/// applier does the rest, in one transaction with the other entries in flight (group
/// commit through a `StatementBatcher`). An entry that names nothing throws, so the shared consumer
/// retries it and, after its maximum deliveries, dead-letters it.
public struct WebhookStreamHandler: StreamHandler {
    public let applier: WebhookApplier
    public let pool: PostgresPool
    public let metrics: WebhookMetrics
    private let logger: Logger
    /// Each entry's handler hands its event over and waits; a free batch slot takes every
    /// waiting event into one transaction (``WebhookApplier/applyBatch(eventIDs:pool:)``),
    /// and each handler gets its own event's result.
    private let batcher: StatementBatcher<String, Result<WebhookOutcome, any Error>>

    /// Batches hold up to `maxBatch` events, `maxRunning` of them at once; a `maxBatch` of 1
    /// applies each event in its own transaction.
    public init(applier: WebhookApplier, pool: PostgresPool, metrics: WebhookMetrics = WebhookMetrics(),
                logger: Logger = Logger(label: "webhook"), maxBatch: Int = 128, maxRunning: Int = 3) {
        self.applier = applier
        self.pool = pool
        self.metrics = metrics
        self.logger = logger
        // A few yields let the entries one stream read started together join one batch.
        batcher = StatementBatcher(maxBatch: maxBatch, maxRunning: maxRunning, gatherYields: 4) { eventIDs in
            await applier.applyBatch(eventIDs: eventIDs, pool: pool)
        }
    }

    /// Batches run so far and the events they carried.
    public var batchCounts: (batches: Int, events: Int) {
        let counts = batcher.counts
        return (counts.batches, counts.items)
    }

    public func handle(_ entry: StreamEntry, deliveries: Int) async throws {
        guard let eventID = entry.fields["event_id"], !eventID.isEmpty else {
            throw WebhookError.missingEventID.with(entry.id)
        }
        let outcome = try await batcher.submit(eventID).get()
        guard outcome.status != .notFound else { throw WebhookError.unknownEvent.with(eventID) }
        metrics.record(outcome)
        switch outcome.status {
        case .failed, .parked:
            logger.warning("webhook event not applied", ["event_id": eventID, "outcome": outcome.description])
        default:
            logger.debug("webhook event", ["event_id": eventID, "outcome": outcome.description])
        }
    }

    /// Marks the stored event `failed` (unless it was applied after all), so it shows in
    /// `revenuecat_events` and `replay --parked` picks it up.
    public func settleDeadLetter(_ entry: StreamEntry, deliveries: Int, reason: String) async throws {
        guard let eventID = entry.fields["event_id"], !eventID.isEmpty else { return }
        let failedType = try await pool.withConnection { connection in
            try connection.query(
                """
                UPDATE revenuecat_events SET status = 'failed', reason = $2, updated_at = now()
                WHERE event_id = $1 AND status NOT IN ('processed', 'ignored')
                RETURNING event_type
                """, [eventID, "stream entry dead-lettered: \(reason)"]
            ).first.map { try $0.decode(String.self, at: 0) }
        }
        if let failedType {
            metrics.record(WebhookOutcome(status: .failed, eventType: RevenueCatEventType(failedType).metricLabel, reason: reason))
        }
    }
}
