public import Foundation
import GalleyCore
public import GalleyPostgres

/// The one place points move. Every debit and credit goes through ``apply(_:on:now:)``
/// inside the caller's transaction, so the balance, its ledger row and the caller's
/// other writes (a task, an order) commit or vanish together.
///
/// Why it holds under any concurrency: the account row is locked for the update and
/// the update itself requires `balance + amount >= 0` (plus a CHECK constraint), so a
/// balance never goes negative; `balance_after` is computed from the locked row; and
/// a reference is checked after taking that lock, with a unique index behind it.
public struct Ledger: Sendable {
    private let nextID: @Sendable () -> Int64

    /// `nextID` gives Snowflake ids for ledger rows and new accounts.
    public init(nextID: @escaping @Sendable () -> Int64) {
        self.nextID = nextID
    }

    /// Applies `entry` within the transaction `connection` is in. On
    /// `.insufficientFunds` nothing was written; the caller decides to roll back.
    public func apply(_ entry: LedgerEntry, on connection: PostgresConnection, now: Date = Date()) throws -> LedgerOutcome {
        if let outcome = try applyOnce(entry, on: connection, now: now) { return outcome }
        // No account yet (a user the original created without one): open it, then apply.
        try connection.execute(
            "INSERT INTO user_points (id, user_id, balance, updated_at) VALUES ($1, $2, 0, $3) ON CONFLICT (user_id) DO NOTHING",
            [nextID(), entry.userID, now]
        )
        return try applyOnce(entry, on: connection, now: now) ?? .insufficientFunds(balance: 0)
    }

    /// nil when the user has no account row.
    private func applyOnce(_ entry: LedgerEntry, on connection: PostgresConnection, now: Date) throws -> LedgerOutcome? {
        if entry.reference != nil && !entry.referenceIsNew {
            // Take the account lock first, so the duplicate check below runs on a snapshot
            // taken after any concurrent holder of the same reference has committed.
            let locked = try connection.query("SELECT balance FROM user_points WHERE user_id = $1 FOR UPDATE", [entry.userID])
            if locked.rows.isEmpty { return nil }
        }
        let result = try connection.query(Ledger.applySQL, [
            nextID(), entry.userID, entry.amount, entry.kind.rawValue, entry.taskType, entry.orderNo,
            entry.rewardWeek, entry.reference, entry.clampToBalance, now,
        ])
        guard let row = result.rows.first else { return nil }
        guard let balance = try row.decode(Int?.self, "balance") else { return nil }
        if try row.decode(Bool.self, "duplicate") { return .duplicate }
        guard let id = try row.decode(Int64?.self, "id") else { return .insufficientFunds(balance: balance) }
        return .applied(
            transactionID: id,
            amount: try row.decode(Int.self, "amount"),
            balanceAfter: try row.decode(Int.self, "balance_after")
        )
    }

    /// One statement: lock the account, skip a known reference, move the balance only
    /// if it stays non-negative, and write the ledger row from the locked balance.
    static let applySQL = """
        WITH acct AS (
            SELECT user_id, balance FROM user_points WHERE user_id = $2 FOR UPDATE
        ), dup AS (
            SELECT 1 FROM point_transactions WHERE $8::varchar IS NOT NULL AND ref_key = $8::varchar
        ), calc AS (
            SELECT user_id, balance AS before,
                   CASE WHEN $9::boolean AND $3::integer < 0 THEN GREATEST($3::integer, -balance) ELSE $3::integer END AS delta
            FROM acct WHERE NOT EXISTS (SELECT 1 FROM dup)
        ), upd AS (
            UPDATE user_points up SET balance = calc.before + calc.delta, updated_at = $10
            FROM calc WHERE up.user_id = calc.user_id AND calc.before + calc.delta >= 0
            RETURNING up.balance, calc.delta
        ), ins AS (
            INSERT INTO point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, ref_key, created_at)
            SELECT $1, $2, $4, upd.delta, upd.balance, $5, $6, $7, $8, $10 FROM upd
            RETURNING id, amount, balance_after
        )
        SELECT (SELECT balance FROM acct) AS balance,
               EXISTS (SELECT 1 FROM dup) AS duplicate,
               ins.id, ins.amount, ins.balance_after
        FROM (SELECT 1) AS one LEFT JOIN ins ON true
        """

    /// Opens the zero-balance account a new user gets, in the caller's transaction.
    public func openAccount(userID: Int64, on connection: PostgresConnection, now: Date = Date()) throws {
        try connection.execute(
            "INSERT INTO user_points (id, user_id, balance, updated_at) VALUES ($1, $2, 0, $3) ON CONFLICT (user_id) DO NOTHING",
            [nextID(), userID, now]
        )
    }

    /// A user's balance next to the sum of their ledger: invariant 1 says they are equal.
    public static func audit(userID: Int64, on connection: PostgresConnection) throws -> (balance: Int, ledgerSum: Int) {
        let result = try connection.query("""
            SELECT COALESCE((SELECT balance FROM user_points WHERE user_id = $1), 0) AS balance,
                   COALESCE((SELECT SUM(amount) FROM point_transactions WHERE user_id = $1), 0)::bigint AS total
            """, [userID])
        guard let row = result.rows.first else { return (0, 0) }
        return (try row.decode(Int.self, "balance"), try row.decode(Int.self, "total"))
    }

    /// Users whose balance differs from their ledger sum or is negative: empty when invariant 1 holds.
    public static func violations(on connection: PostgresConnection, limit: Int = 100) throws -> [Int64] {
        let result = try connection.query("""
            SELECT up.user_id FROM user_points up
            LEFT JOIN (SELECT user_id, SUM(amount) AS total FROM point_transactions GROUP BY user_id) t
                   ON t.user_id = up.user_id
            WHERE up.balance < 0 OR up.balance <> COALESCE(t.total, 0)
            LIMIT $1
            """, [limit])
        return try result.rows.map { try $0.decode(Int64.self, "user_id") }
    }
}
