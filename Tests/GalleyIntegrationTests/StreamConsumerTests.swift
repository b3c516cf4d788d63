import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyRedis
@testable import GalleyRuntime
@testable import GalleyGateway
import GalleyTestSupport

/// The shared consumer against the real Redis: handling, dead consumers' entries
/// claimed, poison entries dead-lettered, shutdown leaving work for others.
/// Serialized: its tests time claim-idle times and heartbeats, which a parallel neighbour in the same suite
/// can starve on a 2-core machine.
@Suite(.serialized) struct StreamConsumerTests {
    final class RecordingHandler: StreamHandler {
        let handled = Mutex<[String: Int]>([:])
        let settled = Mutex<[String]>([])
        let delay: Duration

        init(delay: Duration = .zero) { self.delay = delay }

        func handle(_ entry: StreamEntry, deliveries: Int) async throws {
            if delay > .zero { try await Task.sleep(for: delay) }
            guard entry.fields["task_id"] != "poison" else { throw TestFailure() }
            handled.withLock { $0[entry.fields["task_id"] ?? "?", default: 0] += 1 }
        }

        func settleDeadLetter(_ entry: StreamEntry, deliveries: Int, reason: String) async throws {
            settled.withLock { $0.append(entry.fields["task_id"] ?? "?") }
        }
    }

    struct TestFailure: Error {}

    let pool = RedisPool(
        configuration: .testStack(),
        size: 6, logger: Logger(label: "test"))

    func configuration(_ stream: String, consumer: String) -> StreamConsumerConfiguration {
        var config = StreamConsumerConfiguration(stream: stream, group: "g", consumer: consumer)
        config.concurrency = 8
        config.readBlock = .milliseconds(100)
        config.claimMinIdle = .milliseconds(300)
        config.claimInterval = .milliseconds(100)
        config.heartbeatInterval = .milliseconds(100)
        config.maxDeliveries = 3
        config.shutdownDeadline = .seconds(2)
        return config
    }

    func waitUntil(_ condition: @Sendable () -> Bool, timeout: Duration = .seconds(15)) async -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    @Test func handlesEveryEntryOnceAndDeadLettersPoison() async throws {
        let stream = TestEnvironment.uniqueName("consumer")
        for index in 0..<50 {
            _ = try await pool.withConnection { try $0.xadd(stream, maxLength: nil, fields: [("task_id", "t\(index)")]) }
        }
        _ = try await pool.withConnection { try $0.xadd(stream, maxLength: nil, fields: [("task_id", "poison")]) }

        let handler = RecordingHandler()
        let consumer = StreamConsumer(configuration: configuration(stream, consumer: "a"), redis: pool, handler: handler, logger: Logger(label: "test"))
        let running = Task { try await consumer.run() }

        #expect(await waitUntil { handler.handled.withLock { $0.count } == 50 })
        #expect(await waitUntil { handler.settled.withLock { $0 } == ["poison"] })
        consumer.shutdown()
        try await running.value

        #expect(handler.handled.withLock { $0.values.allSatisfy { $0 == 1 } })
        let dead = try await pool.withConnection { try $0.command(["XRANGE", .string(stream + ":dead"), "-", "+"]) }
        let deadEntries = dead.arrayValue ?? []
        #expect(deadEntries.count == 1)
        let summary = try await pool.withConnection { try $0.xpendingSummary(stream, group: "g") }
        #expect(summary.count == 0)
        // One key per DEL: on the Cluster pass the two are in different slots.
        _ = try await pool.withConnection { connection in try connection.del([stream]) + connection.del([stream + ":dead"]) }
    }

    @Test func claimsEntriesOfADeadConsumer() async throws {
        let stream = TestEnvironment.uniqueName("consumer")
        _ = try await pool.withConnection { connection in
            _ = try connection.xgroupCreate(stream, group: "g", startID: "0")
            for index in 0..<5 { _ = try connection.xadd(stream, maxLength: nil, fields: [("task_id", "d\(index)")]) }
            // Consumer "dead" reads them and never acks.
            return try connection.xreadgroup(group: "g", consumer: "dead", stream: stream, count: 10, blockMilliseconds: nil, startID: ">")
        }
        let handler = RecordingHandler()
        let consumer = StreamConsumer(configuration: configuration(stream, consumer: "alive"), redis: pool, handler: handler, logger: Logger(label: "test"))
        let running = Task { try await consumer.run() }
        #expect(await waitUntil { handler.handled.withLock { $0.count } == 5 })
        consumer.shutdown()
        try await running.value
        let summary = try await pool.withConnection { try $0.xpendingSummary(stream, group: "g") }
        #expect(summary.count == 0)
        _ = try await pool.withConnection { try $0.del([stream]) }
    }

    @Test func heartbeatKeepsLongEntriesFromBeingClaimed() async throws {
        let stream = TestEnvironment.uniqueName("consumer")
        _ = try await pool.withConnection { try $0.xadd(stream, maxLength: nil, fields: [("task_id", "slow")]) }
        // The entry takes 7 s, over twice the claim idle: without the heartbeat (every
        // 100 ms) the other consumer would claim and handle it a second time.
        var config = configuration(stream, consumer: "one")
        config.claimMinIdle = .seconds(3)
        let slowHandler = RecordingHandler(delay: .seconds(7))
        let first = StreamConsumer(configuration: config, redis: pool, handler: slowHandler, logger: Logger(label: "test"))
        let firstRun = Task { try await first.run() }
        try await Task.sleep(for: .milliseconds(200))
        let otherHandler = RecordingHandler()
        var otherConfig = configuration(stream, consumer: "two")
        otherConfig.claimMinIdle = .seconds(3)
        let second = StreamConsumer(configuration: otherConfig, redis: pool, handler: otherHandler, logger: Logger(label: "test"))
        let secondRun = Task { try await second.run() }
        #expect(await waitUntil { slowHandler.handled.withLock { $0.count } == 1 })
        try await Task.sleep(for: .milliseconds(500))
        #expect(otherHandler.handled.withLock { $0.isEmpty })
        first.shutdown()
        second.shutdown()
        try await firstRun.value
        try await secondRun.value
        _ = try await pool.withConnection { try $0.del([stream]) }
    }
}
