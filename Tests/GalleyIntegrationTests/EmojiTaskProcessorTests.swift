import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyStorage
@testable import GalleyRuntime
@testable import GalleyLedger
@testable import GalleyEmoji
@testable import GalleyWebhooks
@testable import GalleyRewards
import GalleyTestSupport

/// The per-task state machine against the real PostgreSQL and Redis with a scripted
/// provider: every path ends terminal, a failure is refunded exactly once, a task is
/// never submitted twice.
/// Serialized: its tests time task leases, provider polls and timeouts, which a parallel neighbour in the same suite
/// can starve on a 2-core machine.
@Suite(.serialized) final class EmojiTaskProcessorTests: Sendable {
    let pool: PostgresPool
    let fixtures: EmojiFixtures
    let settings: Settings
    let redis = RedisPool(configuration: .testStack(), size: 4)

    init() throws {
        settings = try TestEnvironment.tableDefaults()
        pool = try EmojiTestDatabase.get().pool
        fixtures = try EmojiFixtures(pool: pool)
    }

    deinit {
        redis.shutdown()
    }

    static let resultKeySecret = Crypto.randomBytes(32)

    /// `results/<user>/<task>_<tag>.mp4`, the tag computed here independently of the processor.
    func resultKey(_ user: some CustomStringConvertible, _ task: some CustomStringConvertible) -> String {
        let tag = Crypto.hex(Array(Crypto.hmacSHA256(key: Self.resultKeySecret, data: task.description).prefix(8)))
        return "results/\(user)/\(task)_\(tag).mp4"
    }

    func configuration(worker: String = "worker-a") -> EmojiWorkerConfiguration {
        var config = EmojiWorkerConfiguration(settings: settings, consumer: "test", workerID: worker)
        config.resultKeySecret = Self.resultKeySecret
        config.pollInterval = .milliseconds(20)
        config.pollTimeout = .seconds(30)
        // Long enough that a loaded machine never lets it lapse (no keeper renews it here).
        config.leaseDuration = .seconds(20)
        config.submitAttempts = 3
        config.storeAttempts = 2
        config.backoff = Backoff(initial: .milliseconds(5), maximum: .milliseconds(20))
        config.resultPrefix = "results"
        return config
    }

    func processor(_ provider: any EmojiProvider, sink: any EmojiResultSink = MemoryResultSink(), worker: String = "worker-a",
                   limiter: SubmitRateLimiter? = nil, change: (inout EmojiWorkerConfiguration) -> Void = { _ in }) -> EmojiTaskProcessor {
        var config = configuration(worker: worker)
        change(&config)
        return EmojiTaskProcessor(configuration: config, store: EmojiTaskStore(pool: pool, ledger: fixtures.ledger),
                                  provider: provider, results: sink, limiter: limiter, metrics: EmojiWorkerMetrics(registry: MetricsRegistry()),
                                  logger: Logger(label: "test"))
    }

    @Test func completesStoresTheVideoAndNeverRunsTwice() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let provider = ScriptedEmojiProvider(.init(states: [
            ProviderTaskState(status: "PENDING"), ProviderTaskState(status: "RUNNING"),
            ProviderTaskState(status: "SUCCEEDED", videoURL: "https://video.test/a.mp4"),
        ]))
        let sink = MemoryResultSink()
        let processor = processor(provider, sink: sink)

        let outcome = try await processor.process(taskID: task)
        #expect(outcome == .completed(resultURL: "https://cdn.test/\(resultKey(user, task))"))
        #expect(sink.keys == [resultKey(user, task): "https://video.test/a.mp4"])
        let row = try #require(try fixtures.row(task))
        #expect(row.status == "completed")
        #expect(row.resultURL == "https://cdn.test/\(resultKey(user, task))")
        #expect(row.providerStatus == "SUCCEEDED")
        #expect(row.providerTaskID?.hasPrefix("p-1") == true)
        #expect(row.completed && row.started && !row.refunded)
        #expect(row.leaseUntil == nil)

        #expect(try await processor.process(taskID: task) == .alreadyTerminal)
        #expect(provider.submits == 1)
        #expect(provider.queries == 3)
        #expect(try fixtures.refunds(task) == 0)
        #expect(try fixtures.balance(user) == 800)
        #expect(try fixtures.ledgerViolations(users: [user]).isEmpty)
    }

    /// A SIGKILL resubmits every task whose submission was sent and whose provider id is
    /// not stored yet: EMOJI_SUBMITS_IN_FLIGHT bounds how many those can be at once.
    @Test func submissionsInFlightStayWithinTheirBound() async throws {
        let user = try fixtures.user(balance: 10_000)
        let tasks = try (0..<8).map { _ in try fixtures.task(userID: user) }
        let provider = ScriptedEmojiProvider(.init(submitDelay: .milliseconds(150)))
        let processor = processor(provider) { $0.submitsInFlight = 2 }
        let outcomes = try await withThrowingTaskGroup(of: EmojiTaskOutcome.self) { group in
            for task in tasks { group.addTask { try await processor.process(taskID: task) } }
            return try await group.reduce(into: [EmojiTaskOutcome]()) { $0.append($1) }
        }
        #expect(outcomes.count == 8)
        #expect(outcomes.allSatisfy { if case .completed = $0 { true } else { false } })
        #expect(provider.submits == 8)
        #expect(provider.mostSubmitsRunning == 2)
    }

    @Test func providerFailureFailsAndRefundsExactlyOnce() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let provider = ScriptedEmojiProvider(.init(states: [
            ProviderTaskState(status: "FAILED", errorCode: "InternalError.Algo", errorMessage: "model broke"),
        ]))
        let processor = processor(provider)
        #expect(try await processor.process(taskID: task) == .failed(reason: .providerFailed, refunded: true))
        let row = try #require(try fixtures.row(task))
        #expect(row.status == "failed")
        #expect(row.errorCode == "InternalError.Algo")
        #expect(row.errorMessage == "model broke")
        #expect(row.providerStatus == "FAILED")
        #expect(row.refunded)

        // Everything that could refund it again: a second run, a dead-letter settlement.
        #expect(try await processor.process(taskID: task) == .alreadyTerminal)
        try await processor.settleDeadLetter(StreamEntry(id: "1-0", fields: ["task_id": String(task)]), deliveries: 9, reason: "test")
        #expect(try fixtures.refunds(task) == 1)
        #expect(try fixtures.balance(user) == 1000)
        #expect(try fixtures.ledgerViolations(users: [user]).isEmpty)
    }

    @Test func concurrentFailuresRefundOnce() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let store = EmojiTaskStore(pool: pool, ledger: fixtures.ledger)
        let outcomes = await withTaskGroup(of: EmojiTaskStore.FailOutcome?.self) { group in
            for index in 0..<12 {
                group.addTask { try? await store.fail(taskID: task, code: "X\(index)", message: "m", providerStatus: nil) }
            }
            return await group.reduce(into: [EmojiTaskStore.FailOutcome?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .failed(refunded: true) }.count == 1)
        #expect(outcomes.filter { if case .alreadyTerminal? = $0 { true } else { false } }.count == 11)
        #expect(try fixtures.refunds(task) == 1)
        #expect(try fixtures.balance(user) == 1000)
    }

    @Test func aRefundAlreadyMadeByTheGatewayIsNotRepeated() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        // The gateway's cancellation used the same reference (its row update lost the race).
        let ledger = fixtures.ledger
        _ = try await pool.withTransaction { connection in
            try ledger.apply(LedgerEntry(userID: user, amount: 200, kind: .refund, taskType: "emoji",
                                                  reference: EmojiTaskStore.refundReference(taskID: task)), on: connection)
        }
        let processor = processor(ScriptedEmojiProvider(.init(states: [ProviderTaskState(status: "UNKNOWN")])))
        #expect(try await processor.process(taskID: task) == .failed(reason: .providerUnknown, refunded: false))
        #expect(try fixtures.row(task)?.refunded == true)
        #expect(try fixtures.refunds(task) == 1)
        #expect(try fixtures.balance(user) == 1000)
    }

    @Test func permanentSubmitErrorFailsAtOnce() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let provider = ScriptedEmojiProvider(.init(submitErrors: [
            .http(.create, status: 400, providerCode: "InvalidParameter", providerMessage: "bad driven_id"),
        ]))
        #expect(try await processor(provider).process(taskID: task) == .failed(reason: .rejected, refunded: true))
        #expect(provider.submitAttempts == 1)
        let row = try #require(try fixtures.row(task))
        #expect(row.errorCode == "InvalidParameter")
        #expect(row.errorMessage == "bad driven_id")
        #expect(row.providerTaskID == nil)
        #expect(try fixtures.balance(user) == 1000)
    }

    @Test func transientSubmitErrorsAreRetried() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let provider = ScriptedEmojiProvider(.init(submitErrors: [
            .http(.create, status: 429, providerCode: "Throttling.RateQuota", providerMessage: "slow down"),
            .transport(.create, "connection reset"),
        ]))
        #expect(try await processor(provider).process(taskID: task) == .completed(resultURL: "https://cdn.test/\(resultKey(user, task))"))
        #expect(provider.submitAttempts == 3)
        #expect(provider.submits == 1)
    }

    @Test func exhaustedRetriesFailAndRefund() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let busy = DashScopeError.http(.create, status: 503, providerCode: "ServiceUnavailable", providerMessage: "busy")
        let provider = ScriptedEmojiProvider(.init(submitErrors: [busy, busy, busy, busy]))
        #expect(try await processor(provider).process(taskID: task) == .failed(reason: .retriesExhausted, refunded: true))
        #expect(provider.submitAttempts == 3)
        #expect(try fixtures.row(task)?.errorCode == "ServiceUnavailable")
    }

    @Test func transientQueryErrorsKeepPolling() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let provider = ScriptedEmojiProvider(.init(queryErrors: [
            .http(.query, status: 429, providerCode: "Throttling", providerMessage: nil), .transport(.query, "timeout"),
        ]))
        #expect(try await processor(provider).process(taskID: task) == .completed(resultURL: "https://cdn.test/\(resultKey(user, task))"))
    }

    @Test func resumesFromTheStoredProviderTaskWithoutSubmitting() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        // A worker died after submitting: the provider id is stored, its lease ran out.
        try fixtures.execute("""
            UPDATE emoji_tasks SET status = 'processing', aliyun_task_id = 'p-earlier', submitted_at = now(),
                   worker = 'dead', worker_lease_until = now() - interval '1 second' WHERE id = $1
            """, [task])
        let provider = ScriptedEmojiProvider()
        #expect(try await processor(provider).process(taskID: task) == .completed(resultURL: "https://cdn.test/\(resultKey(user, task))"))
        #expect(provider.submitAttempts == 0)
        #expect(try fixtures.row(task)?.providerTaskID == "p-earlier")
    }

    @Test func timeoutCountsFromThePersistedSubmission() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        try fixtures.execute("""
            UPDATE emoji_tasks SET status = 'processing', aliyun_task_id = 'p-old', submitted_at = now() - interval '2 hours'
            WHERE id = $1
            """, [task])
        let provider = ScriptedEmojiProvider(.init(states: [ProviderTaskState(status: "RUNNING")]))
        #expect(try await processor(provider).process(taskID: task) == .failed(reason: .timeout, refunded: true))
        #expect(provider.queries == 1)
        let row = try #require(try fixtures.row(task))
        #expect(row.errorCode == "Timeout")
        #expect(row.providerStatus == "RUNNING")
        #expect(try fixtures.balance(user) == 1000)
    }

    @Test func aTaskWithoutFaceBoxesFailsWithoutSubmitting() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user, detectResult: ["raw": ["x": 1]])
        let provider = ScriptedEmojiProvider()
        #expect(try await processor(provider).process(taskID: task) == .failed(reason: .invalidTask, refunded: true))
        #expect(provider.submitAttempts == 0)
    }

    @Test func anUnstorableVideoLeavesTheEntryForALaterDelivery() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let provider = ScriptedEmojiProvider()
        let sink = MemoryResultSink(failFirst: 2)
        await #expect(throws: EmojiProcessingError.self) { try await self.processor(provider, sink: sink).process(taskID: task) }
        #expect(try fixtures.row(task)?.status == "processing")
        // The next delivery resumes polling and stores it.
        #expect(try await processor(provider, sink: sink).process(taskID: task) == .completed(resultURL: "https://cdn.test/\(resultKey(user, task))"))
        #expect(provider.submits == 1)
    }

    @Test func unknownAndMalformedEntriesThrowSoTheyAreDeadLettered() async throws {
        let processor = processor(ScriptedEmojiProvider())
        await #expect(throws: EmojiProcessingError.self) {
            try await processor.handle(StreamEntry(id: "1-0", fields: ["task_id": "123456789"]), deliveries: 1)
        }
        await #expect(throws: EmojiProcessingError.self) {
            try await processor.handle(StreamEntry(id: "1-1", fields: ["task_id": "not-a-number"]), deliveries: 1)
        }
        await #expect(throws: EmojiProcessingError.self) {
            try await processor.handle(StreamEntry(id: "1-2", fields: ["garbage": "x"]), deliveries: 1)
        }
        // Settling them touches nothing.
        try await processor.settleDeadLetter(StreamEntry(id: "1-2", fields: ["garbage": "x"]), deliveries: 6, reason: "test")
        try await processor.settleDeadLetter(StreamEntry(id: "1-0", fields: ["task_id": "123456789"]), deliveries: 6, reason: "test")
    }

    @Test func deadLetteringFailsAndRefundsAStuckTask() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let processor = processor(ScriptedEmojiProvider())
        try await processor.settleDeadLetter(StreamEntry(id: "1-0", fields: ["task_id": String(task)]), deliveries: 6, reason: "delivered 6 times")
        let row = try #require(try fixtures.row(task))
        #expect(row.status == "failed")
        #expect(row.errorCode == "DeadLettered")
        #expect(try fixtures.refunds(task) == 1)
        #expect(try fixtures.balance(user) == 1000)
    }

    @Test func waitsWhileAnotherLiveWorkerHoldsTheTask() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        try fixtures.execute("""
            UPDATE emoji_tasks SET status = 'processing', aliyun_task_id = 'p-other', submitted_at = now(),
                   worker = 'other', worker_lease_until = now() + interval '30 seconds' WHERE id = $1
            """, [task])
        let provider = ScriptedEmojiProvider()
        let processor = processor(provider)
        let running = Task { try await processor.process(taskID: task) }
        try await Task.sleep(for: .milliseconds(400))
        #expect(provider.queries == 0)
        // The other worker finishes it.
        try fixtures.execute("UPDATE emoji_tasks SET status = 'completed', result_url = 'x', completed_at = now() WHERE id = $1", [task])
        #expect(try await running.value == .alreadyTerminal)
        #expect(provider.queries == 0 && provider.submitAttempts == 0)
    }

    @Test func twoWorkersRacingOneTaskSubmitItOnce() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let provider = ScriptedEmojiProvider(.init(
            states: [ProviderTaskState(status: "RUNNING"), ProviderTaskState(status: "RUNNING"),
                     ProviderTaskState(status: "SUCCEEDED", videoURL: "https://video.test/b.mp4")],
            submitDelay: .milliseconds(100)))
        let a = processor(provider, worker: "worker-a")
        let b = processor(provider, worker: "worker-b")
        async let first = a.process(taskID: task)
        async let second = b.process(taskID: task)
        let outcomes = try await [first, second]
        #expect(provider.submits == 1)
        #expect(outcomes.filter { if case .completed = $0 { true } else { false } }.count == 1)
        #expect(outcomes.contains(.alreadyTerminal))
        #expect(try fixtures.row(task)?.status == "completed")
    }

    @Test func cancellationAtShutdownReleasesTheLeaseAndAnotherWorkerResumes() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let provider = ScriptedEmojiProvider(.init(states: [ProviderTaskState(status: "RUNNING")]))
        let first = processor(provider, worker: "worker-a")
        let running = Task { try await first.process(taskID: task) }
        // Wait until it polls, then stop it as the consumer's shutdown deadline would.
        for _ in 0..<200 where provider.queries == 0 { try await Task.sleep(for: .milliseconds(10)) }
        running.cancel()
        await #expect(throws: CancellationError.self) { try await running.value }
        let row = try #require(try fixtures.row(task))
        #expect(row.status == "processing")
        #expect(row.providerTaskID != nil)
        #expect(try #require(row.leaseUntil) <= Date().addingTimeInterval(1))

        provider.update { $0.states = [ProviderTaskState(status: "SUCCEEDED", videoURL: "https://video.test/c.mp4")] }
        let second = processor(provider, worker: "worker-b")
        #expect(try await second.process(taskID: task) == .completed(resultURL: "https://cdn.test/\(resultKey(user, task))"))
        #expect(provider.submits == 1)
    }

    @Test func theRateLimiterSpacesSubmissions() async throws {
        let user = try fixtures.user(balance: 10_000)
        let tasks = try (0..<6).map { _ in try fixtures.task(userID: user) }
        let provider = ScriptedEmojiProvider()
        let limiter = SubmitRateLimiter(redis: redis, apiKey: TestEnvironment.uniqueName("key"), ratePerSecond: 20)
        let processor = processor(provider, limiter: limiter)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: EmojiTaskOutcome.self) { group in
            for task in tasks { group.addTask { try await processor.process(taskID: task) } }
            for try await outcome in group { #expect(outcome != .alreadyTerminal) }
        }
        // Six slots 50 ms apart: the last one at least 250 ms after the first.
        #expect(ContinuousClock.now - start >= .milliseconds(240))
        #expect(provider.submits == 6)
    }

    @Test func theSweeperReEnqueuesATaskWhoseEntryWasLostOnce() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        let fresh = try fixtures.task(userID: user)
        try fixtures.execute("""
            UPDATE emoji_tasks SET status = 'processing', aliyun_task_id = 'p-lost', submitted_at = now() - interval '1 hour',
                   worker = 'gone', worker_lease_until = now() - interval '30 minutes' WHERE id = $1
            """, [task])
        // A task whose lease only just lapsed is still in some consumer's hands.
        try fixtures.execute("""
            UPDATE emoji_tasks SET status = 'processing', worker = 'slow', worker_lease_until = now() - interval '5 seconds' WHERE id = $1
            """, [fresh])
        // Its own Redis database: the stream name is fixed by the contract.
        let redis = RedisPool(configuration: .testStack(database: 6), size: 2)
        defer { redis.shutdown() }
        let before = try await redis.withConnection { try $0.xlen(EmojiWorkerConfiguration.stream) }
        let sweeper = EmojiTaskSweeper(store: EmojiTaskStore(pool: pool, ledger: fixtures.ledger), redis: redis,
                                       idleFor: .seconds(600), interval: .seconds(60), logger: Logger(label: "test"))
        #expect(try await sweeper.sweepOnce() >= 1)
        #expect(try await sweeper.sweepOnce() == 0)
        let entries = try await redis.withConnection { connection in
            try connection.command(["XREVRANGE", .string(EmojiWorkerConfiguration.stream), "+", "-", "COUNT", 50])
        }
        let ids = (entries.arrayValue ?? []).compactMap { $0.arrayValue?.last?.arrayValue?[1].stringValue }
        #expect(ids.contains(String(task)))
        #expect(!ids.contains(String(fresh)))
        #expect(try await redis.withConnection { try $0.xlen(EmojiWorkerConfiguration.stream) } > before)
        // The entry leads to a normal resume.
        let provider = ScriptedEmojiProvider()
        #expect(try await processor(provider).process(taskID: task) == .completed(resultURL: "https://cdn.test/\(resultKey(user, task))"))
        #expect(provider.submitAttempts == 0)
        _ = try await redis.withConnection { try $0.del([EmojiWorkerConfiguration.stream]) }
    }
}
