import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRuntime
@testable import GalleyLedger
@testable import GalleyEmoji
import GalleyTestSupport

/// The worker's batched writes (EmojiTaskBatches): one statement answers each task
/// exactly what the one-row statement would have, and concurrent callers share statements.
@Suite(.serialized) final class EmojiTaskBatchTests: Sendable {
    let pool: PostgresPool
    let fixtures: EmojiFixtures
    let store: EmojiTaskStore

    init() throws {
        pool = try EmojiTestDatabase.get().pool
        fixtures = try EmojiFixtures(pool: pool)
        store = EmojiTaskStore(pool: pool, ledger: fixtures.ledger)
    }

    func status(_ task: Int64) throws -> (String, String?, String?) {
        let row = try pool.withConnection { try $0.query("SELECT status, worker, aliyun_task_id FROM emoji_tasks WHERE id = $1", [task]).rows.first }
        return (try row?.decode(String.self, "status") ?? "-", try row?.decode(String?.self, "worker") ?? nil,
                try row?.decode(String?.self, "aliyun_task_id") ?? nil)
    }

    @Test func oneClaimStatementAnswersEachTaskLikeTheSingleClaim() async throws {
        let user = try fixtures.user()
        let free = try fixtures.task(userID: user)
        let done = try fixtures.task(userID: user)
        let leased = try fixtures.task(userID: user)
        let mine = try fixtures.task(userID: user)
        try await pool.withConnection { connection in
            try connection.execute("UPDATE emoji_tasks SET status = 'completed' WHERE id = $1", [done])
            try connection.execute("UPDATE emoji_tasks SET status = 'processing', worker = 'other', worker_lease_until = now() + interval '30 s' WHERE id = $1", [leased])
            try connection.execute("UPDATE emoji_tasks SET status = 'processing', worker = 'me', worker_lease_until = now() + interval '30 s' WHERE id = $1", [mine])
        }
        let unknown: Int64 = 9_000_000_000_001
        let outcomes = try await store.claim(taskIDs: [free, done, leased, unknown, mine], worker: "me", lease: .seconds(20))
        #expect(outcomes.count == 5)
        guard outcomes.count == 5 else { return }
        if case .claimed(let record) = outcomes[0] { #expect(record.id == free) } else { Issue.record("free: \(outcomes[0])") }
        #expect(outcomes[1] == .terminal(status: "completed"))
        if case .leasedElsewhere(let remaining) = outcomes[2] {
            #expect(remaining > .seconds(20) && remaining <= .seconds(30))
        } else { Issue.record("leased: \(outcomes[2])") }
        #expect(outcomes[3] == .notFound)
        if case .claimed(let record) = outcomes[4] { #expect(record.id == mine) } else { Issue.record("mine: \(outcomes[4])") }
        #expect(try status(free).0 == "processing" && status(free).1 == "me")
        #expect(try status(leased).1 == "other")
    }

    @Test func storedSubmissionsAndCompletionsKeepTheirConditions() async throws {
        let user = try fixtures.user()
        let kept = try fixtures.task(userID: user)
        let lost = try fixtures.task(userID: user)
        let again = try fixtures.task(userID: user)
        _ = try await store.claim(taskIDs: [kept, lost, again], worker: "me", lease: .seconds(20))
        try await pool.withConnection { connection in
            // Another worker took `lost` over; `again` already has its provider id.
            try connection.execute("UPDATE emoji_tasks SET worker = 'other' WHERE id = $1", [lost])
            try connection.execute("UPDATE emoji_tasks SET aliyun_task_id = 'p-first' WHERE id = $1", [again])
        }
        let stored = try await store.recordSubmissions([
            .init(taskID: kept, providerTaskID: "p-kept", providerStatus: "PENDING"),
            .init(taskID: lost, providerTaskID: "p-lost", providerStatus: "PENDING"),
            .init(taskID: again, providerTaskID: "p-again", providerStatus: "PENDING"),
        ], worker: "me", lease: .seconds(20))
        #expect(stored.count == 3)
        #expect(stored.first.flatMap { $0 } != nil)
        #expect(stored.dropFirst().allSatisfy { $0 == nil })
        #expect(try status(kept).2 == "p-kept")
        #expect(try status(lost).2 == nil)
        #expect(try status(again).2 == "p-first")

        try await pool.withConnection { try $0.execute("UPDATE emoji_tasks SET status = 'failed' WHERE id = $1", [lost]) }
        let completed = try await store.complete([.init(taskID: kept, resultURL: "https://cdn.test/k.mp4"),
                                                  .init(taskID: lost, resultURL: "https://cdn.test/l.mp4")])
        #expect(completed == [true, false])
        #expect(try status(kept).0 == "completed")
        #expect(try status(lost).0 == "failed")
    }

    @Test func concurrentCallersShareStatementsAndEachGetsItsOwnAnswer() async throws {
        let statements = Atomic<Int>(0)
        let batcher = StatementBatcher<Int, Int>(maxBatch: 50, maxRunning: 1) { inputs in
            statements.add(1, ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(20))
            return inputs.map { $0 * 2 }
        }
        let answers = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for n in 0..<200 { group.addTask { (n, try await batcher.submit(n)) } }
            var answers: [Int: Int] = [:]
            for try await (n, answer) in group { answers[n] = answer }
            return answers
        }
        #expect(answers.count == 200)
        #expect(answers.allSatisfy { $0.value == $0.key * 2 })
        #expect(statements.load(ordering: .relaxed) < 200)
        #expect(statements.load(ordering: .relaxed) >= 4)  // at most 50 a statement

        struct Refused: Error {}
        let failing = StatementBatcher<Int, Int>(maxBatch: 10, maxRunning: 2) { _ in throw Refused() }
        await #expect(throws: Refused.self) { try await failing.submit(1) }
    }
}
