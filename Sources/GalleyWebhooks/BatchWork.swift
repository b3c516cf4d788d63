import Foundation
import GalleyCore
import GalleyPostgres

/// What a batch of webhook events writes at its end, each kind in one statement: the
/// aliases remembered, the users locked, the event rows finished, the subscriptions
/// recomputed and the users' VIP columns.
struct BatchWork {
    var candidates: [BatchCandidate] = []
    /// Event rows to finish, as `jsonb_to_recordset` records (see ``finishSQL``).
    var finished: [JSONValue] = []
    /// RevenueCat id → our user, where this batch lowers or creates the mapping.
    var aliases: [String: Int64] = [:]
    var users = Set<Int64>()
    var subscriptions = Set<SubscriptionKey>()

    /// ``WebhookApplier/finish(_:_:reason:facts:nextAttemptAt:on:)``, written at the batch's end.
    mutating func finish(
        _ row: WebhookApplier.EventRow, _ status: WebhookOutcome.Status, reason: String?,
        facts: WebhookApplier.AppliedFacts?, nextAttemptAt: Date? = nil, now: Date
    ) -> WebhookOutcome {
        finished.append([
            "id": .int(row.id), "status": .string(status.rawValue), "reason": JSONValue(reason.map(WebhookApplier.clipped)),
            "next_ms": JSONValue(nextAttemptAt.map(WebhookApplier.milliseconds)), "stamp_ms": .int(WebhookApplier.milliseconds(now)),
            "user_id": JSONValue(facts?.userID), "kind": JSONValue(facts?.kind),
            "product_id": JSONValue(facts?.productID.map { String($0.prefix(128)) }),
            "transaction_id": JSONValue(facts?.transactionID.map { String($0.prefix(128)) }),
            "rc_ids": facts.map { .array($0.customerIDs.map { .string(String($0.prefix(255))) }) } ?? .null,
            "ts": JSONValue(facts?.timestampMs),
        ])
        return WebhookOutcome(status: status, eventType: row.label, reason: reason)
    }

    /// ``WebhookApplier/park(_:facts:on:)``, written at the batch's end.
    mutating func park(
        _ row: WebhookApplier.EventRow, facts: WebhookApplier.AppliedFacts, configuration: WebhookApplierConfiguration, now: Date
    ) -> WebhookOutcome {
        let attempts = row.attempts + 1
        var unowned = facts
        unowned.userID = nil
        unowned.kind = nil
        if attempts >= configuration.maxParkAttempts {
            return finish(row, .parked, reason: "user not found after \(attempts) attempts", facts: unowned, now: now)
        }
        let next = now.addingTimeInterval(TimeInterval(configuration.backoffSeconds(afterAttempt: attempts)))
        return finish(row, .parked, reason: "user not found", facts: unowned, nextAttemptAt: next, now: now)
    }

    /// Writes it all, in the one-event path's order: aliases, user locks (in id order),
    /// event rows, subscriptions, VIP.
    func write(applier: WebhookApplier, on db: PostgresConnection) throws {
        if !aliases.isEmpty {
            let pairs = aliases.sorted { $0.key < $1.key }
            try db.execute(
                """
                INSERT INTO revenuecat_aliases (app_user_id, user_id)
                SELECT * FROM unnest($1::varchar[], $2::bigint[])
                ON CONFLICT (app_user_id) DO UPDATE SET user_id = EXCLUDED.user_id
                WHERE EXCLUDED.user_id < revenuecat_aliases.user_id
                """, [pairs.map(\.key), pairs.map(\.value)])
        }
        try applier.lockUsers(Array(users), on: db)
        if !finished.isEmpty {
            try db.execute(Self.finishSQL, [JSONValue.array(finished)])
        }
        try applier.recomputeSubscriptions(subscriptions, on: db)
        try applier.recomputeVIP(userIDs: Array(users), on: db)
    }

    /// The set-based ``WebhookApplier/finish(_:_:reason:facts:nextAttemptAt:on:)``.
    static let finishSQL = """
        UPDATE revenuecat_events e
        SET status = r.status, reason = r.reason, attempts = e.attempts + 1, next_attempt_at = to_timestamp(r.next_ms / 1000.0),
            processed_at = CASE WHEN r.status IN ('processed', 'ignored') THEN to_timestamp(r.stamp_ms / 1000.0) ELSE e.processed_at END,
            updated_at = to_timestamp(r.stamp_ms / 1000.0), user_id = r.user_id, applied_kind = r.kind,
            product_id = r.product_id, transaction_id = r.transaction_id,
            rc_ids = COALESCE(r.rc_ids, e.rc_ids), event_timestamp_ms = COALESCE(e.event_timestamp_ms, r.ts)
        FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, status varchar, reason text, next_ms bigint, stamp_ms bigint,
            user_id bigint, kind varchar, product_id varchar, transaction_id varchar, rc_ids varchar[], ts bigint)
        WHERE e.id = r.id
        """
}
