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
    /// Pack purchases resolved to their owner, before ``WebhookApplier`` decides which it credits.
    var packs: [(candidate: BatchCandidate, owner: Int64)] = []
    var packOutcomes: [(Int, WebhookOutcome)] = []
    /// Ledger credits and orders of the packs the batch credits (see ``creditSQL``, ``ordersSQL``).
    var credits: [JSONValue] = []
    var orders: [JSONValue] = []

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

    /// Writes it all, in the one-event path's order: aliases, event rows, subscriptions,
    /// VIP, pack credits and orders. The caller has locked the users (in id order).
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
        if !finished.isEmpty {
            try db.execute(Self.finishSQL, [JSONValue.array(finished)])
        }
        try applier.recomputeSubscriptions(subscriptions, on: db)
        try applier.recomputeVIP(userIDs: Array(subscriptions.map(\.userID)), on: db)
        let stamp = WebhookApplier.milliseconds(applier.now())
        if !credits.isEmpty {
            try db.execute(Self.creditSQL, [JSONValue.array(credits), stamp])
        }
        if !orders.isEmpty {
            try db.execute(Self.ordersSQL, [JSONValue.array(orders), stamp])
        }
    }

    /// The packs' ledger credits, as ``GalleyLedger/Ledger`` writes them: a reference already
    /// written is skipped; each row's `balance_after` adds the user's earlier credits of the batch.
    static let creditSQL = """
        WITH r AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(seq int, ledger_id bigint, user_id bigint, amount int,
                order_no varchar, ref_key varchar, environment varchar)
        ), fresh AS (
            SELECT r.* FROM r WHERE NOT EXISTS (SELECT 1 FROM point_transactions p WHERE p.ref_key = r.ref_key)
        ), acct AS (
            SELECT up.user_id, up.balance FROM user_points up WHERE up.user_id IN (SELECT user_id FROM fresh)
            ORDER BY up.user_id FOR UPDATE
        ), calc AS (
            SELECT fresh.*, acct.balance + sum(fresh.amount) OVER (PARTITION BY fresh.user_id ORDER BY fresh.seq) AS balance_after
            FROM fresh JOIN acct USING (user_id)
        ), upd AS (
            UPDATE user_points up SET balance = t.balance, updated_at = to_timestamp($2 / 1000.0)
            FROM (SELECT user_id, max(balance_after) AS balance FROM calc GROUP BY user_id) t
            WHERE up.user_id = t.user_id
        )
        INSERT INTO point_transactions (id, user_id, type, amount, balance_after, order_no, ref_key, created_at, environment)
        SELECT ledger_id, user_id, 'purchase', amount, balance_after, order_no, ref_key, to_timestamp($2 / 1000.0), environment
        FROM calc ORDER BY user_id, seq
        """

    /// The packs' orders, as ``WebhookApplier/settlePack(transactionID:on:)`` writes a paid one.
    static let ordersSQL = """
        INSERT INTO orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status,
            payment_channel, transaction_id, created_at, paid_at, updated_at, refunded_at, environment)
        SELECT r.id, r.user_id, r.order_no, 'points_pack', r.product_id, 1, r.amount::numeric, r.currency, 'paid',
               'revenuecat', r.order_no, to_timestamp($2 / 1000.0), to_timestamp(r.paid_ms / 1000.0), to_timestamp($2 / 1000.0),
               NULL, r.environment
        FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, user_id bigint, order_no varchar, product_id varchar, amount text,
            currency varchar, paid_ms bigint, environment varchar)
        ORDER BY r.order_no
        ON CONFLICT (order_no) DO UPDATE SET
            user_id = EXCLUDED.user_id, product_id = EXCLUDED.product_id, amount = EXCLUDED.amount,
            currency = EXCLUDED.currency, status = EXCLUDED.status, paid_at = EXCLUDED.paid_at,
            updated_at = EXCLUDED.updated_at, refunded_at = EXCLUDED.refunded_at,
            environment = COALESCE(EXCLUDED.environment, orders.environment)
        """

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
