import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyLedger

extension WebhookApplier {
    /// INITIAL_PURCHASE … EXPIRATION of a VIP product: recorded on the owner (after any
    /// TRANSFER), then the owner's row for that product is recomputed from all its events.
    func applySubscriptionEvent(
        _ event: RevenueCatEvent, plan: VipType, row: EventRow, facts: AppliedFacts, on db: PostgresConnection
    ) throws -> WebhookOutcome {
        guard let productID = facts.productID else { return try finish(row, .ignored, reason: "event has no product_id", facts: facts, on: db) }
        // Aliases are learned from the customer's own ids (before any TRANSFER), so what
        // is learned does not depend on whether the transfer arrived first.
        let owner = try resolveOwner(customerIDs: facts.customerIDs, at: event.timestampMs, on: db)
        let base: Int64?
        if let owner, !owner.viaTransfer { base = owner.userID } else { base = try resolveUser(facts.customerIDs, on: db) }
        if let base { try rememberAliases(facts.customerIDs, of: base, on: db) }
        guard let owner else { return try park(row, facts: facts, on: db) }
        try lockUsers([owner.userID], on: db)
        var applied = facts
        applied.userID = owner.userID
        applied.kind = "subscription"
        let outcome = try finish(row, .processed, facts: applied, on: db)
        try recomputeSubscription(userID: owner.userID, productID: productID, on: db)
        try recomputeVIP(userIDs: [owner.userID], on: db)
        return outcome
    }

    /// Rewrites one subscription row from the set of its processed events. A row Galley
    /// computed whose events all moved away (TRANSFER) is deleted; rows the original wrote
    /// (`last_event_ms` NULL) are only ever overwritten by events, never deleted.
    func recomputeSubscription(userID: Int64, productID: String, on db: PostgresConnection) throws {
        let rows = try db.query(
            """
            SELECT event_id, payload, \(Self.orderKeySQL) AS order_key_ms FROM revenuecat_events
            WHERE applied_kind = 'subscription' AND status = 'processed' AND user_id = $1 AND product_id = $2
            """, [userID, productID])
        var events: [RevenueCatEvent] = []
        for row in rows {
            guard let payload = try row.decode(JSONValue?.self, "payload") else { continue }
            do {
                events.append(try RevenueCatEvent(payload: payload, fallbackTimestampMs: try row.decode(Int64?.self, "order_key_ms")))
            } catch {
                logger.error("processed webhook event no longer parses", ["event_id": try row.decode(String.self, "event_id")])
            }
        }
        guard !events.isEmpty else {
            try db.execute(
                "DELETE FROM subscriptions WHERE user_id = $1 AND product_id = $2 AND last_event_ms IS NOT NULL",
                [userID, productID])
            return
        }
        events.sort { ($0.timestampMs, $0.id) < ($1.timestampMs, $1.id) }
        var state = SubscriptionState(plan: businessConfig().subscriptionPlan(productID))
        for event in events { state.apply(event) }

        let stamp = now()
        try db.execute(
            """
            INSERT INTO subscriptions (id, user_id, rc_subscriber_id, product_id, plan_type, status, will_renew,
                current_period_start, current_period_end, cancelled_at, created_at, updated_at,
                last_event_ms, original_transaction_id, store, environment)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15)
            ON CONFLICT (user_id, product_id) DO UPDATE SET
                rc_subscriber_id = EXCLUDED.rc_subscriber_id, plan_type = EXCLUDED.plan_type,
                status = EXCLUDED.status, will_renew = EXCLUDED.will_renew,
                current_period_start = EXCLUDED.current_period_start,
                current_period_end = EXCLUDED.current_period_end, cancelled_at = EXCLUDED.cancelled_at,
                updated_at = EXCLUDED.updated_at, last_event_ms = EXCLUDED.last_event_ms,
                original_transaction_id = EXCLUDED.original_transaction_id,
                store = EXCLUDED.store, environment = EXCLUDED.environment
            """,
            [
                ids.next(), userID, String((state.subscriberID ?? String(userID)).prefix(128)), productID,
                state.plan.rawValue, state.status, state.willRenew,
                state.periodStartMs.map(Self.date), state.currentPeriodEndMs.map(Self.date), state.cancelledAtMs.map(Self.date),
                stamp, state.lastEventMs, state.originalTransactionID.map { String($0.prefix(128)) },
                state.store.map { String($0.prefix(32)) }, state.environment.map { String($0.prefix(16)) },
            ])
    }

    /// `users.is_vip`, `vip_type` and `vip_expire_time` from the user's subscriptions: VIP
    /// while one is not expired and its period has not ended (a lifetime plan never ends).
    /// One statement, written only when a value changes.
    func recomputeVIP(userIDs: [Int64], on db: PostgresConnection) throws {
        let moment = now()
        for userID in Set(userIDs).sorted() {
            try db.execute(
                """
                WITH s AS (
                    SELECT COALESCE(bool_or(current_period_end IS NULL AND plan_type = 'lifetime')
                                    FILTER (WHERE status <> 'expired'), false) AS lifetime,
                           max(current_period_end) FILTER (WHERE status <> 'expired' AND current_period_end > $2) AS best_end,
                           (array_agg(plan_type ORDER BY current_period_end DESC, plan_type)
                                FILTER (WHERE status <> 'expired' AND current_period_end > $2))[1] AS best_plan
                    FROM subscriptions WHERE user_id = $1
                ), v AS (
                    SELECT lifetime OR best_end IS NOT NULL AS is_vip,
                           CASE WHEN lifetime THEN 'lifetime' ELSE best_plan END AS vip_type,
                           CASE WHEN lifetime THEN NULL ELSE best_end END AS vip_expire_time
                    FROM s
                )
                UPDATE users u SET is_vip = v.is_vip, vip_type = v.vip_type, vip_expire_time = v.vip_expire_time, updated_at = $2
                FROM v
                WHERE u.id = $1
                  AND (u.is_vip, u.vip_type, u.vip_expire_time) IS DISTINCT FROM (v.is_vip, v.vip_type, v.vip_expire_time)
                """, [userID, moment])
        }
    }

    /// Milliseconds since 1970 as a `timestamptz` bind (exact to the millisecond).
    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}
