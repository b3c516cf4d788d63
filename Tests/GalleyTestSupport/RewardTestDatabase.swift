import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks
import GalleyRewards
import GalleyGateway
import GalleyTesting

/// A database of its own for the reward tests (created, migrated, dropped with the
/// object), so 20 000-user seeds never meet another suite's rows.
package final class RewardTestDatabase {
    package let name = TestEnvironment.uniqueName("galley_reward")
    package let configuration: PostgresConfiguration
    package let pool: PostgresPool
    private let admin: PostgresConnection

    package init(poolSize: Int = 6) throws {
        admin = try PostgresConnection(configuration: .testStack())
        try admin.simpleQuery("CREATE DATABASE \"\(name)\"")
        var configuration = PostgresConfiguration.testStack(database: name)
        configuration.applicationName = name
        self.configuration = configuration
        pool = PostgresPool(configuration: configuration, size: poolSize, logger: Logger(label: "reward-tests"))
        try MigrationRunner.migrate(pool: pool, logger: Logger(label: "reward-tests"))
    }

    deinit {
        pool.close()
        _ = try? admin.simpleQuery("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
        admin.close()
    }

    /// `count` users with ids `firstID + 1 ...`, each with a zero points account, in two
    /// statements. Of them, `g % 11 == 0` are never-VIP; the rest are valid VIPs, lifetime
    /// (no expiry) when `g % 5 == 0`, else weekly expiring in three days.
    package func seedUsers(count: Int, firstID: Int64 = 1_000_000) throws {
        try pool.withConnection { connection in
            try connection.execute("""
                INSERT INTO users (id, device_id, is_vip, vip_type, vip_expire_time, created_at, updated_at)
                SELECT $1::bigint + g, 'reward-test-' || ($1::bigint + g), g % 11 <> 0,
                       CASE WHEN g % 11 = 0 THEN NULL WHEN g % 5 = 0 THEN 'lifetime' ELSE 'weekly' END,
                       CASE WHEN g % 11 = 0 OR g % 5 = 0 THEN NULL ELSE now() + interval '3 days' END,
                       now(), now()
                FROM generate_series(1, $2::integer) AS g
                """, [firstID, count])
            try connection.execute("""
                INSERT INTO user_points (id, user_id, balance, updated_at)
                SELECT $1::bigint + 10000000000 + g, $1::bigint + g, 0, now()
                FROM generate_series(1, $2::integer) AS g
                """, [firstID, count])
        }
    }

    /// One user with exactly these VIP fields (and a zero account unless `account` is false).
    package func addUser(_ id: Int64, vip: Bool, type: String?, expires: Date?, account: Bool = true) throws {
        try pool.withConnection { connection in
            try connection.execute("""
                INSERT INTO users (id, device_id, is_vip, vip_type, vip_expire_time, created_at, updated_at)
                VALUES ($1::bigint, 'reward-user-' || $1::bigint, $2::boolean, $3::varchar, $4::timestamptz, now(), now())
                """, [id, vip, type, expires])
            if account {
                try connection.execute(
                    "INSERT INTO user_points (id, user_id, balance, updated_at) VALUES ($1::bigint + 500000000, $1::bigint, 0, now())",
                    [id])
            }
        }
    }

    package func scalar(_ sql: String, _ binds: [any PostgresEncodable] = []) throws -> Int64 {
        try pool.withConnection { connection in
            guard let row = try connection.query(sql, binds).first else { return -1 }
            return try row.decode(Int64?.self, at: 0) ?? 0
        }
    }

    /// Eligible users that do not have exactly one reward row for `week` (want 0).
    package func usersNotCreditedExactlyOnce(_ week: ISOWeek) throws -> Int64 {
        try scalar("""
            SELECT count(*) FROM users u
            WHERE u.is_vip AND (u.vip_expire_time IS NULL OR u.vip_expire_time > now())
              AND (SELECT count(*) FROM point_transactions t
                   WHERE t.user_id = u.id AND t.type = 'reward' AND t.reward_week = $1::varchar) <> 1
            """, [week.description])
    }

    package func rewardRows(_ week: ISOWeek) throws -> Int64 {
        try scalar("SELECT count(*) FROM point_transactions WHERE type = 'reward' AND reward_week = $1::varchar",
                   [week.description])
    }

    package func rewardPoints(_ week: ISOWeek) throws -> Int64 {
        try scalar("SELECT sum(amount) FROM point_transactions WHERE type = 'reward' AND reward_week = $1::varchar",
                   [week.description])
    }

    /// Users whose balance differs from their ledger sum, or (with `balanceAfter`, for runs
    /// without concurrent writers, where `created_at, id` is commit order) whose reward
    /// row's `balance_after` is not the balance the ledger reaches at that row (want []).
    package func ledgerViolations(balanceAfter: Bool = true) throws -> [Int64] {
        try pool.withConnection { connection in
            var users = try Ledger.violations(on: connection)
            guard balanceAfter else { return users }
            let running = try connection.query("""
                SELECT user_id FROM (
                    SELECT user_id, type, balance_after,
                           sum(amount) OVER (PARTITION BY user_id ORDER BY created_at, id) AS running
                    FROM point_transactions) t
                WHERE type = 'reward' AND balance_after <> running
                LIMIT 100
                """)
            users += try running.rows.map { try $0.decode(Int64.self, "user_id") }
            return users
        }
    }
}
