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

    /// Rewrites one subscription row from the set of its processed events.
    func recomputeSubscription(userID: Int64, productID: String, on db: PostgresConnection) throws {
        try recomputeSubscriptions([SubscriptionKey(userID: userID, productID: productID)], on: db)
    }

    /// Rewrites subscription rows from the sets of their processed events: one read of
    /// the events of all `keys`, one upsert of all rows. A row Galley computed whose events
    /// all moved away (TRANSFER) is deleted; rows the original wrote (`last_event_ms` NULL)
    /// are only ever overwritten by events, never deleted.
    func recomputeSubscriptions(_ keys: Set<SubscriptionKey>, on db: PostgresConnection) throws {
        guard !keys.isEmpty else { return }
        let rows = try db.query(
            """
            SELECT user_id, product_id, event_id, status, payload, \(Self.orderKeySQL) AS order_key_ms FROM revenuecat_events
            WHERE applied_kind = 'subscription' AND user_id = ANY($1::bigint[]) AND product_id = ANY($2::varchar[])
            """, [Array(Set(keys.map(\.userID))), Array(Set(keys.map(\.productID)))])
        var events: [SubscriptionKey: [RevenueCatEvent]] = [:]
        for row in rows {
            let key = SubscriptionKey(userID: try row.decode(Int64.self, "user_id"), productID: try row.decode(String.self, "product_id"))
            // The status is checked here, not in SQL: a planner whose statistics predate the
            // load (few rows `processed` yet) would walk the status index instead of the user's.
            guard keys.contains(key), try row.decode(String.self, "status") == "processed",
                  let payload = try row.decode(JSONValue?.self, "payload") else { continue }
            do {
                events[key, default: []].append(
                    try RevenueCatEvent(payload: payload, fallbackTimestampMs: try row.decode(Int64?.self, "order_key_ms")))
            } catch {
                logger.error("processed webhook event no longer parses", ["event_id": try row.decode(String.self, "event_id")])
            }
        }
        let stampMs = Self.milliseconds(now())
        var upserts: [JSONValue] = []
        for key in keys.sorted(by: { ($0.userID, $0.productID) < ($1.userID, $1.productID) }) {
            guard var list = events[key], !list.isEmpty else {
                try db.execute(
                    "DELETE FROM subscriptions WHERE user_id = $1 AND product_id = $2 AND last_event_ms IS NOT NULL",
                    [key.userID, key.productID])
                continue
            }
            list.sort { ($0.timestampMs, $0.id) < ($1.timestampMs, $1.id) }
            var state = SubscriptionState(plan: businessConfig().subscriptionPlan(key.productID))
            for event in list { state.apply(event) }
            upserts.append([
                "id": .int(ids.next()), "user_id": .int(key.userID),
                "rc_subscriber_id": .string(String((state.subscriberID ?? String(key.userID)).prefix(128))),
                "product_id": .string(key.productID), "plan_type": .string(state.plan.rawValue), "status": .string(state.status),
                "will_renew": .bool(state.willRenew), "start_ms": JSONValue(state.periodStartMs),
                "end_ms": JSONValue(state.currentPeriodEndMs), "cancelled_ms": JSONValue(state.cancelledAtMs),
                "stamp_ms": .int(stampMs), "last_event_ms": JSONValue(state.lastEventMs),
                "original_transaction_id": JSONValue(state.originalTransactionID.map { String($0.prefix(128)) }),
                "store": JSONValue(state.store.map { String($0.prefix(32)) }),
                "environment": JSONValue(state.environment.map { String($0.prefix(16)) }),
            ])
        }
        guard !upserts.isEmpty else { return }
        try db.execute(Self.upsertSubscriptionsSQL, [JSONValue.array(upserts)])
    }

    /// Writes the rows `recomputeSubscriptions` computed, in key order (one statement).
    static let upsertSubscriptionsSQL = """
        INSERT INTO subscriptions (id, user_id, rc_subscriber_id, product_id, plan_type, status, will_renew,
            current_period_start, current_period_end, cancelled_at, created_at, updated_at,
            last_event_ms, original_transaction_id, store, environment)
        SELECT r.id, r.user_id, r.rc_subscriber_id, r.product_id, r.plan_type, r.status, r.will_renew,
               to_timestamp(r.start_ms / 1000.0), to_timestamp(r.end_ms / 1000.0), to_timestamp(r.cancelled_ms / 1000.0),
               to_timestamp(r.stamp_ms / 1000.0), to_timestamp(r.stamp_ms / 1000.0),
               r.last_event_ms, r.original_transaction_id, r.store, r.environment
        FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, user_id bigint, rc_subscriber_id varchar, product_id varchar,
            plan_type varchar, status varchar, will_renew boolean, start_ms bigint, end_ms bigint, cancelled_ms bigint,
            stamp_ms bigint, last_event_ms bigint, original_transaction_id varchar, store varchar, environment varchar)
        ORDER BY r.user_id, r.product_id
        ON CONFLICT (user_id, product_id) DO UPDATE SET
            rc_subscriber_id = EXCLUDED.rc_subscriber_id, plan_type = EXCLUDED.plan_type,
            status = EXCLUDED.status, will_renew = EXCLUDED.will_renew,
            current_period_start = EXCLUDED.current_period_start,
            current_period_end = EXCLUDED.current_period_end, cancelled_at = EXCLUDED.cancelled_at,
            updated_at = EXCLUDED.updated_at, last_event_ms = EXCLUDED.last_event_ms,
            original_transaction_id = EXCLUDED.original_transaction_id,
            store = EXCLUDED.store, environment = EXCLUDED.environment
        """

    /// `users.is_vip`, `vip_type` and `vip_expire_time` from each user's subscriptions: VIP
    /// while one is not expired and its period has not ended (a lifetime plan never ends).
    /// One statement for all `userIDs`, written only where a value changes.
    func recomputeVIP(userIDs: [Int64], on db: PostgresConnection) throws {
        guard !userIDs.isEmpty else { return }
        try db.execute(
            """
            WITH t AS (
                SELECT DISTINCT unnest($1::bigint[]) AS user_id
            ), s AS (
                SELECT t.user_id,
                       COALESCE(bool_or(sub.current_period_end IS NULL AND sub.plan_type = 'lifetime')
                                FILTER (WHERE sub.status <> 'expired'), false) AS lifetime,
                       max(sub.current_period_end) FILTER (WHERE sub.status <> 'expired' AND sub.current_period_end > $2) AS best_end,
                       (array_agg(sub.plan_type ORDER BY sub.current_period_end DESC, sub.plan_type)
                            FILTER (WHERE sub.status <> 'expired' AND sub.current_period_end > $2))[1] AS best_plan
                FROM t LEFT JOIN subscriptions sub ON sub.user_id = t.user_id
                GROUP BY t.user_id
            ), v AS (
                SELECT user_id, lifetime OR best_end IS NOT NULL AS is_vip,
                       CASE WHEN lifetime THEN 'lifetime' ELSE best_plan END AS vip_type,
                       CASE WHEN lifetime THEN NULL ELSE best_end END AS vip_expire_time
                FROM s
            )
            UPDATE users u SET is_vip = v.is_vip, vip_type = v.vip_type, vip_expire_time = v.vip_expire_time, updated_at = $2
            FROM v
            WHERE u.id = v.user_id
              AND (u.is_vip, u.vip_type, u.vip_expire_time) IS DISTINCT FROM (v.is_vip, v.vip_type, v.vip_expire_time)
            """, [Array(Set(userIDs)).sorted(), now()])
    }

    /// A moment as milliseconds since 1970 (how batch statements carry times in JSON).
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// Milliseconds since 1970 as a `timestamptz` bind (exact to the millisecond).
    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}
