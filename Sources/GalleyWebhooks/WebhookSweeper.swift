import Foundation
public import GalleyCore
public import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyLedger

/// Re-drives stored events the stream no longer carries: `parked` events whose backoff
/// passed (their user may have logged in since), and `received` events left behind
/// (the gateway stored one but its stream entry was lost). The database row is the
/// truth; the sweep only asks the applier again. Also serves `replay`.
public struct WebhookSweeper: Sendable {
    public let applier: WebhookApplier
    public let pool: PostgresPool
    public let metrics: WebhookMetrics
    /// How often ``run()`` sweeps.
    public var interval: Duration = .seconds(30)
    /// Events taken per query.
    public var batchSize: Int = 200
    /// A `received` event this old without being applied is swept too (its entry is
    /// normally handled within milliseconds; the stream reclaim covers minutes).
    public var staleReceivedSeconds: Int = 600
    private let logger: Logger

    public init(applier: WebhookApplier, pool: PostgresPool, metrics: WebhookMetrics = WebhookMetrics(), logger: Logger = Logger(label: "webhook.sweep")) {
        self.applier = applier
        self.pool = pool
        self.metrics = metrics
        self.logger = logger
    }

    /// Sweeps every ``interval`` until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            do {
                let summary = try await sweepOnce()
                if summary.total > 0 { logger.info("sweep", ["summary": summary.description]) }
                try await refreshWaiting()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("sweep failed; next one retries", ["error": String(describing: error)])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One pass over what is due now (several batches, bounded so a held row cannot spin it).
    public func sweepOnce() async throws -> WebhookReplaySummary {
        var summary = WebhookReplaySummary()
        for _ in 0..<50 {
            let moment = applier.now()
            let limit = batchSize
            let staleBefore = moment.addingTimeInterval(-TimeInterval(staleReceivedSeconds))
            let due = try await pool.withConnection { connection in
                try connection.query(
                    """
                    (SELECT event_id FROM revenuecat_events WHERE status = 'parked' AND next_attempt_at <= $1
                     ORDER BY next_attempt_at LIMIT $3)
                    UNION ALL
                    (SELECT event_id FROM revenuecat_events WHERE status = 'received' AND created_at <= $2
                     ORDER BY created_at LIMIT $3)
                    """, [moment, staleBefore, limit]
                ).map { try $0.decode(String.self, at: 0) }
            }
            var progressed = false
            for eventID in due {
                try Task.checkCancellation()
                let outcome = try await applier.apply(eventID: eventID, mode: .sweep, pool: pool)
                metrics.record(outcome)
                summary.add(outcome)
                if outcome.status != .skipped { progressed = true }
            }
            if due.count < limit || !progressed { break }
        }
        return summary
    }

    /// `replay --event ID`: applies one event now, whatever its backoff; also re-drives an
    /// `ignored` one (after a configuration fix). A `processed` event is left alone.
    public func replay(eventID: String) async throws -> WebhookOutcome {
        let outcome = try await applier.apply(eventID: eventID, mode: .replay, pool: pool)
        metrics.record(outcome)
        return outcome
    }

    /// `replay --parked`: every parked and failed event, now, oldest first.
    public func replayParked() async throws -> WebhookReplaySummary {
        var summary = WebhookReplaySummary()
        var after: Int64 = 0
        while true {
            let cursor = after
            let limit = batchSize
            let batch = try await pool.withConnection { connection in
                try connection.query(
                    """
                    SELECT id, event_id FROM revenuecat_events
                    WHERE status IN ('parked', 'failed') AND id > $1 ORDER BY id LIMIT $2
                    """, [cursor, limit]
                ).map { (try $0.decode(Int64.self, "id"), try $0.decode(String.self, "event_id")) }
            }
            for (id, eventID) in batch {
                try Task.checkCancellation()
                summary.add(try await replay(eventID: eventID))
                after = id
            }
            if batch.count < limit { break }
        }
        return summary
    }

    /// Sets the waiting gauges operators alert on.
    public func refreshWaiting() async throws {
        let counts = try await pool.withConnection { connection in
            try connection.query(
                """
                SELECT count(*) FILTER (WHERE status = 'parked' AND next_attempt_at IS NOT NULL) AS parked,
                       count(*) FILTER (WHERE status = 'parked' AND next_attempt_at IS NULL) AS gave_up,
                       count(*) FILTER (WHERE status = 'failed') AS failed
                FROM revenuecat_events WHERE status IN ('parked', 'failed')
                """
            ).first.map { (try $0.decode(Int.self, "parked"), try $0.decode(Int.self, "gave_up"), try $0.decode(Int.self, "failed")) }
        }
        if let counts { metrics.setWaiting(parked: counts.0, gaveUp: counts.1, failed: counts.2) }
    }
}
