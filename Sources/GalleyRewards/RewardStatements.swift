import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyLedger

/// The SQL of a reward run. Every value travels as a bind; the casts pin the bind types
/// because statements are prepared without declared parameter types.
///
/// ## One statement per batch, and why concurrent runs credit each user once
///
/// ``creditBatch`` takes the next keyset page of eligible users (`id > $last ORDER BY id
/// LIMIT $n`), drops those that already have this week's reward row, locks the rest's
/// `user_points` rows `FOR UPDATE` in user-id order, inserts one `reward` ledger row each
/// with `balance_after = locked balance + amount` `ON CONFLICT (user_id, type, reward_week)
/// DO NOTHING`, and sets each balance to the `balance_after` of the rows it inserted.
/// It runs in its own transaction (autocommit), so a batch is all or nothing and a run
/// killed half-way leaves whole batches behind: running again finishes the rest.
///
/// This is safe under READ COMMITTED, however many runs overlap:
/// - Two runs on the same page lock the same `user_points` rows in the same order (no
///   deadlock). The loser waits on the first row lock until the winner commits; then
///   PostgreSQL hands it the row's newest version (the credited balance).
/// - The loser's INSERT meets the winner's committed `(user_id, 'reward', week)` key and
///   does nothing (ON CONFLICT checks committed and in-flight rows, not the statement's
///   snapshot), so it returns no row for that user, and its UPDATE joins only the rows
///   it inserted: that user's balance is not touched again.
/// - A user the loser does credit was locked by it first, so `balance_after` is computed
///   from the newest balance and nobody else can move that balance before commit: the
///   ledger row carries the exact balance, and balance == sum(ledger) holds.
/// - The "already credited" filter reads the statement's snapshot, so it may miss a
///   reward committed a moment ago; the unique constraint, not the filter, decides. The
///   filter only keeps re-runs from locking (and rewriting) rows they will not change.
///
/// The already-credited probe is a LATERAL subquery with LIMIT 1, not NOT EXISTS, so
/// the planner cannot turn it into a hash anti-join over the whole ledger (it would when
/// statistics lag behind a table that grew during the run): it stays one index probe
/// per user on `uq_points_reward_week`, whatever the statistics say.
///
/// Ledger ids: Snowflake ids generated in Swift (``SnowflakeGenerator``), one per user of
/// the page, passed as a `bigint[]` bind and picked by the row's position in user-id
/// order; ids of users who needed none are simply never used.
enum RewardStatements {
    /// The page of eligible users and which of them still lack this week's reward.
    /// Binds: $1 last user id (exclusive), $2 page size, $3 as-of instant, $4 week,
    /// $5 weekly amount, $6 lifetime amount.
    private static let pageCTEs = """
        batch AS MATERIALIZED (
            SELECT u.id AS user_id,
                   CASE WHEN lower(u.vip_type) = 'lifetime' THEN $6::integer ELSE $5::integer END AS amount
            FROM users u
            WHERE u.is_vip
              AND u.id > $1::bigint
              AND (u.vip_expire_time IS NULL OR u.vip_expire_time > $3::timestamptz)
            ORDER BY u.id
            LIMIT $2::integer
        ),
        pending AS MATERIALIZED (
            SELECT b.user_id, b.amount
            FROM batch b
            LEFT JOIN LATERAL (
                SELECT true AS done
                FROM point_transactions t
                WHERE t.user_id = b.user_id AND t.type = 'reward' AND t.reward_week = $4::varchar
                LIMIT 1
            ) credited ON true
            WHERE credited.done IS NULL
        )
        """

    /// Credits one page. Extra bind: $7 ledger ids (`bigint[]`, at least the page size).
    /// Answers one row: eligible, last_user_id, missing (pending users without a
    /// `user_points` row: not credited, the caller creates their accounts and repeats the
    /// page), credited, points.
    static let creditBatch = """
        WITH \(pageCTEs),
        locked AS MATERIALIZED (
            SELECT p.user_id, p.amount, up.balance
            FROM pending p
            JOIN user_points up ON up.user_id = p.user_id
            ORDER BY p.user_id
            FOR UPDATE OF up
        ),
        inserted AS (
            INSERT INTO point_transactions (id, user_id, type, amount, balance_after, reward_week, created_at)
            SELECT ($7::bigint[])[row_number() OVER (ORDER BY l.user_id)], l.user_id, 'reward', l.amount,
                   l.balance + l.amount, $4::varchar, now()
            FROM locked l
            ON CONFLICT (user_id, type, reward_week) DO NOTHING
            RETURNING user_id, amount, balance_after
        ),
        updated AS (
            UPDATE user_points up
            SET balance = i.balance_after, updated_at = now()
            FROM inserted i
            WHERE up.user_id = i.user_id
            RETURNING i.amount
        )
        SELECT (SELECT count(*) FROM batch) AS eligible,
               (SELECT max(user_id) FROM batch) AS last_user_id,
               (SELECT count(*) FROM pending) - (SELECT count(*) FROM locked) AS missing,
               (SELECT count(*) FROM updated) AS credited,
               (SELECT coalesce(sum(amount), 0) FROM updated) AS points
        """

    /// What ``creditBatch`` would do, reading only (dry run): same binds but $7, same columns.
    static let countBatch = """
        WITH \(pageCTEs)
        SELECT (SELECT count(*) FROM batch) AS eligible,
               (SELECT max(user_id) FROM batch) AS last_user_id,
               0 AS missing,
               (SELECT count(*) FROM pending) AS credited,
               (SELECT coalesce(sum(amount), 0) FROM pending) AS points
        """

    /// Zero-balance accounts for the eligible users of a page that have none (users from
    /// before "login creates the account"). Binds: $1 after user id, $2 through user id,
    /// $3 as-of instant, $4 ids (`bigint[]`; at most that many accounts are made).
    static let createMissingAccounts = """
        INSERT INTO user_points (id, user_id, balance, updated_at)
        SELECT ($4::bigint[])[m.n], m.user_id, 0, now()
        FROM (
            SELECT u.id AS user_id, row_number() OVER (ORDER BY u.id) AS n
            FROM users u
            WHERE u.is_vip
              AND u.id > $1::bigint AND u.id <= $2::bigint
              AND (u.vip_expire_time IS NULL OR u.vip_expire_time > $3::timestamptz)
              AND NOT EXISTS (SELECT 1 FROM user_points up WHERE up.user_id = u.id)
            ORDER BY u.id
            LIMIT cardinality($4::bigint[])
        ) m
        ON CONFLICT (user_id) DO NOTHING
        """

    /// Binds: $1 id, $2 week, $3 host, $4 as-of instant.
    static let recordStart = """
        INSERT INTO reward_runs (id, reward_week, host, as_of, started_at, outcome)
        VALUES ($1::bigint, $2::varchar, $3::varchar, $4::timestamptz, now(), 'running')
        """

    /// Binds: $1 id, $2 outcome (NULL keeps 'running'), $3 batches, $4 eligible, $5 credited,
    /// $6 already credited, $7 points. A final outcome also sets `finished_at`.
    static let recordProgress = """
        UPDATE reward_runs
        SET outcome = coalesce($2::varchar, outcome),
            finished_at = CASE WHEN $2::varchar IS NULL THEN NULL ELSE now() END,
            batches = $3::integer, eligible = $4::integer, credited = $5::integer,
            already_credited = $6::integer, points = $7::bigint
        WHERE id = $1::bigint
        """
}
