import Dispatch
import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyRuntime
@testable import GalleyLedger
@testable import GalleyRewards
import GalleyTestSupport

/// The weekly VIP reward against a real PostgreSQL, each test in a fresh database.
/// Serialized: the seeds are large and the machine is shared.
@Suite(.serialized) struct RewardRunTests {
    /// 2026-W47 (the instant is 2026-11-21T12:00:00Z).
    let week = ISOWeek(containing: Date(timeIntervalSince1970: 1_795_262_400))
    let amounts = RewardAmounts(weekly: 2000, lifetime: 3000)

    private func makeRun(_ database: RewardTestDatabase, node: Int = 1, week: ISOWeek? = nil, batchSize: Int = 500,
                         dryRun: Bool = false) throws -> RewardRun {
        var options = RewardRunOptions(week: week ?? self.week)
        options.batchSize = batchSize
        options.dryRun = dryRun
        options.host = "reward-tests"
        return RewardRun(pool: database.pool, ids: try SnowflakeGenerator(nodeID: node), amounts: amounts, options: options)
    }

    @Test func fourConcurrentRunsCreditEachUserExactlyOnce() async throws {
        let database = try RewardTestDatabase()
        try database.seedUsers(count: 22_000)  // 20 000 valid VIPs (4 000 lifetime), 2 000 never-VIP
        let eligible = try database.scalar(
            "SELECT count(*) FROM users WHERE is_vip AND (vip_expire_time IS NULL OR vip_expire_time > now())")
        let expectedPoints = try database.scalar("""
            SELECT sum(CASE WHEN vip_type = 'lifetime' THEN 3000 ELSE 2000 END) FROM users
            WHERE is_vip AND (vip_expire_time IS NULL OR vip_expire_time > now())
            """)
        #expect(eligible == 20_000)
        #expect(expectedPoints == 44_000_000)

        let runs = try (1...4).map { try makeRun(database, node: $0, batchSize: 500) }
        let results = await RewardThreads.run(4) { index in try runs[index].run() }
        let summaries = try results.map { try $0.get() }

        #expect(summaries.map(\.credited).reduce(0, +) == 20_000)
        #expect(summaries.map(\.points).reduce(0, +) == expectedPoints)
        for summary in summaries {
            #expect(summary.eligible == 20_000)
            #expect(summary.credited + summary.alreadyCredited == summary.eligible)
        }
        #expect(try database.usersNotCreditedExactlyOnce(week) == 0)
        #expect(try database.rewardRows(week) == 20_000)
        #expect(try database.rewardPoints(week) == expectedPoints)
        #expect(try database.scalar("SELECT count(*) FROM point_transactions t JOIN users u ON u.id = t.user_id WHERE NOT u.is_vip") == 0)
        #expect(try database.scalar("SELECT sum(balance) FROM user_points") == expectedPoints)
        #expect(try database.ledgerViolations() == [])
        #expect(try database.scalar(
            "SELECT count(*) FROM reward_runs WHERE outcome = 'succeeded' AND finished_at IS NOT NULL AND eligible = 20000") == 4)
        #expect(try database.scalar("SELECT sum(credited) FROM reward_runs") == 20_000)
    }

    /// Debits and credits through the Ledger hit the same accounts while a run credits
    /// them: the run's locks keep every balance equal to its ledger.
    @Test func runAlongsideLedgerMovementsKeepsBalancesEqualToTheLedger() async throws {
        let database = try RewardTestDatabase()
        try database.seedUsers(count: 4_400)  // 4 000 eligible
        _ = try await database.pool.withConnection { connection in
            try connection.execute("UPDATE user_points SET balance = 1000")
            try connection.execute("""
                INSERT INTO point_transactions (id, user_id, type, amount, balance_after, order_no, created_at)
                SELECT 30000000000 + user_id, user_id, 'purchase', 1000, 1000, 'seed', now() - interval '1 day'
                FROM user_points
                """)
        }
        let ledger = Ledger(nextID: { [ids = try SnowflakeGenerator(nodeID: 9)] in ids.next() })
        let run = try makeRun(database, batchSize: 200)
        let finished = FinishFlag()
        let pool = database.pool
        let results = await RewardThreads.run(4) { index -> Int in
            if index == 0 {
                defer { finished.set() }
                return try run.run().credited
            }
            var moves = 0
            while !finished.isSet || moves < 50 {
                let user = Int64(1_000_000 + Int.random(in: 1...4_400))
                let amount = Bool.random() ? -10 : 10
                _ = try pool.withTransaction { connection in
                    try ledger.apply(LedgerEntry(userID: user, amount: amount, kind: amount < 0 ? .consume : .purchase),
                                     on: connection)
                }
                moves += 1
            }
            return moves
        }
        let counts = try results.map { try $0.get() }
        #expect(counts[0] == 4_000)
        #expect(try database.usersNotCreditedExactlyOnce(week) == 0)
        #expect(try database.ledgerViolations(balanceAfter: false) == [])
    }

    @Test func runStoppedHalfWayThenRunAgainCompletesWithoutDoubleCredit() throws {
        let database = try RewardTestDatabase()
        try database.seedUsers(count: 3_300)  // 3 000 eligible
        let batches = Mutex(0)
        #expect(throws: RewardError.interrupted) {
            try makeRun(database, batchSize: 500).run(shouldStop: { batches.withLock { $0 } >= 2 }) { _ in
                batches.withLock { $0 += 1 }
            }
        }
        #expect(try database.rewardRows(week) == 1_000)
        #expect(try database.scalar("SELECT count(*) FROM reward_runs WHERE outcome = 'failed' AND credited = 1000") == 1)

        let summary = try makeRun(database, node: 2, batchSize: 500).run()
        #expect(summary.eligible == 3_000)
        #expect(summary.credited == 2_000)
        #expect(summary.alreadyCredited == 1_000)
        #expect(try database.usersNotCreditedExactlyOnce(week) == 0)
        #expect(try database.ledgerViolations() == [])
    }

    /// The run's session is killed while its third batch statement waits on a row lock:
    /// that batch leaves nothing behind, the first two stay, and a new run finishes.
    @Test func runKilledInsideABatchThenRunAgainCompletes() async throws {
        let database = try RewardTestDatabase()
        try database.seedUsers(count: 3_300)
        // An eligible user in the third page of 500 (g = 1250 is VIP: 1250 % 11 != 0).
        let blocked: Int64 = 1_000_000 + 1_250
        let blocker = try PostgresConnection(configuration: database.configuration)
        defer { blocker.close() }
        try blocker.simpleQuery("BEGIN")
        try blocker.query("SELECT balance FROM user_points WHERE user_id = $1 FOR UPDATE", [blocked])

        let run = try makeRun(database, batchSize: 500)
        async let outcome = RewardThreads.run(1) { _ in try run.run() }
        var killed = false
        for _ in 0..<600 where !killed {
            let waiting = try database.scalar("""
                SELECT pid FROM pg_stat_activity
                WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE '%point_transactions%' LIMIT 1
                """, [database.name])
            if waiting > 0 {
                killed = try database.scalar("SELECT pg_terminate_backend($1::integer)::int", [Int(waiting)]) == 1
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(killed)
        let results = await outcome
        #expect(throws: PostgresError.self) { try results[0].get() }
        try blocker.simpleQuery("ROLLBACK")

        #expect(try database.rewardRows(week) == 1_000)
        #expect(try database.ledgerViolations() == [])
        let summary = try makeRun(database, node: 2, batchSize: 500).run()
        #expect(summary.credited == 2_000)
        #expect(summary.alreadyCredited == 1_000)
        #expect(try database.usersNotCreditedExactlyOnce(week) == 0)
        #expect(try database.ledgerViolations() == [])
    }

    @Test func eligibilityFollowsVIPValidityAtTheRunsMoment() throws {
        let database = try RewardTestDatabase()
        let now = Date()
        let later = now.addingTimeInterval(3 * 86_400)
        let weekly: Int64 = 101, lifetime: Int64 = 102, expired: Int64 = 103, never: Int64 = 104
        let cancelledPaidUp: Int64 = 105, staleFlag: Int64 = 106, noAccount: Int64 = 107, hadPoints: Int64 = 108
        let lifetimeExpired: Int64 = 109
        try database.addUser(weekly, vip: true, type: "weekly", expires: later)
        try database.addUser(lifetime, vip: true, type: "lifetime", expires: nil)
        try database.addUser(expired, vip: true, type: "weekly", expires: now.addingTimeInterval(-60))
        try database.addUser(never, vip: false, type: nil, expires: nil)
        try database.addUser(cancelledPaidUp, vip: true, type: "weekly", expires: later)
        try database.addUser(staleFlag, vip: false, type: "weekly", expires: later)  // VIP ended early (refund)
        try database.addUser(noAccount, vip: true, type: "weekly", expires: later, account: false)
        try database.addUser(hadPoints, vip: true, type: "lifetime", expires: nil)
        try database.addUser(lifetimeExpired, vip: true, type: "lifetime", expires: now.addingTimeInterval(-1))
        try database.pool.withConnection { connection in
            try connection.execute("""
                INSERT INTO subscriptions (id, user_id, rc_subscriber_id, product_id, plan_type, status, will_renew,
                                           current_period_end, cancelled_at, created_at, updated_at)
                VALUES (9001, $1::bigint, 'rc-105', 'weekly_001', 'weekly', 'cancelled', false, $2::timestamptz, now(), now(), now())
                """, [cancelledPaidUp, later])
            // 750 points bought earlier, through the ledger.
            try connection.execute("UPDATE user_points SET balance = 750 WHERE user_id = $1::bigint", [hadPoints])
            try connection.execute("""
                INSERT INTO point_transactions (id, user_id, type, amount, balance_after, order_no, created_at)
                VALUES (9002, $1::bigint, 'purchase', 750, 750, 'o-1', now() - interval '1 day')
                """, [hadPoints])
        }

        let summary = try makeRun(database, batchSize: 3).run()
        #expect(summary.eligible == 5)
        #expect(summary.credited == 5)
        #expect(summary.points == 2000 + 3000 + 2000 + 2000 + 3000)

        let credited = try database.pool.withConnection { connection in
            try connection.query("""
                SELECT user_id, amount, balance_after FROM point_transactions
                WHERE type = 'reward' AND reward_week = $1::varchar ORDER BY user_id
                """, [week.description]).rows.map {
                    [try $0.decode(Int64.self, "user_id"), try $0.decode(Int64.self, "amount"),
                     try $0.decode(Int64.self, "balance_after")]
                }
        }
        #expect(credited == [
            [weekly, 2000, 2000], [lifetime, 3000, 3000], [cancelledPaidUp, 2000, 2000], [noAccount, 2000, 2000],
            [hadPoints, 3000, 3750],
        ])
        #expect(try database.scalar("SELECT balance FROM user_points WHERE user_id = $1::bigint", [hadPoints]) == 3750)
        #expect(try database.scalar("SELECT balance FROM user_points WHERE user_id = $1::bigint", [noAccount]) == 2000)
        #expect(try database.ledgerViolations() == [])
    }

    @Test func anotherWeekCreditsAgainAndARepeatCreditsNobody() throws {
        let database = try RewardTestDatabase()
        try database.seedUsers(count: 1_100)  // 1 000 eligible, 200 lifetime
        let next = week.next
        let first = try makeRun(database, batchSize: 300).run()
        let repeated = try makeRun(database, batchSize: 300).run()
        let second = try makeRun(database, week: next, batchSize: 300).run()
        #expect(first.credited == 1_000)
        #expect(first.points == 200 * 3000 + 800 * 2000)
        #expect(repeated.credited == 0)
        #expect(repeated.alreadyCredited == 1_000)
        #expect(repeated.points == 0)
        #expect(second.credited == 1_000)
        #expect(try database.usersNotCreditedExactlyOnce(week) == 0)
        #expect(try database.usersNotCreditedExactlyOnce(next) == 0)
        #expect(try database.scalar("SELECT sum(balance) FROM user_points") == 2 * first.points)
        #expect(try database.ledgerViolations() == [])
    }

    @Test func dryRunCountsAndWritesNothing() throws {
        let database = try RewardTestDatabase()
        try database.seedUsers(count: 1_100)
        _ = try makeRun(database, batchSize: 300).run(shouldStop: { false }) { _ in }  // credits all
        try database.addUser(5_000_001, vip: true, type: "lifetime", expires: nil)
        try database.addUser(5_000_002, vip: true, type: "weekly", expires: Date().addingTimeInterval(86_400),
                             account: false)
        let ledgerBefore = try database.scalar("SELECT count(*) FROM point_transactions")
        let runsBefore = try database.scalar("SELECT count(*) FROM reward_runs")

        let dry = try makeRun(database, batchSize: 300, dryRun: true).run()
        #expect(dry.dryRun)
        #expect(dry.eligible == 1_002)
        #expect(dry.credited == 2)
        #expect(dry.alreadyCredited == 1_000)
        #expect(dry.points == 5_000)
        #expect(try database.scalar("SELECT count(*) FROM point_transactions") == ledgerBefore)
        #expect(try database.scalar("SELECT count(*) FROM reward_runs") == runsBefore)
        #expect(try database.scalar("SELECT count(*) FROM user_points WHERE user_id = 5000002") == 0)

        let real = try makeRun(database, batchSize: 300).run()
        #expect(real.credited == dry.credited)
        #expect(real.points == dry.points)
        #expect(try database.ledgerViolations() == [])
    }

    @Test func refusesBadBatchSizesAndAmounts() throws {
        let database = try RewardTestDatabase(poolSize: 1)
        #expect(throws: RewardError.invalidBatchSize) { try makeRun(database, batchSize: 0).run() }
        let free = RewardRun(pool: database.pool, ids: try SnowflakeGenerator(nodeID: 1),
                             amounts: RewardAmounts(weekly: 0, lifetime: 3000), options: RewardRunOptions(week: week))
        #expect(throws: RewardError.invalidAmounts) { try free.run() }
        #expect(try database.scalar("SELECT count(*) FROM reward_runs") == 0)
    }

    @Test func amountsComeFromTheBusinessConfig() throws {
        let document = try JSONParser.parse(#"{"weekly_reward": {"weekly": 150, "lifetime": 450}}"#)
        let amounts = RewardAmounts(config: try BusinessConfig(document: document))
        #expect(amounts == RewardAmounts(weekly: 150, lifetime: 450))
        #expect(RewardAmounts(config: .builtIn) == RewardAmounts(weekly: 2000, lifetime: 3000))
    }
}

/// Tells the ledger threads that the reward run is over.
private final class FinishFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
