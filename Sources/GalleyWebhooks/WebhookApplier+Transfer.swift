import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyLedger

extension WebhookApplier {
    /// TRANSFER: records the move by RevenueCat id, then re-owns the subscription events it
    /// concerns and recomputes the rows and VIP of everyone involved. Events of the
    /// `transferred_from` ids that arrive later resolve through the recorded transfer
    /// (``resolveOwner(customerIDs:at:on:)``), so the arrival order does not matter.
    func applyTransfer(_ event: RevenueCatEvent, row: EventRow, on db: PostgresConnection) throws -> WebhookOutcome {
        let from = Array(Set(event.transferredFrom.filter { $0.utf8.count <= 255 })).sorted()
        let to = Array(Set(event.transferredTo.filter { $0.utf8.count <= 255 })).sorted()
        var facts = AppliedFacts(timestampMs: event.timestampMs, customerIDs: from + to)
        facts.kind = "transfer"
        guard !from.isEmpty, !to.isEmpty else {
            return try finish(row, .ignored, reason: "TRANSFER without transferred_from or transferred_to", facts: facts, on: db)
        }
        try db.execute(
            """
            INSERT INTO revenuecat_transfers (event_id, from_app_user_id, to_app_user_id, event_timestamp_ms)
            SELECT $1, f, t, $4 FROM unnest($2::varchar[]) AS f CROSS JOIN unnest($3::varchar[]) AS t
            WHERE f <> t
            ON CONFLICT DO NOTHING
            """, [row.eventID, from, to, event.timestampMs])

        // Processed subscription events that may change hands: those carrying a `from` id,
        // and those already owned by a user a `from` id names (moved there by an earlier transfer).
        var fromUsers: [Int64] = []
        for id in from { if let user = try resolveUser([id], on: db) { fromUsers.append(user) } }
        let candidates = try db.query(
            """
            SELECT id, user_id, product_id, rc_ids, event_timestamp_ms FROM revenuecat_events
            WHERE applied_kind = 'subscription' AND status = 'processed'
              AND (rc_ids && $1::varchar[] OR user_id = ANY($2::bigint[]))
            ORDER BY id FOR UPDATE
            """, [from, fromUsers])
        var touched = Set<SubscriptionKey>()
        for candidate in candidates {
            let previous = try candidate.decode(Int64?.self, "user_id")
            let productID = try candidate.decode(String?.self, "product_id") ?? ""
            let owner = try resolveOwner(
                customerIDs: try candidate.decode([String]?.self, "rc_ids") ?? [],
                at: try candidate.decode(Int64?.self, "event_timestamp_ms") ?? 0, on: db)
            guard owner?.userID != previous else { continue }
            if let previous { touched.insert(SubscriptionKey(userID: previous, productID: productID)) }
            if let owner {
                touched.insert(SubscriptionKey(userID: owner.userID, productID: productID))
                try db.execute("UPDATE revenuecat_events SET user_id = $2, updated_at = $3 WHERE id = $1",
                               [try candidate.decode(Int64.self, "id"), owner.userID, now()])
            } else {
                // Moved to a customer we do not know yet: parked like any event without a user.
                try db.execute(
                    """
                    UPDATE revenuecat_events SET status = 'parked', reason = 'user not found after TRANSFER',
                        user_id = NULL, applied_kind = NULL, next_attempt_at = $2, updated_at = $2
                    WHERE id = $1
                    """, [try candidate.decode(Int64.self, "id"), now()])
            }
        }
        // Parked events of these ids may resolve now: make them due for the sweep.
        try db.execute(
            "UPDATE revenuecat_events SET next_attempt_at = $2 WHERE status = 'parked' AND rc_ids && $1::varchar[] AND (next_attempt_at IS NULL OR next_attempt_at > $2)",
            [from + to, now()])

        let destination = try resolveUser(to, on: db)
        let users = Array(Set(touched.map(\.userID) + (destination.map { [$0] } ?? []))).sorted()
        try lockUsers(users, on: db)
        for key in touched.sorted(by: { ($0.userID, $0.productID) < ($1.userID, $1.productID) }) {
            try recomputeSubscription(userID: key.userID, productID: key.productID, on: db)
        }
        try recomputeVIP(userIDs: users, on: db)
        facts.userID = destination
        return try finish(
            row, .processed, reason: destination == nil ? "destination not a known user yet; its events resolve later" : nil,
            facts: facts, on: db)
    }
}
