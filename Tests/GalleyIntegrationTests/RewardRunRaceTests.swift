import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyRuntime
@testable import GalleyRewards
import GalleyTestSupport

/// The optimistic batch statement meets an account that another transaction changes
/// under it (held open until the run waits on its row lock, then committed): the page
/// is settled by the locking statement, each user is credited once, and every balance
/// and `balance_after` still matches the ledger.
@Suite(.serialized) struct RewardRunRaceTests {
    /// 2026-W47 (the instant is 2026-11-21T12:00:00Z).
    let week = ISOWeek(containing: Date(timeIntervalSince1970: 1_795_262_400))
    /// An eligible weekly VIP in the third page of 500 (g = 1251: 1251 % 11 != 0, 1251 % 5 != 0).
    let raced: Int64 = 1_000_000 + 1_251

    private func makeRun(_ database: RewardTestDatabase, node: Int = 1) throws -> RewardRun {
        var options = RewardRunOptions(week: week)
        options.batchSize = 500
        options.host = "reward-race-tests"
        return RewardRun(pool: database.pool, ids: try SnowflakeGenerator(nodeID: node),
                         amounts: RewardAmounts(weekly: 2000, lifetime: 3000), options: options)
    }

    /// Runs the week while `blocker` holds `raced`'s account; commits the blocker once the
    /// run's batch statement waits on that row. Answers the run's summary.
    private func runAgainst(_ blocker: PostgresConnection, _ database: RewardTestDatabase) async throws -> RewardRunSummary {
        let run = try makeRun(database)
        async let outcome = RewardThreads.run(1) { _ in try run.run() }
        var waited = false
        for _ in 0..<600 where !waited {
            waited = try database.scalar("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE '%point_transactions%'
                """, [database.name]) > 0
            if !waited { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(waited)
        try blocker.simpleQuery("COMMIT")
        return try await outcome[0].get()
    }

    @Test func aSpendCommittedUnderTheBatchIsKeptAndTheUserCreditedOnce() async throws {
        let database = try RewardTestDatabase()
        try database.seedUsers(count: 3_300)  // 3 000 eligible
        let blocker = try PostgresConnection(configuration: database.configuration)
        defer { blocker.close() }
        try blocker.simpleQuery("BEGIN")
        try blocker.execute("UPDATE user_points SET balance = balance + 700, updated_at = now() WHERE user_id = $1", [raced])
        try blocker.execute("""
            INSERT INTO point_transactions (id, user_id, type, amount, balance_after, order_no, created_at)
            VALUES (40000000001, $1::bigint, 'purchase', 700, 700, 'race', now())
            """, [raced])

        let summary = try await runAgainst(blocker, database)
        #expect(summary.credited == 3_000)
        #expect(try database.usersNotCreditedExactlyOnce(week) == 0)
        #expect(try database.scalar(
            "SELECT balance_after FROM point_transactions WHERE user_id = $1 AND type = 'reward'", [raced]) == 2_700)
        #expect(try database.scalar("SELECT balance FROM user_points WHERE user_id = $1", [raced]) == 2_700)
        #expect(try database.ledgerViolations() == [])
    }

    @Test func aRivalCreditCommittedUnderTheBatchIsNotPaidTwice() async throws {
        let database = try RewardTestDatabase()
        try database.seedUsers(count: 3_300)
        let blocker = try PostgresConnection(configuration: database.configuration)
        defer { blocker.close() }
        try blocker.simpleQuery("BEGIN")
        try blocker.execute("UPDATE user_points SET balance = balance + 2000, updated_at = now() WHERE user_id = $1", [raced])
        try blocker.execute("""
            INSERT INTO point_transactions (id, user_id, type, amount, balance_after, reward_week, created_at)
            VALUES (40000000002, $1::bigint, 'reward', 2000, 2000, $2::varchar, now())
            """, [raced, week.description])

        let summary = try await runAgainst(blocker, database)
        #expect(summary.credited == 2_999)
        #expect(summary.alreadyCredited == 1)
        #expect(try database.usersNotCreditedExactlyOnce(week) == 0)
        #expect(try database.scalar("SELECT balance FROM user_points WHERE user_id = $1", [raced]) == 2_000)
        #expect(try database.ledgerViolations() == [])
    }
}
