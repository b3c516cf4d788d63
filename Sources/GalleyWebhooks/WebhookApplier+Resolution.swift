import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyLedger

extension WebhookApplier {
    /// The user a subscription event belongs to, after the TRANSFERs that moved it.
    struct Owner: Hashable {
        var userID: Int64
        var viaTransfer: Bool
    }

    /// Our user for a RevenueCat customer: its ids in order (`app_user_id`,
    /// `original_app_user_id`, `aliases`) as our decimal user ids first, then as ids
    /// remembered in `revenuecat_aliases`. `$RCAnonymousID:…` ids are never ours directly.
    func resolveUser(_ customerIDs: [String], on db: PostgresConnection) throws -> Int64? {
        guard !customerIDs.isEmpty else { return nil }
        let numeric = customerIDs.compactMap(Self.userID(from:))
        if !numeric.isEmpty {
            let found = Set(try db.query("SELECT id FROM users WHERE id = ANY($1::bigint[])", [numeric]).map {
                try $0.decode(Int64.self, at: 0)
            })
            if let hit = numeric.first(where: found.contains) { return hit }
        }
        var remembered: [String: Int64] = [:]
        for row in try db.query(
            "SELECT app_user_id, user_id FROM revenuecat_aliases WHERE app_user_id = ANY($1::varchar[])", [customerIDs])
        {
            remembered[try row.decode(String.self, "app_user_id")] = try row.decode(Int64.self, "user_id")
        }
        return customerIDs.lazy.compactMap { remembered[$0] }.first
    }

    /// The owner of a subscription event of `customerIDs` at `timestampMs`: a TRANSFER from
    /// one of those ids at or after that moment hands it to the transfer's destination
    /// (and on, through later transfers), whether the TRANSFER arrived first or last.
    func resolveOwner(customerIDs: [String], at timestampMs: Int64, on db: PostgresConnection) throws -> Owner? {
        var ids = customerIDs
        var moment = timestampMs
        var followed: [String] = []
        while !ids.isEmpty {
            guard
                let hop = try db.query(
                    """
                    SELECT event_id, event_timestamp_ms FROM revenuecat_transfers
                    WHERE from_app_user_id = ANY($1::varchar[]) AND event_timestamp_ms >= $2
                      AND event_id <> ALL($3::varchar[])
                    ORDER BY event_timestamp_ms, event_id LIMIT 1
                    """, [ids, moment, followed]
                ).first
            else { break }
            let transferID = try hop.decode(String.self, "event_id")
            followed.append(transferID)
            guard followed.count <= 32 else { throw WebhookError.transferTooDeep.with(transferID) }
            moment = try hop.decode(Int64.self, "event_timestamp_ms")
            ids = try db.query(
                "SELECT DISTINCT to_app_user_id FROM revenuecat_transfers WHERE event_id = $1 ORDER BY to_app_user_id",
                [transferID]
            ).map { try $0.decode(String.self, at: 0) }
        }
        guard let userID = try resolveUser(ids, on: db) else { return nil }
        return Owner(userID: userID, viaTransfer: !followed.isEmpty)
    }

    /// Remembers the customer's other RevenueCat ids as `userID`'s, so an event that
    /// carries only one of them (an anonymous id, a TRANSFER) still finds the user. Of two
    /// users claiming one id the smaller id wins, whatever the order events arrive in.
    func rememberAliases(_ customerIDs: [String], of userID: Int64, on db: PostgresConnection) throws {
        let own = String(userID)
        let others = customerIDs.filter { $0 != own && $0.utf8.count <= 255 }
        guard !others.isEmpty else { return }
        try db.execute(
            """
            INSERT INTO revenuecat_aliases (app_user_id, user_id)
            SELECT DISTINCT unnest($1::varchar[]), $2::bigint
            ON CONFLICT (app_user_id) DO UPDATE SET user_id = EXCLUDED.user_id
            WHERE EXCLUDED.user_id < revenuecat_aliases.user_id
            """, [others, userID])
    }

    /// Locks user rows in id order (so two transactions never wait on each other in a cycle).
    func lockUsers(_ userIDs: [Int64], on db: PostgresConnection) throws {
        guard !userIDs.isEmpty else { return }
        try db.query("SELECT id FROM users WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", [Array(Set(userIDs))])
    }

    /// Our user ids are the decimal strings the app logs in with: canonical, positive.
    static func userID(from text: String) -> Int64? {
        guard let value = Int64(text), value > 0, String(value) == text else { return nil }
        return value
    }
}
