import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyEmoji
import GalleyRuntime
import GalleyTestSupport

/// One user's backlog cannot starve another: with a per-user share of N, user A's 10×N
/// tasks queued ahead of user B's one do not keep B waiting for A's backlog, A never has
/// more than N at the provider, and every task still completes.
@Suite(.serialized) final class UserSubmitShareTests: Sendable {
    let pool: PostgresPool
    let fixtures: EmojiFixtures
    let settings: Settings
    let redis = RedisPool(configuration: .testStack(), size: 6)

    init() throws {
        settings = try TestEnvironment.tableDefaults()
        pool = try EmojiTestDatabase.get().pool
        fixtures = try EmojiFixtures(pool: pool)
    }

    deinit { redis.shutdown() }

    struct Submission: Sendable {
        var taskID: Int64
        var userID: Int64
        var submittedAt: Date
        var completedAt: Date
    }

    func submissions(_ tasks: [Int64]) throws -> [Submission] {
        try pool.withConnection { connection in
            try connection.query("""
                SELECT id, user_id, submitted_at, completed_at FROM emoji_tasks
                WHERE id = ANY($1::bigint[]) AND status = 'completed' ORDER BY submitted_at, id
                """, [tasks]).rows.map {
                Submission(taskID: try $0.decode(Int64.self, "id"), userID: try $0.decode(Int64.self, "user_id"),
                           submittedAt: try $0.decode(Date.self, "submitted_at"), completedAt: try $0.decode(Date.self, "completed_at"))
            }
        }
    }

    /// Runs a consumer over `stream` until every task is terminal (or 60 s).
    func run(stream: String, tasks: [Int64], share: Int?, metrics: EmojiWorkerMetrics) async throws {
        var config = EmojiWorkerConfiguration(settings: settings, consumer: "share-test", workerID: "share-\(stream)")
        config.taskStream = stream
        config.concurrency = 8
        config.pollInterval = .milliseconds(20)
        config.pollTimeout = .seconds(30)
        config.leaseDuration = .seconds(20)
        config.readBlock = .milliseconds(100)
        config.shareRetry = .milliseconds(50)
        config.backoff = Backoff(initial: .milliseconds(5), maximum: .milliseconds(20))
        // Each generation: three RUNNING answers, then done (about 80 ms).
        let running = ProviderTaskState(status: "RUNNING")
        let provider = ScriptedEmojiProvider(.init(states: [running, running, running,
                                                            ProviderTaskState(status: "SUCCEEDED", videoURL: "https://video.test/v.mp4")]))
        let limiter = SubmitRateLimiter(redis: redis, apiKey: "share-test-\(stream)", ratePerSecond: 100)
        let processor = EmojiTaskProcessor(
            configuration: config, store: EmojiTaskStore(pool: pool, ledger: fixtures.ledger), provider: provider,
            results: MemoryResultSink(), limiter: limiter, metrics: metrics, logger: Logger(label: "test"),
            share: share.map { UserSubmitShare(redis: redis, share: $0, reservation: .seconds(60)) })
        let consumer = StreamConsumer(configuration: config.streamConsumer, redis: redis, handler: processor, logger: Logger(label: "test"))
        let runner = Task { try await consumer.run() }
        let end = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < end, try submissions(tasks).count < tasks.count {
            try await Task.sleep(for: .milliseconds(50))
        }
        consumer.shutdown()
        try await runner.value
    }

    @Test func aBacklogDoesNotStarveAnotherUser() async throws {
        let share = 2
        let userA = try fixtures.user(balance: 100_000)
        let userB = try fixtures.user(balance: 1000)
        let stream = TestEnvironment.uniqueName("emoji-share")
        var tasks: [Int64] = []
        for _ in 0..<(10 * share) {
            let task = try fixtures.task(userID: userA)
            try EmojiFixtures.enqueue(task, userID: userA, on: redis, stream: stream)
            tasks.append(task)
        }
        let taskB = try fixtures.task(userID: userB)
        try EmojiFixtures.enqueue(taskB, userID: userB, on: redis, stream: stream)
        tasks.append(taskB)

        let metrics = EmojiWorkerMetrics(registry: MetricsRegistry())
        try await run(stream: stream, tasks: tasks, share: share, metrics: metrics)

        let done = try submissions(tasks)
        #expect(done.count == tasks.count, "every task completes")
        // B's one task went to the provider within the first few submissions, not after
        // A's backlog (it would be about the 9th with 8 slots and no share, the 21st FIFO).
        // Ideally the 3rd; a loaded machine's late timers let one more of A's retries in
        // first (seen: the 5th), so the bound is the 6th, still well before the 9th.
        let rankB = try #require(done.firstIndex { $0.taskID == taskB })
        #expect(rankB <= 2 * share + 1, "B submitted as number \(rankB + 1) of \(done.count)")
        // A never had more than its share at the provider at once.
        let taskA = done.filter { $0.userID == userA }
        for submission in taskA {
            let overlapping = taskA.filter { $0.submittedAt <= submission.submittedAt && $0.completedAt > submission.submittedAt }
            #expect(overlapping.count <= share, "\(overlapping.count) of A's tasks in flight at once")
        }
        #expect(metrics.deferred.value > 0)
        // Every place was given back.
        let left = try await redis.withConnection { try $0.command(["ZCARD", .string(UserSubmitShare.key(userID: userA))]).integerValue }
        #expect(left == 0)
    }

    @Test func withoutAShareTheBacklogGoesFirst() async throws {
        // The control: the same run without a share submits B behind A's first slots' worth.
        let userA = try fixtures.user(balance: 100_000)
        let userB = try fixtures.user(balance: 1000)
        let stream = TestEnvironment.uniqueName("emoji-noshare")
        var tasks: [Int64] = []
        for _ in 0..<20 {
            let task = try fixtures.task(userID: userA)
            try EmojiFixtures.enqueue(task, userID: userA, on: redis, stream: stream)
            tasks.append(task)
        }
        let taskB = try fixtures.task(userID: userB)
        try EmojiFixtures.enqueue(taskB, userID: userB, on: redis, stream: stream)
        tasks.append(taskB)
        try await run(stream: stream, tasks: tasks, share: nil, metrics: EmojiWorkerMetrics(registry: MetricsRegistry()))
        let done = try submissions(tasks)
        #expect(done.count == tasks.count)
        let rankB = try #require(done.firstIndex { $0.taskID == taskB })
        #expect(rankB >= 8, "B submitted as number \(rankB + 1): behind the 8 slots A filled")
    }
}
