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
/// The already-credited probe is an anti-join bounded to the page's user-id range on
/// `uq_points_reward_week`, so whichever join the planner picks reads at most the
/// ledger rows of the page's users, never the whole ledger; a re-run (every user
/// credited) then costs one range scan and a hash per page instead of one index
/// descent per user (33 ms → 10 ms a page of 5 000, see BENCHMARKS.md).
///
/// ## The optimistic statement, and when the locking one runs instead
///
/// ``optimisticCreditBatch`` skips the `FOR UPDATE` pass: it reads each pending user's
/// `user_points` row version (`ctid`, `xmin`) in the snapshot, then updates only rows
/// still at that version (`balance = balance + amount`, so the ledger's `balance_after`
/// is the balance written) and inserts the ledger rows from the UPDATE's RETURNING,
/// without ON CONFLICT. A row changed since the snapshot (a spend, or a concurrent run's
/// credit) is re-checked by PostgreSQL against the newest version, fails the version
/// test and is skipped; a concurrent credit that slips through anyway meets the unique
/// `(user_id, type, reward_week)` and aborts the whole statement. In both cases the
/// caller repeats the page with ``creditBatch`` (the locking statement below), which
/// settles it. Exactly-once rests on the unique constraint either way.
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
            WHERE NOT EXISTS (
                SELECT FROM point_transactions t
                WHERE t.user_id = b.user_id
                  AND t.user_id > $1::bigint AND t.user_id <= (SELECT max(user_id) FROM batch)
                  AND t.type = 'reward' AND t.reward_week = $4::varchar
            )
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

    /// Credits one page without locking first (see "The optimistic statement"). Same binds
    /// as ``creditBatch``; answers its columns plus `skipped` (accounts changed since the
    /// snapshot, not credited: the caller repeats the page with ``creditBatch``).
    /// The UPDATE finds its rows by `ctid = ANY(...)` (a TID scan, in physical order)
    /// so the planner cannot hash-join the CTE against a sequential scan of `user_points`.
    static let optimisticCreditBatch = """
        WITH \(pageCTEs),
        seen AS MATERIALIZED (
            SELECT p.user_id, p.amount, account.row_id, account.row_version
            FROM pending p
            LEFT JOIN LATERAL (
                SELECT up.ctid AS row_id, up.xmin AS row_version
                FROM user_points up
                WHERE up.user_id = p.user_id
                LIMIT 1
            ) account ON true
        ),
        updated AS (
            UPDATE user_points up
            SET balance = up.balance + s.amount, updated_at = now()
            FROM seen s
            WHERE up.ctid = ANY (ARRAY(SELECT row_id FROM seen WHERE row_id IS NOT NULL))
              AND up.ctid = s.row_id AND up.user_id = s.user_id AND up.xmin = s.row_version
            RETURNING up.user_id, s.amount, up.balance
        ),
        inserted AS (
            INSERT INTO point_transactions (id, user_id, type, amount, balance_after, reward_week, created_at)
            SELECT ($7::bigint[])[row_number() OVER (ORDER BY u.user_id)], u.user_id, 'reward', u.amount,
                   u.balance, $4::varchar, now()
            FROM updated u
            RETURNING amount
        )
        SELECT (SELECT count(*) FROM batch) AS eligible,
               (SELECT max(user_id) FROM batch) AS last_user_id,
               (SELECT count(*) FROM seen WHERE row_id IS NULL) AS missing,
               (SELECT count(*) FROM seen WHERE row_id IS NOT NULL) - (SELECT count(*) FROM inserted) AS skipped,
               (SELECT count(*) FROM inserted) AS credited,
               (SELECT coalesce(sum(amount), 0) FROM inserted) AS points
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
