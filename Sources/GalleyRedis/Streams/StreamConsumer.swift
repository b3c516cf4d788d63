import Dispatch
import Foundation
import Synchronization
public import GalleyCore

/// Runs a ``StreamHandler`` over a Redis stream consumer group with bounded
/// concurrency, a heartbeat on entries in flight, reclaim of dead consumers' entries
/// and a dead-letter stream, the pattern both workers share.
///
/// On start it first finishes its own pending entries (a restart of the same
/// consumer), then reads new ones. ``shutdown()`` stops reading; entries still in
/// flight at the deadline are cancelled and stay pending for another consumer.
public final class StreamConsumer: Sendable {
    public let configuration: StreamConsumerConfiguration
    private let redis: RedisPool
    private let handler: any StreamHandler
    private let logger: Logger
    private let slots: AsyncSemaphore
    private let stopping = Atomic<Bool>(false)
    private let inFlight = Mutex<Set<String>>([])
    private let claimedTotal: Counter
    private let deadLettersTotal: Counter

    public init(configuration: StreamConsumerConfiguration, redis: RedisPool, handler: any StreamHandler,
                logger: Logger, metrics: MetricsRegistry = .shared) {
        self.configuration = configuration
        self.redis = redis
        self.handler = handler
        self.logger = logger.with("stream", configuration.stream)
        self.slots = AsyncSemaphore(permits: max(1, configuration.concurrency))
        let labels: MetricsRegistry.Labels = [("stream", configuration.stream)]
        claimedTotal = metrics.counter("galley_stream_claimed_total", help: "Entries claimed from dead consumers.", labels: labels)
        deadLettersTotal = metrics.counter("galley_stream_dead_letters_total", help: "Entries moved to the dead-letter stream.", labels: labels)
        let streamLabels: MetricsRegistry.Labels = [("stream", configuration.stream), ("group", configuration.group)]
        metrics.gauge("galley_stream_in_flight", help: "Entries this process is handling.", labels: streamLabels) { [weak self] in
            Double(self?.inFlightCount ?? 0)
        }
    }

    /// Entries being handled right now.
    public var inFlightCount: Int { inFlight.withLock { $0.count } }

    /// Asks ``run()`` to stop reading and wind down.
    public func shutdown() {
        stopping.store(true, ordering: .relaxed)
    }

    public var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Consumes until ``shutdown()``; returns when in-flight work is done or the deadline passed.
    public func run() async throws {
        let config = configuration
        _ = try await redis.withConnection { connection in
            try connection.xgroupCreate(config.stream, group: config.group, startID: "0")
        }
        logger.info("consumer started", ["group": config.group, "consumer": config.consumer, "concurrency": String(config.concurrency)])

        let stopHeartbeat = DispatchSemaphore(value: 0)
        let heartbeatFinished = startHeartbeat(stop: stopHeartbeat)
        var leftBehind: [String] = []
        await withDiscardingTaskGroup { group in
            await self.readLoop(group: &group)
            // Reading has stopped: give in-flight entries until the deadline.
            let deadline = ContinuousClock.now + config.shutdownDeadline
            while self.inFlightCount > 0, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
            leftBehind = self.inFlight.withLock { Array($0) }
            if !leftBehind.isEmpty {
                self.logger.warning("shutdown deadline reached; leaving entries for another consumer", ["left": String(leftBehind.count)])
            }
            group.cancelAll()
        }
        // Nothing throws past the heartbeat's start, so it is stopped here rather than in a defer:
        // the hand-over below must not race with one last heartbeat.
        stopHeartbeat.signal()
        heartbeatFinished.wait()
        await handOver(leftBehind)
        logger.info("consumer stopped")
    }

    private func readLoop(group: inout DiscardingTaskGroup) async {
        var startID = "0"  // our own pending entries first
        // The first claim round runs as soon as our own history is done: a consumer started
        // to replace a dead one picks its entries up at once.
        var nextClaim = ContinuousClock.now
        while !isStopping {
            await slots.acquire()
            if isStopping { slots.release(); break }
            var free = 1 + slots.tryAcquire(upTo: 63)
            // Claiming shares the reader's permits, so a busy reader never starves it.
            if startID == ">" && ContinuousClock.now >= nextClaim {
                nextClaim = ContinuousClock.now + configuration.claimInterval
                free -= await claim(upTo: free, in: &group)
                if free == 0 { continue }
            }
            let config = configuration
            let readFrom = startID
            let want = free
            let entries: [StreamEntry]
            do {
                entries = try await redis.withConnection { connection in
                    try connection.xreadgroup(
                        group: config.group, consumer: config.consumer, stream: config.stream, count: want,
                        blockMilliseconds: readFrom == ">" ? config.readBlock.wholeMilliseconds : nil,
                        startID: readFrom)
                }
            } catch {
                slots.release(want)
                logger.error("read failed; retrying", ["error": String(describing: error)])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            let readingHistory = readFrom != ">"
            if readingHistory {
                // Own history: continue after the last id seen; once it is empty, read new entries.
                startID = entries.last?.id ?? ">"
            }
            if want > entries.count { slots.release(want - entries.count) }
            for entry in entries {
                if entry.fields.isEmpty && readingHistory {
                    // A pending entry whose body was trimmed from the stream: nothing to do.
                    _ = try? await ack([entry.id])
                    slots.release()
                    continue
                }
                start(entry, deliveries: 1, in: &group)
            }
        }
    }

    /// Claims up to `limit` entries idle longer than ``StreamConsumerConfiguration/claimMinIdle``
    /// (their consumer died) and starts them, dead-lettering those delivered too often.
    /// Returns how many permits it used.
    private func claim(upTo limit: Int, in group: inout DiscardingTaskGroup) async -> Int {
        let config = configuration
        let claimed: [(StreamEntry, Int)]
        do {
            claimed = try await redis.withConnection { connection in
                let result = try connection.xautoclaim(
                    config.stream, group: config.group, consumer: config.consumer,
                    minIdleMilliseconds: config.claimMinIdle.wholeMilliseconds, start: "0-0", count: limit)
                return try result.entries.prefix(limit).map { entry in
                    let pending = try connection.xpending(config.stream, group: config.group, start: entry.id, end: entry.id, count: 1, consumer: nil)
                    return (entry, pending.first.map { Int($0.deliveries) } ?? 1)
                }
            }
        } catch {
            logger.warning("claim failed", ["error": String(describing: error)])
            return 0
        }
        for (entry, deliveries) in claimed {
            claimedTotal.increment()
            inFlight.withLock { _ = $0.insert(entry.id) }
            if deliveries > config.maxDeliveries {
                group.addTask { await self.deadLetter(entry, deliveries: deliveries) }
            } else {
                group.addTask { await self.process(entry, deliveries: deliveries) }
            }
        }
        return claimed.count
    }

    private func start(_ entry: StreamEntry, deliveries: Int, in group: inout DiscardingTaskGroup) {
        inFlight.withLock { _ = $0.insert(entry.id) }
        group.addTask {
            await self.process(entry, deliveries: deliveries)
        }
    }

    private func process(_ entry: StreamEntry, deliveries: Int) async {
        defer {
            inFlight.withLock { _ = $0.remove(entry.id) }
            slots.release()
        }
        do {
            try await handler.handle(entry, deliveries: deliveries)
            if Task.isCancelled { return }
            try await ack([entry.id])
        } catch is CancellationError {
            logger.info("entry left pending at shutdown", ["entry": entry.id])
        } catch {
            logger.warning("entry failed; it stays pending for a retry", ["entry": entry.id, "error": String(describing: error)])
        }
    }

    /// Entries left unfinished at shutdown get an idle time of ``StreamConsumerConfiguration/claimMinIdle``
    /// (XCLAIM … IDLE, JUSTID: no delivery counted), so another consumer claims them on its
    /// next round instead of waiting that long. Ids acked meanwhile are no longer pending
    /// and are skipped by Redis.
    private func handOver(_ ids: [String]) async {
        guard !ids.isEmpty else { return }
        let config = configuration
        do {
            try await redis.withConnection { connection in
                for start in stride(from: 0, to: ids.count, by: 100) {
                    var args: [RedisArgument] = ["XCLAIM", .string(config.stream), .string(config.group), .string(config.consumer), "0"]
                    args += ids[start..<min(start + 100, ids.count)].map { RedisArgument.string($0) }
                    args += ["IDLE", .integer(Int64(config.claimMinIdle.wholeMilliseconds)), "JUSTID"]
                    _ = try connection.command(args).checked()
                }
            }
            logger.info("entries handed over to other consumers", ["count": String(ids.count)])
        } catch {
            logger.warning("hand-over failed; entries are claimable after the claim idle time", ["error": String(describing: error)])
        }
    }

    private func ack(_ ids: [String]) async throws {
        let config = configuration
        _ = try await redis.withConnection { try $0.xack(config.stream, group: config.group, ids: ids) }
    }

    /// Keeps our in-flight entries' idle time near zero (XCLAIM … JUSTID does not count
    /// a delivery), so other consumers claim only entries whose consumer really died.
    /// It runs on its own OS thread with blocking calls: a busy cooperative pool must
    /// not let our entries look abandoned.
    private func startHeartbeat(stop: DispatchSemaphore) -> DispatchSemaphore {
        let finished = DispatchSemaphore(value: 0)
        let config = configuration
        let interval = Double(config.heartbeatInterval.wholeMilliseconds) / 1000
        let thread = Thread { [self] in
            while stop.wait(timeout: .now() + interval) == .timedOut {
                let ids = inFlight.withLock { Array($0) }
                if ids.isEmpty { continue }
                do {
                    try redis.withConnection { connection in
                        for start in stride(from: 0, to: ids.count, by: 100) {
                            var args: [RedisArgument] = ["XCLAIM", .string(config.stream), .string(config.group), .string(config.consumer), "0"]
                            args += ids[start..<min(start + 100, ids.count)].map { RedisArgument.string($0) }
                            args.append("JUSTID")
                            _ = try connection.command(args)
                        }
                    }
                } catch {
                    logger.warning("heartbeat failed", ["error": String(describing: error)])
                }
            }
            finished.signal()
        }
        thread.name = "galley-heartbeat"
        thread.start()
        return finished
    }

    private func deadLetter(_ entry: StreamEntry, deliveries: Int) async {
        defer {
            inFlight.withLock { _ = $0.remove(entry.id) }
            slots.release()
        }
        let config = configuration
        let reason = "delivered \(deliveries) times (max \(config.maxDeliveries))"
        do {
            try await handler.settleDeadLetter(entry, deliveries: deliveries, reason: reason)
            var fields = entry.fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            fields.append(("reason", reason))
            fields.append(("deliveries", String(deliveries)))
            fields.append(("original_id", entry.id))
            let deadFields = fields
            try await redis.withConnection { connection in
                _ = try connection.xadd(config.deadLetterStream, maxLength: config.deadLetterMaxLength, fields: deadFields)
                _ = try connection.xack(config.stream, group: config.group, ids: [entry.id])
            }
            deadLettersTotal.increment()
            logger.error("entry dead-lettered", ["entry": entry.id, "reason": reason])
        } catch {
            logger.error("dead-lettering failed; will retry", ["entry": entry.id, "error": String(describing: error)])
        }
    }
}
