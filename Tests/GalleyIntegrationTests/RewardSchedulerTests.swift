import Dispatch
import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyRedis
@testable import GalleyRewards
import GalleyTestSupport

/// Serialized: its tests time the scheduler lock and its renewals, which a parallel neighbour in the same suite
/// can starve on a 2-core machine.
@Suite(.serialized) struct RewardSchedulerTests {
    private struct Boom: Error {}

    private let week = ISOWeek(containing: Date(timeIntervalSince1970: 1_795_262_400))  // 2026-W47

    private func configuration() -> RewardSchedulerConfiguration {
        var configuration = RewardSchedulerConfiguration()
        configuration.keyPrefix = TestEnvironment.uniqueName("galley:reward:schedule:test") + ":"
        return configuration
    }

    private func summary(_ week: ISOWeek, credited: Int = 3) -> RewardRunSummary {
        var summary = RewardRunSummary(week: week, dryRun: false)
        summary.eligible = credited
        summary.credited = credited
        summary.points = Int64(credited) * 2000
        return summary
    }

    @Test func twoReplicasWakingTogetherRunTheWeekOnce() async throws {
        let redis = RedisPool(configuration: .testStack(), size: 4)
        defer { redis.shutdown() }
        let configuration = configuration()
        let registry = MetricsRegistry()
        let metrics = RewardMetrics(registry: registry)
        let runs = Mutex(0)
        let week = self.week
        let runWeek: @Sendable (ISOWeek) throws -> RewardRunSummary = { [summary = summary(week)] _ in
            runs.withLock { $0 += 1 }
            Thread.sleep(forTimeInterval: 0.3)  // still running when the other replica tries
            return summary
        }
        let replicas = (0..<2).map { _ in
            RewardScheduler(configuration: configuration, redis: redis, metrics: metrics, runWeek: runWeek)
        }
        let outcomes = await RewardThreads.run(2) { index in try replicas[index].runIfDue(week) }
            .map { try? $0.get() }
        #expect(runs.withLock { $0 } == 1)
        #expect(outcomes.filter { $0 == .skipped }.count == 1)
        #expect(outcomes.filter { $0 == .ran(summary(week)) }.count == 1)

        // Finished: marked done for days, so a replica waking late skips it too.
        #expect(try await RewardThreads.run(1) { _ in try replicas[0].runIfDue(week) }[0].get() == .skipped)
        let key = configuration.keyPrefix + week.description
        let (value, ttl) = try await redis.withConnection { connection in
            (try connection.get(key), try connection.command(["PTTL", .string(key)]).integerValue ?? -1)
        }
        #expect(value?.hasPrefix("done:") == true)
        #expect(ttl > Int64(configuration.lockMilliseconds))
        #expect(runs.withLock { $0 } == 1)
        let metricsText = registry.render()
        #expect(metricsText.contains("galley_reward_runs_total{outcome=\"succeeded\"} 1"))
        #expect(metricsText.contains("galley_reward_runs_total{outcome=\"skipped\"} 2"))
        #expect(metricsText.contains("galley_reward_users_credited_total 3"))
        #expect(metricsText.contains("galley_reward_points_paid_total 6000"))
        _ = try await redis.withConnection { try $0.del(key) }
    }

    @Test func aFailedRunFreesTheWeekForTheNextAttempt() throws {
        let redis = RedisPool(configuration: .testStack(), size: 2)
        defer { redis.shutdown() }
        let configuration = configuration()
        let registry = MetricsRegistry()
        let attempts = Mutex(0)
        let week = self.week
        let scheduler = RewardScheduler(configuration: configuration, redis: redis,
                                        metrics: RewardMetrics(registry: registry)) { [summary = summary(week)] _ in
            let attempt = attempts.withLock { value -> Int in
                value += 1
                return value
            }
            if attempt == 1 { throw Boom() }
            return summary
        }
        #expect(throws: Boom.self) { try scheduler.runIfDue(week) }
        let key = configuration.keyPrefix + week.description
        #expect(try redis.withConnection { try $0.get(key) } == nil)
        #expect(try scheduler.runIfDue(week) == .ran(summary(week)))
        #expect(registry.render().contains("galley_reward_runs_total{outcome=\"failed\"} 1"))
        _ = try redis.withConnection { try $0.del(key) }
    }

    @Test func serveCatchesUpTheCurrentWeekThenStops() async throws {
        let redis = RedisPool(configuration: .testStack(), size: 2)
        defer { redis.shutdown() }
        let configuration = configuration()
        let ran = Mutex<[ISOWeek]>([])
        let called = DispatchSemaphore(value: 0)
        let scheduler = RewardScheduler(configuration: configuration, redis: redis,
                                        metrics: RewardMetrics(registry: MetricsRegistry())) { week in
            ran.withLock { $0.append(week) }
            called.signal()
            var summary = RewardRunSummary(week: week, dryRun: false)
            summary.credited = 0
            return summary
        }
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            scheduler.serve()
            done.signal()
        }
        let started = await RewardThreads.run(1) { _ in called.wait(timeout: .now() + 30) == .success }
        #expect(try started[0].get())
        scheduler.stop()
        let stopped = await RewardThreads.run(1) { _ in done.wait(timeout: .now() + 30) == .success }
        #expect(try stopped[0].get())
        let current = ISOWeek(containing: Date())
        #expect(ran.withLock { $0 } == [current])
        let key = configuration.keyPrefix + current.description
        _ = try await redis.withConnection { try $0.del(key) }
    }
}
