public import GalleyCore
public import GalleyPostgres
public import GalleyRedis
import GalleyRuntime
import GalleyLedger

/// The `webhook_events` stream handler: an entry names a stored event (`event_id`); the
/// applier does the rest in one transaction. An entry that names nothing throws, so the
/// shared consumer retries it and, after its maximum deliveries, dead-letters it.
public struct WebhookStreamHandler: StreamHandler {
    public let applier: WebhookApplier
    public let pool: PostgresPool
    public let metrics: WebhookMetrics
    private let logger: Logger

    public init(applier: WebhookApplier, pool: PostgresPool, metrics: WebhookMetrics = WebhookMetrics(), logger: Logger = Logger(label: "webhook")) {
        self.applier = applier
        self.pool = pool
        self.metrics = metrics
        self.logger = logger
    }

    public func handle(_ entry: StreamEntry, deliveries: Int) async throws {
        guard let eventID = entry.fields["event_id"], !eventID.isEmpty else {
            throw WebhookError.missingEventID.with(entry.id)
        }
        let outcome = try await applier.apply(eventID: eventID, mode: .delivery, pool: pool)
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
