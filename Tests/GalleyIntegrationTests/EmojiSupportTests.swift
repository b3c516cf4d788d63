import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyRedis
@testable import GalleyRuntime
@testable import GalleyEmoji
@testable import GalleyGateway
import GalleyTestSupport

/// The emoji worker's small parts: backoff, the fleet-wide submit limiter, the mock
/// provider and its sample video, the worker's settings.
@Suite struct EmojiSupportTests {
    struct FixedRandom: RandomNumberGenerator {
        var value: UInt64
        mutating func next() -> UInt64 { value }
    }

    @Test func backoffGrowsWithinHalfAndFullCeiling() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2)
        #expect(backoff.ceiling(forAttempt: 0) == 0.1)
        #expect(backoff.ceiling(forAttempt: 3) == 0.8)
        #expect(backoff.ceiling(forAttempt: 10) == 2)
        #expect(backoff.ceiling(forAttempt: 10_000) == 2)
        var low = FixedRandom(value: 0)
        var high = FixedRandom(value: .max)
        for attempt in 0..<12 {
            let ceiling = backoff.ceiling(forAttempt: attempt)
            let lowDelay = backoff.delay(forAttempt: attempt, using: &low).seconds
            let highDelay = backoff.delay(forAttempt: attempt, using: &high).seconds
            #expect(abs(lowDelay - ceiling / 2) < 0.002)
            #expect(highDelay <= ceiling + 0.001 && highDelay >= ceiling * 0.99)
        }
        for attempt in 0..<20 {
            let delay = backoff.delay(forAttempt: attempt).seconds
            #expect(delay >= backoff.ceiling(forAttempt: attempt) / 2 - 0.001 && delay <= 2.001)
        }
    }

    @Test func submitLimiterHandsOutSpacedSlotsSharedByKey() async throws {
        let redis = RedisPool(configuration: .testStack(), size: 2)
        defer { redis.shutdown() }
        let apiKey = TestEnvironment.uniqueName("sk")
        let key = SubmitRateLimiter.key(apiKey: apiKey)
        #expect(key.hasPrefix("galley:dashscope:submit:") && !key.contains(apiKey))
        #expect(key == SubmitRateLimiter.key(apiKey: apiKey))
        // Ten reservations at 10/s in one pipeline (they reach Redis within microseconds):
        // each slot is 100 ms after the previous one.
        let reserve: [RedisArgument] = ["EVAL", .string(SubmitRateLimiter.reserveScript), 1, .string(key), 100_000]
        let waits = try await redis.withConnection { connection in
            try connection.pipeline(Array(repeating: reserve, count: 10)).map { try $0.checked().integerValue ?? -1 }
        }
        #expect(waits[0] == 0)
        for (earlier, later) in zip(waits, waits.dropFirst()) {
            #expect(later - earlier > 99_000 && later - earlier <= 100_000)
        }
        _ = try await redis.withConnection { try $0.del([key]) }

        // Two processes (limiters) on one key share the rate: 5 acquires each at 20/s take ≥ 450 ms.
        let one = SubmitRateLimiter(redis: redis, apiKey: apiKey, ratePerSecond: 20)
        let two = SubmitRateLimiter(redis: redis, apiKey: apiKey, ratePerSecond: 20)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<10 { group.addTask { try await (index % 2 == 0 ? one : two).acquire() } }
            try await group.waitForAll()
        }
        #expect(ContinuousClock.now - start >= .milliseconds(440))
        // Another key is not slowed by this one: its first slot is now.
        let otherKey = SubmitRateLimiter.key(apiKey: apiKey + "-other")
        let otherWait = try await redis.withConnection { connection in
            try connection.eval(SubmitRateLimiter.reserveScript, keys: [otherKey], args: [.integer(50_000)]).integerValue
        }
        #expect(otherWait == 0)
        // One key per DEL: on the Cluster pass the two are in different slots.
        _ = try await redis.withConnection { connection in try connection.del([key]) + connection.del([otherKey]) }
    }

    @Test func submitLimiterWaitIsCancellable() async throws {
        let redis = RedisPool(configuration: .testStack(), size: 2)
        defer { redis.shutdown() }
        let limiter = SubmitRateLimiter(redis: redis, apiKey: TestEnvironment.uniqueName("sk"), ratePerSecond: 0.001)
        try await limiter.acquire()
        let waiting = Task { try await limiter.acquire() }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        _ = try await redis.withConnection { try $0.del([limiter.key]) }
    }

    @Test func mockProviderDetectsAndCompletesAfterItsDelay() async throws {
        let clock = MockClock()
        let mock = MockEmojiProvider(delay: .seconds(2), now: { clock.now })
        let detection = try await mock.detect(imageURL: "https://img.test/a.jpg")
        #expect(detection == FaceDetection(passed: true, faceBox: [0, 0, 100, 100], extBox: [0, 0, 120, 120], raw: ["mock": true]))
        let submitted = try await mock.submit(GenerationRequest(imageURL: "u", drivenID: "d", faceBox: [0, 0, 1, 1], extBox: [0, 0, 1, 1]))
        #expect(submitted.status == "PENDING")
        #expect(try await mock.query(taskID: submitted.taskID).status == "PENDING")
        clock.advance(1)
        #expect(try await mock.query(taskID: submitted.taskID).status == "RUNNING")
        clock.advance(1.1)
        let done = try await mock.query(taskID: submitted.taskID)
        #expect(done.succeeded)
        #expect(done.videoURL == MockEmojiProvider.sampleVideoURL)
        #expect(MockEmojiProvider.isMockVideo(done.videoURL ?? ""))
        #expect(try await mock.query(taskID: "someone-elses").status == "UNKNOWN")
        // Any process can answer: the state is in the id.
        #expect(try await MockEmojiProvider(delay: .seconds(2), now: { clock.now }).query(taskID: submitted.taskID).succeeded)
    }

    @Test func sampleVideoIsASmallMP4() {
        let bytes = MockEmojiProvider.sampleVideo
        #expect(bytes.count > 500 && bytes.count < 8192)
        // ISO base media: a box of type "ftyp" first, and a "moov" box somewhere.
        #expect(Array(bytes[4..<8]) == Array("ftyp".utf8))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("moov") && text.contains("mdat") && text.contains("avc1"))
    }

    @Test func workerSettingsComeFromTheEnvironment() throws {
        let base = ["POSTGRES_SERVER": "db", "POSTGRES_USER": "u"]
        let defaults = EmojiWorkerConfiguration.load(settings: try Settings.load(from: base))
        #expect(defaults.concurrency == 64)
        #expect(defaults.maxDeliveries == 5)
        #expect(defaults.pollInterval == .seconds(15))
        #expect(defaults.pollTimeout == .seconds(600))
        #expect(defaults.claimMinIdle == .seconds(120))
        #expect(defaults.leaseDuration == .seconds(120))
        #expect(defaults.submitRatePerSecond == 1)
        #expect(defaults.workerID.hasPrefix(defaults.consumer + "/"))
        let stream = defaults.streamConsumer
        #expect(stream.stream == "emoji_tasks" && stream.group == "emoji_worker")
        #expect(stream.heartbeatInterval == .seconds(20))
        #expect(stream.claimInterval == .seconds(10))

        var env = base
        env["EMOJI_WORKER_CONSUMER"] = "w1"
        env["EMOJI_CONCURRENCY"] = "1000"
        env["EMOJI_CLAIM_IDLE_MILLISECONDS"] = "1500"
        env["EMOJI_POLL_INTERVAL_SECONDS"] = "0.2"
        env["EMOJI_POLL_TIMEOUT_SECONDS"] = "30"
        env["EMOJI_MAX_DELIVERIES"] = "3"
        env["EMOJI_LEASE_SECONDS"] = "2.5"
        env["DASHSCOPE_SUBMIT_RATE"] = "50"
        env["OSS_RESULT_PREFIX"] = "/out/"
        let custom = EmojiWorkerConfiguration.load(settings: try Settings.load(from: env))
        #expect(custom.consumer == "w1")
        #expect(custom.concurrency == 1000)
        #expect(custom.claimMinIdle == .milliseconds(1500))
        #expect(custom.pollInterval == .milliseconds(200))
        #expect(custom.pollTimeout == .seconds(30))
        #expect(custom.maxDeliveries == 3)
        #expect(custom.leaseDuration == .milliseconds(2500))
        #expect(custom.submitRatePerSecond == 50)
        #expect(custom.resultPrefix == "out")
        #expect(custom.streamConsumer.concurrency == 1000)

        env["EMOJI_LEASE_SECONDS"] = "0"
        #expect(throws: ConfigurationError.self) { EmojiWorkerConfiguration.load(settings: try Settings.load(from: env)) }
    }
}
