import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyLedger
import GalleyTestSupport

/// Invariant 1 under concurrency, against the real PostgreSQL.
@Suite(.serialized) final class LedgerTests: Sendable {
    let database: TestDatabase
    let pool: PostgresPool
    let ledger: Ledger

    init() throws {
        database = try TestDatabase()
        pool = database.pool(size: 16)
        let ids = try SnowflakeGenerator(nodeID: 7)
        ledger = Ledger(nextID: { ids.next() })
    }

    deinit {
        pool.close()
        database.drop()
    }

    func newUser(balance: Int) throws -> Int64 {
        let userID = Int64.random(in: 1...Int64.max / 2)
        try pool.withTransaction { connection in
            try connection.execute("INSERT INTO users (id, device_id, created_at, updated_at) VALUES ($1, $2, now(), now())",
                                   [userID, "device-\(userID)"])
            try ledger.openAccount(userID: userID, on: connection)
            if balance > 0 {
                let outcome = try ledger.apply(LedgerEntry(userID: userID, amount: balance, kind: .purchase, orderNo: "seed"), on: connection)
                guard case .applied = outcome else { throw PostgresError.badFormat }
            }
        }
        return userID
    }

    /// 60 concurrent debits of 200 against 2 000 points: exactly 10 succeed.
    @Test func concurrentDebitsNeverOverdraw() async throws {
        let userID = try newUser(balance: 2000)
        let outcomes = await withTaskGroup(of: LedgerOutcome?.self) { group in
            for _ in 0..<60 {
                group.addTask { [pool, ledger] in
                    try? await pool.withTransaction { connection in
                        try ledger.apply(LedgerEntry(userID: userID, amount: -200, kind: .consume, taskType: "emoji"), on: connection)
                    }
                }
            }
            return await group.reduce(into: [LedgerOutcome?]()) { $0.append($1) }
        }
        let applied = outcomes.filter { if case .applied? = $0 { true } else { false } }.count
        let refused = outcomes.filter { if case .insufficientFunds? = $0 { true } else { false } }.count
        #expect(applied == 10)
        #expect(refused == 50)
        let audit = try await pool.withConnection { try Ledger.audit(userID: userID, on: $0) }
        #expect(audit.balance == 0)
        #expect(audit.ledgerSum == audit.balance)
        let afters = try await pool.withConnection { connection in
            try connection.query("SELECT balance_after FROM point_transactions WHERE user_id = $1 ORDER BY balance_after", [userID])
                .rows.map { try $0.decode(Int.self, at: 0) }
        }
        // Every intermediate balance appears once: the debits really were serialized.
        #expect(afters == [0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000])
        #expect(try await pool.withConnection { try Ledger.violations(on: $0) }.isEmpty)
    }

    /// The same refund raced from 30 tasks credits once.
    @Test func referencedCreditHappensOnce() async throws {
        let userID = try newUser(balance: 0)
        let outcomes = await withTaskGroup(of: LedgerOutcome?.self) { group in
            for _ in 0..<30 {
                group.addTask { [pool, ledger] in
                    try? await pool.withTransaction { connection in
                        try ledger.apply(LedgerEntry(userID: userID, amount: 200, kind: .refund, taskType: "emoji", reference: "refund:task:42"), on: connection)
                    }
                }
            }
            return await group.reduce(into: [LedgerOutcome?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { if case .applied? = $0 { true } else { false } }.count == 1)
        let audit = try await pool.withConnection { try Ledger.audit(userID: userID, on: $0) }
        #expect(audit.balance == 200 && audit.ledgerSum == 200)
        let again = try await pool.withTransaction { connection in
            try self.ledger.apply(LedgerEntry(userID: userID, amount: 200, kind: .refund, reference: "refund:task:42"), on: connection)
        }
        #expect(again == .duplicate)
    }

    /// A debit naming a new task skips the lock but is still recorded with its reference,
    /// so an audit can tie every charge to exactly one task.
    @Test func newReferenceIsRecordedAndStillUnique() throws {
        let userID = try newUser(balance: 500)
        let first = try pool.withTransaction { connection in
            try ledger.apply(LedgerEntry(userID: userID, amount: -200, kind: .consume, taskType: "emoji",
                                         reference: "consume:task:1", referenceIsNew: true), on: connection)
        }
        guard case .applied(_, -200, 300) = first else {
            Issue.record("unexpected \(first)")
            return
        }
        let again = try pool.withTransaction { connection in
            try ledger.apply(LedgerEntry(userID: userID, amount: -200, kind: .consume, taskType: "emoji",
                                         reference: "consume:task:1", referenceIsNew: true), on: connection)
        }
        #expect(again == .duplicate)
        #expect(try pool.withConnection { try Ledger.audit(userID: userID, on: $0) } == (300, 300))
    }

    @Test func clampedDebitTakesWhatIsLeftAndNeverGoesNegative() throws {
        let userID = try newUser(balance: 300)
        let outcome = try pool.withTransaction { connection in
            try ledger.apply(LedgerEntry(userID: userID, amount: -1000, kind: .refund, reference: "packrefund:txn:1", clampToBalance: true), on: connection)
        }
        guard case .applied(_, let amount, let balanceAfter) = outcome else {
            Issue.record("not applied: \(outcome)")
            return
        }
        #expect(amount == -300)
        #expect(balanceAfter == 0)
        let unclamped = try pool.withTransaction { connection in
            try ledger.apply(LedgerEntry(userID: userID, amount: -1, kind: .consume), on: connection)
        }
        #expect(unclamped == .insufficientFunds(balance: 0))
    }

    @Test func creditOpensAMissingAccount() throws {
        let userID = Int64.random(in: 1...Int64.max / 2)
        try pool.withConnection { connection in
            try connection.execute("INSERT INTO users (id, device_id, created_at, updated_at) VALUES ($1, $2, now(), now())", [userID, "d-\(userID)"])
        }
        let outcome = try pool.withTransaction { connection in
            try ledger.apply(LedgerEntry(userID: userID, amount: 1000, kind: .purchase, reference: "purchase:txn:x"), on: connection)
        }
        guard case .applied(_, 1000, 1000) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
    }

    @Test func theDatabaseRefusesANegativeBalanceEvenOutsideTheLedger() throws {
        let userID = try newUser(balance: 10)
        #expect(throws: PostgresError.self) {
            try self.pool.withConnection { try $0.execute("UPDATE user_points SET balance = -1 WHERE user_id = $1", [userID]) }
        }
    }
}
