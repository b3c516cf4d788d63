import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import GalleyCore
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyRuntime
@testable import GalleyEmoji
@testable import GalleyWebhooks
@testable import GalleyTesting
import GalleyTestSupport

/// Real `EmojiWorker` processes against real Redis and PostgreSQL and the fake DashScope:
/// load with failures, a worker killed mid-flight, poison entries, a graceful shutdown.
/// Serialized: each runs up to two workers and the machine has two cores.
@Suite(.serialized) struct EmojiWorkerProcessTests {
    static let balance = 100_000

    @Test func fiveHundredTasksWithFailuresAllSettleAndFailuresAreRefundedOnce() async throws {
        var fake = FakeDashScopeConfiguration()
        fake.latencySeconds = 1
        fake.failureRate = 0.1
        fake.throttleRate = 0.05
        let harness = try EmojiWorkerHarness(redisDatabase: 2, fake: fake)
        let seeded = try harness.seed(tasks: 500, users: 50, balance: Self.balance)
        let ids = Array(seeded.tasks.keys)
        let one = try harness.startWorker("load-one", concurrency: 300)
        let two = try harness.startWorker("load-two", concurrency: 300)

        let census = try await harness.waitFor(ids, timeout: .seconds(120)) { $0.terminal == 500 }
        #expect(census.terminal == 500, "not settled: \(census.byStatus)")
        let settled = try harness.checkSettled(seeded.tasks, initialBalance: Self.balance)
        #expect(settled.completed + settled.failed == 500)
        #expect(settled.failed > 0 && settled.completed > 0)

        let stats = harness.fake.stats
        #expect(stats.duplicateSubmits.isEmpty, "submitted twice: \(stats.duplicateSubmits.count)")
        #expect(stats.submitsTotal == 500)
        #expect(stats.downloadsTotal >= settled.completed)
        #expect(try await waitUntil { try harness.pendingEntries() == 0 })

        let port = try #require(await one.metricsPort())
        let metrics = try await fetch("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.contains("galley_emoji_tasks_completed_total"))
        #expect(metrics.contains("galley_stream_lag{stream=\"emoji_tasks\",group=\"emoji_worker\"}"))
        #expect(try await fetch("http://127.0.0.1:\(port)/health").contains("\"status\":\"ok\""))
        #expect(try await fetch("http://127.0.0.1:\(port)/ready").contains("\"status\":\"ready\""))

        one.terminate()
        two.terminate()
        #expect(await one.waitForExit(timeout: .seconds(20)) == 0)
        #expect(await two.waitForExit(timeout: .seconds(20)) == 0)
    }

    @Test func aWorkerKilledMidFlightLosesNothingAndNothingRunsTwice() async throws {
        var fake = FakeDashScopeConfiguration()
        fake.latencySeconds = 4
        fake.failureRate = 0.1
        let harness = try EmojiWorkerHarness(redisDatabase: 3, fake: fake)
        let seeded = try harness.seed(tasks: 200, users: 20, balance: Self.balance)
        let ids = Array(seeded.tasks.keys)
        let doomed = try harness.startWorker("doomed", concurrency: 300)
        defer { doomed.killHard() }

        // Every task submitted and being polled: 200 generations in flight in one process.
        let inFlight = try await harness.waitFor(ids, timeout: .seconds(60)) { $0.submitted == 200 }
        #expect(inFlight.submitted == 200)
        #expect(inFlight.terminal == 0, "the provider latency should keep them in flight: \(inFlight.byStatus)")
        doomed.killHard()
        #expect(await doomed.waitForExit(timeout: .seconds(10)) != nil)

        let heir = try harness.startWorker("heir", concurrency: 300)
        defer { heir.killHard() }
        let census = try await harness.waitFor(ids, timeout: .seconds(90)) { $0.terminal == 200 }
        #expect(census.terminal == 200, "not settled: \(census.byStatus)")
        _ = try harness.checkSettled(seeded.tasks, initialBalance: Self.balance)
        let stats = harness.fake.stats
        #expect(stats.submitsTotal == 200)
        #expect(stats.duplicateSubmits.isEmpty, "submitted twice: \(stats.duplicateSubmits)")
        #expect(try await waitUntil { try harness.pendingEntries() == 0 })
        heir.terminate()
        #expect(await heir.waitForExit(timeout: .seconds(20)) == 0)
    }

    @Test func poisonEntriesAreDeadLetteredAndTheWorkerKeepsGoing() async throws {
        let harness = try EmojiWorkerHarness(redisDatabase: 4, fake: FakeDashScopeConfiguration())
        _ = try await harness.redis.withConnection { connection in
            try connection.xadd(EmojiWorkerConfiguration.stream, maxLength: nil, fields: [("task_id", "987654321012345"), ("user_id", "1")])
            try connection.xadd(EmojiWorkerConfiguration.stream, maxLength: nil, fields: [("task_id", "not-an-id")])
            try connection.xadd(EmojiWorkerConfiguration.stream, maxLength: nil, fields: [("garbage", "\u{0}\u{1}broken")])
        }
        let worker = try harness.startWorker("survivor", concurrency: 16, ["EMOJI_MAX_DELIVERIES": "3"])
        defer { worker.killHard() }

        #expect(try await waitUntil(timeout: .seconds(60)) { try harness.deadLetters().count == 3 })
        let dead = try harness.deadLetters()
        #expect(Set(dead.compactMap { $0.fields["task_id"] }) == ["987654321012345", "not-an-id"])
        #expect(dead.contains { $0.fields["garbage"] == "\u{0}\u{1}broken" })
        for entry in dead {
            #expect(entry.fields["reason"]?.contains("delivered") == true)
            #expect(Int(entry.fields["deliveries"] ?? "") ?? 0 > 3)
        }
        #expect(try await waitUntil { try harness.pendingEntries() == 0 })

        // Still consuming: real tasks after the poison complete.
        let seeded = try harness.seed(tasks: 5, users: 1, balance: Self.balance)
        let census = try await harness.waitFor(Array(seeded.tasks.keys), timeout: .seconds(60)) { $0.terminal == 5 }
        #expect(census.byStatus["completed"] == 5)
        #expect(worker.isRunning)
        let port = try #require(await worker.metricsPort())
        #expect(try await fetch("http://127.0.0.1:\(port)/metrics").contains("galley_stream_dead_letters_total{stream=\"emoji_tasks\"} 3"))
        worker.terminate()
        #expect(await worker.waitForExit(timeout: .seconds(20)) == 0)
    }

    @Test func sigtermExitsCleanlyWithinTheDeadlineAndAnotherWorkerFinishes() async throws {
        var fake = FakeDashScopeConfiguration()
        fake.latencySeconds = 8
        let harness = try EmojiWorkerHarness(redisDatabase: 5, fake: fake)
        let seeded = try harness.seed(tasks: 100, users: 10, balance: Self.balance)
        let ids = Array(seeded.tasks.keys)
        // A claim idle time far above the test's span: the heir can only be this quick if the
        // leaving worker handed its entries over.
        let slowClaims = ["EMOJI_CLAIM_IDLE_MILLISECONDS": "60000"]
        let leaving = try harness.startWorker("leaving", concurrency: 200, slowClaims.merging(["SHUTDOWN_DEADLINE_SECONDS": "2"]) { $1 })
        defer { leaving.killHard() }
        let inFlight = try await harness.waitFor(ids, timeout: .seconds(60)) { $0.submitted == 100 }
        #expect(inFlight.submitted == 100 && inFlight.terminal == 0)

        let signalled = ContinuousClock.now
        leaving.terminate()
        let status = await leaving.waitForExit(timeout: .seconds(15))
        #expect(status == 0, "exit status \(String(describing: status)); output:\n\(leaving.output.suffix(6000))")
        // Deadline 2 s, plus a read block and the release of the leases.
        #expect(ContinuousClock.now - signalled < .seconds(6))
        #expect(try harness.census(ids).terminal == 0)
        #expect(leaving.output.contains("shutdown deadline reached"))
        #expect(leaving.output.contains("entries handed over to other consumers"))

        let heir = try harness.startWorker("heir", concurrency: 200, slowClaims)
        defer { heir.killHard() }
        let census = try await harness.waitFor(ids, timeout: .seconds(45)) { $0.terminal == 100 }
        #expect(census.byStatus["completed"] == 100)
        _ = try harness.checkSettled(seeded.tasks, initialBalance: Self.balance)
        #expect(harness.fake.stats.submitsTotal == 100)
        #expect(harness.fake.stats.duplicateSubmits.isEmpty)
        for id in ids.prefix(10) {
            #expect(try harness.fixtures.row(id)?.worker?.hasPrefix("heir/") == true)
        }
        heir.terminate()
        #expect(await heir.waitForExit(timeout: .seconds(20)) == 0)
    }

    func waitUntil(timeout: Duration = .seconds(30), _ condition: () throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try condition()
    }

    func fetch(_ url: String) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: try #require(URL(string: url)))
        return String(decoding: data, as: UTF8.self)
    }
}
