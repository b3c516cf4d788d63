import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyRuntime
@testable import GalleyEmoji
@testable import GalleyWebhooks
import GalleyTestSupport

/// The reconciler against real PostgreSQL and Redis: a row whose acknowledged stream
/// entry was lost is sent again and settles once; a row whose entry still waits in the
/// stream is left alone; a re-send next to a still-delivered original pays the provider
/// once and charges once.
@Suite(.serialized) final class ReconcilerTests: Sendable {
    let pool: PostgresPool
    let fixtures: EmojiFixtures
    let settings: Settings
    let redis = RedisPool(configuration: .testStack(), size: 4)
    let stream = "test:reconcile:\(UUID().uuidString)"

    init() throws {
        settings = try TestEnvironment.tableDefaults()
        pool = try EmojiTestDatabase.get().pool
        fixtures = try EmojiFixtures(pool: pool)
    }

    deinit {
        _ = try? redis.withConnection { try $0.del([stream]) }
        redis.shutdown()
    }

    /// A reconciler over this test's stream that sees only `tasks` (the database is shared).
    func reconciler(_ tasks: [Int64], after: Duration = .milliseconds(300), registry: MetricsRegistry = MetricsRegistry()) -> StreamReconciler {
        let store = EmojiTaskStore(pool: pool, ledger: fixtures.ledger)
        let mine = Set(tasks.map(String.init))
        return StreamReconciler(stream: stream, group: EmojiWorkerConfiguration.group, after: after, interval: .milliseconds(100),
                                batchSize: 1_000_000, redis: redis, registry: registry, logger: Logger(label: "test.reconcile")) { cutoff, limit in
            try await store.lostPending(before: cutoff, limit: limit).filter { mine.contains($0.key) }
        }
    }

    func consumer(_ provider: ScriptedEmojiProvider) -> StreamConsumer {
        var config = EmojiWorkerConfiguration(settings: settings, consumer: "alive", workerID: "worker-\(UUID().uuidString.prefix(8))")
        config.pollInterval = .milliseconds(20)
        config.pollTimeout = .seconds(30)
        config.leaseDuration = .seconds(20)
        config.claimMinIdle = .milliseconds(300)
        config.readBlock = .milliseconds(100)
        config.resultPrefix = "results"
        let processor = EmojiTaskProcessor(configuration: config, store: EmojiTaskStore(pool: pool, ledger: fixtures.ledger),
                                           provider: provider, results: MemoryResultSink(), limiter: nil,
                                           metrics: EmojiWorkerMetrics(registry: MetricsRegistry()), logger: Logger(label: "test"))
        var streamConfig = config.streamConsumer
        streamConfig.stream = stream
        return StreamConsumer(configuration: streamConfig, redis: redis, handler: processor, logger: Logger(label: "test"))
    }

    static func succeeding() -> ScriptedEmojiProvider {
        ScriptedEmojiProvider(.init(states: [ProviderTaskState(status: "SUCCEEDED", videoURL: "https://video.test/r.mp4")]))
    }

    /// A blocking Redis call (the pool's sync variant, kept off the async overload).
    func onRedis<T>(_ body: (RedisConnection) throws -> T) throws -> T { try redis.withConnection(body) }

    func entries() throws -> [String] {
        try onRedis { connection in
            (try connection.command(["XRANGE", .string(stream), "-", "+"]).arrayValue ?? []).compactMap { $0.arrayValue?.first?.stringValue }
        }
    }

    func waitUntil(timeout: Duration = .seconds(20), _ condition: () throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try condition()
    }

    @Test func aTaskWhoseEntryWasDeletedByHandCompletesChargedOnce() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        try EmojiFixtures.enqueue(task, userID: user, on: redis, stream: stream)
        // Redis acknowledged the entry, then lost it.
        let ids = try entries()
        _ = try onRedis { try $0.xdel(self.stream, ids: ids) }
        #expect(try entries().isEmpty)

        let provider = Self.succeeding()
        let consumer = consumer(provider)
        let registry = MetricsRegistry()
        let reconciler = reconciler([task], after: .milliseconds(500), registry: registry)
        let started = ContinuousClock.now
        let running = Task { try await consumer.run() }
        let reconciling = Task { await reconciler.run() }
        #expect(try await waitUntil { try self.fixtures.row(task)?.status == "completed" })
        let took = ContinuousClock.now - started
        consumer.shutdown()
        reconciling.cancel()
        try await running.value
        await reconciling.value

        // Within the threshold plus a sweep interval and the generation (loaded machine: generous).
        #expect(took < .seconds(10))
        #expect(provider.submits == 1)
        #expect(try fixtures.balance(user) == 800)
        #expect(try fixtures.refunds(task) == 0)
        #expect(try fixtures.ledgerViolations(users: [user]).isEmpty)
        #expect(registry.counter("galley_reconciler_resent_total", help: "", labels: [("stream", stream)]).value == 1)
    }

    @Test func anEntryStillQueuedBehindABacklogIsNotResent() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        _ = try onRedis { try $0.xgroupCreate(self.stream, group: EmojiWorkerConfiguration.group, startID: "0") }
        try EmojiFixtures.enqueue(task, userID: user, on: redis, stream: stream)
        try await Task.sleep(for: .milliseconds(400))

        let reconciler = reconciler([task])
        // Past the threshold, but its entry is undelivered: not lost.
        #expect(try await reconciler.sweepOnce().isEmpty)
        #expect(try entries().count == 1)

        // Once the entry is gone, the task is re-sent, once per threshold whatever the sweeps.
        let ids = try entries()
        _ = try onRedis { try $0.xdel(self.stream, ids: ids) }
        #expect(try await reconciler.sweepOnce() == [String(task)])
        #expect(try await reconciler.sweepOnce().isEmpty)
        #expect(try entries().count == 1)
    }

    @Test func aTaskWithAnOutboxRowIsLeftToTheRelay() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        try fixtures.execute("INSERT INTO outbox (id, stream, fields) VALUES ($1, 'emoji_tasks', $2::jsonb)",
                             [fixtures.ids.next(), JSONWriter.string(["task_id": .string(String(task))])])
        defer { try? fixtures.execute("DELETE FROM outbox WHERE fields->>'task_id' = $1", [String(task)]) }
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await reconciler([task]).sweepOnce().isEmpty)
        #expect(try entries().isEmpty)
    }

    @Test func aResendNextToTheDeliveredOriginalSubmitsAndChargesOnce() async throws {
        let user = try fixtures.user(balance: 1000)
        let task = try fixtures.task(userID: user)
        try EmojiFixtures.enqueue(task, userID: user, on: redis, stream: stream)
        // A consumer read the original and died before claiming the task: the entry is
        // delivered (pending in the group), the task still `pending`.
        _ = try onRedis { connection in
            _ = try connection.xgroupCreate(self.stream, group: EmojiWorkerConfiguration.group, startID: "0")
            return try connection.xreadgroup(group: EmojiWorkerConfiguration.group, consumer: "dead", stream: self.stream,
                                             count: 10, blockMilliseconds: nil, startID: ">")
        }
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await reconciler([task]).sweepOnce() == [String(task)])
        #expect(try entries().count == 2)

        // The live consumer reclaims the original and reads the re-send: two deliveries.
        let provider = Self.succeeding()
        let consumer = consumer(provider)
        let running = Task { try await consumer.run() }
        #expect(try await waitUntil {
            let pending = try self.onRedis { try $0.xpendingSummary(self.stream, group: EmojiWorkerConfiguration.group) }
            return try self.fixtures.row(task)?.status == "completed" && pending.count == 0
        })
        consumer.shutdown()
        try await running.value

        #expect(provider.submits == 1)
        #expect(try fixtures.balance(user) == 800)
        #expect(try fixtures.refunds(task) == 0)
        #expect(try fixtures.ledgerViolations(users: [user]).isEmpty)
    }

    @Test func aWebhookEventWhoseEntryWasLostIsAppliedOnce() async throws {
        let harness = try WebhookHarness()
        try harness.createUser(WebhookSamples.sampleUser)
        let eventID = try harness.store(WebhookSamples.nonRenewingPurchase(id: "lost-\(UUID().uuidString.prefix(8))"))
        try await Task.sleep(for: .milliseconds(400))
        let reconciler = StreamReconciler(stream: stream, group: WebhookReconcileSource.group, after: .milliseconds(300),
                                          redis: redis, registry: MetricsRegistry(), logger: Logger(label: "test.reconcile")) { cutoff, limit in
            try await WebhookReconcileSource.lostReceived(pool: harness.pool, before: cutoff, limit: limit)
        }
        #expect(try await reconciler.sweepOnce() == [eventID])
        let resent = try onRedis { connection in
            try RedisConnection.streamEntries(try connection.command(["XRANGE", .string(self.stream), "-", "+"]))
        }
        #expect(resent.map(\.fields) == [["event_id": eventID]])

        // The re-send and a late original both reach the handler: one credit.
        let handler = WebhookStreamHandler(applier: harness.applier, pool: harness.pool, metrics: WebhookMetrics(registry: MetricsRegistry()))
        for entry in resent + resent { try await handler.handle(entry, deliveries: 1) }
        #expect(try harness.eventRow(eventID).status == "processed")
        #expect(try harness.balance(WebhookSamples.sampleUser) == 2100)
        #expect(try harness.ledgerViolations().isEmpty)
        // Applied: nothing left to reconcile.
        #expect(try await reconciler.sweepOnce().isEmpty)
    }
}
