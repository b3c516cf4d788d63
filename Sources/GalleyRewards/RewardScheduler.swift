import Dispatch
public import Foundation
import Synchronization
public import GalleyCore
import GalleyPostgres
public import GalleyRedis
import GalleyRuntime

/// `RewardWorker schedule`: starts the week's reward run at Monday 00:00 UTC, for setups
/// without cron. Any number of replicas may run it: a Redis key per week
/// (`SET galley:reward:schedule:<week> NX PX`) lets one of them run the week and marks
/// the week done afterwards, so replicas that wake together or late skip it. The lock
/// only saves work: if it lapses or Redis loses it, overlapping runs still pay each user
/// once, because the database decides (see ``RewardStatements``).
///
/// Runs on the calling thread (a reward run is blocking); ``stop()`` from any thread.
public final class RewardScheduler: Sendable {
    public enum Outcome: Sendable, Hashable {
        /// This replica ran the week.
        case ran(RewardRunSummary)
        /// Another replica holds the week, or finished it.
        case skipped
    }

    /// Marks the week done if the lock is still ours: `1` when it did.
    static let markDoneScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            redis.call('SET', KEYS[1], 'done:' .. ARGV[1], 'PX', ARGV[2])
            return 1
        end
        return 0
        """

    /// Releases the lock if it is still ours, so another attempt may run the week.
    static let releaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """

    public let configuration: RewardSchedulerConfiguration
    private let redis: RedisPool
    private let metrics: RewardMetrics
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let runWeek: @Sendable (ISOWeek) throws -> RewardRunSummary
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - now: the wall clock (injected by tests).
    ///   - runWeek: runs the reward for a week (a ``RewardRun``); it should give up early
    ///     when ``isStopping`` turns true.
    public init(
        configuration: RewardSchedulerConfiguration = RewardSchedulerConfiguration(),
        redis: RedisPool,
        metrics: RewardMetrics = RewardMetrics(),
        logger: Logger = Logger(label: "reward-scheduler"),
        now: @escaping @Sendable () -> Date = { Date() },
        runWeek: @escaping @Sendable (ISOWeek) throws -> RewardRunSummary
    ) {
        self.configuration = configuration
        self.redis = redis
        self.metrics = metrics
        self.logger = logger
        self.now = now
        self.runWeek = runWeek
    }

    /// True once ``stop()`` was called.
    public var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Ends ``serve()`` at its next wake-up (at once when it is waiting).
    public func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        wake.signal()
    }

    /// The next Monday 00:00 UTC strictly after `date`.
    public static func nextStart(after date: Date) -> Date {
        ISOWeek(containing: date).end
    }

    /// Runs `week` here unless another replica holds or finished it.
    public func runIfDue(_ week: ISOWeek) throws -> Outcome {
        let key = configuration.keyPrefix + week.description
        let token = RewardScheduler.makeToken()
        let acquired = try redis.withConnection { connection in
            try connection.set(key, .string(token), expireMilliseconds: configuration.lockMilliseconds, onlyIfAbsent: true)
        }
        guard acquired else {
            metrics.runsSkipped.increment()
            logger.info("reward week held or done by another replica; skipped", ["week": week.description])
            return .skipped
        }
        let summary: RewardRunSummary
        do {
            summary = try runWeek(week)
        } catch {
            metrics.runsFailed.increment()
            do {
                _ = try redis.withConnection { connection in
                    try connection.eval(RewardScheduler.releaseScript, keys: [key], args: [.string(token)])
                }
            } catch let releaseError {
                // The lock lapses by itself after lockMilliseconds.
                logger.warning("could not release the reward week lock", ["error": "\(releaseError)"])
            }
            throw error
        }
        metrics.succeeded(summary)
        do {
            _ = try redis.withConnection { connection in
                try connection.eval(RewardScheduler.markDoneScript, keys: [key],
                                    args: [.string(token), .integer(Int64(configuration.doneMilliseconds))])
            }
        } catch {
            // Only costs a harmless repeat by a replica that wakes after the lock lapses.
            logger.warning("could not mark the reward week done", ["error": "\(error)"])
        }
        return .ran(summary)
    }

    /// Loops until ``stop()``: (optionally) the current week at once, then every Monday
    /// 00:00 UTC. A failed week is tried again every `retryDelaySeconds` until it ends.
    public func serve() {
        var due: ISOWeek? = configuration.catchUpOnStart ? ISOWeek(containing: now()) : nil
        while !isStopping {
            if let week = due {
                do {
                    _ = try runIfDue(week)
                    due = nil
                } catch {
                    logger.error("reward run failed: \(error)", ["week": week.description, "details": String(reflecting: error)])
                    let retryAt = now().addingTimeInterval(configuration.retryDelaySeconds)
                    if retryAt >= week.end {
                        logger.error("giving up on the reward week: it is over", ["week": week.description])
                        due = nil
                    } else {
                        wait(until: retryAt)
                    }
                    continue
                }
            }
            let next = RewardScheduler.nextStart(after: now())
            logger.info("next reward run scheduled", ["at": Timestamp.iso8601(next)])
            wait(until: next)
            if !isStopping { due = ISOWeek(containing: now()) }
        }
    }

    /// Sleeps until the wall clock reaches `date` or ``stop()``; wakes at least once a
    /// minute to look at the wall clock again (it may have been stepped).
    private func wait(until date: Date) {
        while !isStopping {
            let remaining = date.timeIntervalSince(now())
            if remaining <= 0 { return }
            _ = wake.wait(timeout: .now() + .milliseconds(Int(min(remaining, 60) * 1000) + 1))
        }
    }

    private static func makeToken() -> String {
        "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.lowercased())"
    }
}
