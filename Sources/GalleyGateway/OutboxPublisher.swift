import Dispatch
import Foundation
import Synchronization
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks

/// Sends outbox rows to their Redis stream at most once each: the dedupe script sets
/// `galley:outbox:sent:{<stream>}:<id>` (a day) and XADDs only if it was not set, so the
/// request that wrote the row and the relay can both try without doubling an entry. The
/// marker's hash tag is the stream's name, so on a Redis Cluster both keys of the script
/// are in the stream's slot (the contract's stream names cannot take a tag themselves).
///
/// Requests hand their entry over after commit and answer at once; a publisher thread
/// sends whatever has queued up in one pipelined round trip, so under load one Redis
/// round trip carries many entries. Sent rows are not deleted here (a round trip per
/// request); their ids wait for the relay, which deletes them in one statement. An
/// entry lost from memory (Redis down, a crash) is still in the outbox: the relay
/// sends it after a few seconds.
package final class OutboxPublisher: Sendable {
    static let script = """
        if redis.call('SET', KEYS[2], '1', 'NX', 'EX', 86400) then \
        return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 2)) \
        else return false end
        """
    /// Streams are trimmed to about this many entries (consumed entries are kept for
    /// operators; a backlog this deep means the workers are gone anyway).
    static let maxStreamLength = 1_000_000
    /// Entries waiting beyond this are left to the relay (Redis is slow or away).
    static let maxQueued = 10_000
    /// Entries per pipelined round trip.
    static let batchSize = 256

    static func sentKey(_ id: Int64, stream: String) -> String {
        "galley:outbox:sent:\(RedisSlot.tag(sameSlotAs: stream) ?? ""):\(id)"
    }

    private struct State {
        var queue: [OutboxEntry] = []
        var sent: [Int64] = []
        var stopped = false
        var busy = false
    }

    private let redis: RedisPool
    private let logger: Logger
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let failures = Atomic<Int>(0)

    init(redis: RedisPool, logger: Logger) {
        self.redis = redis
        self.logger = logger
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "outbox-publisher"
        thread.start()
    }

    /// The EVAL arguments that send `entry`.
    static func command(for entry: OutboxEntry) -> [RedisArgument] {
        var arguments: [RedisArgument] = ["EVAL", .string(script), 2, .string(entry.stream),
                                          .string(sentKey(entry.id, stream: entry.stream)), .integer(Int64(maxStreamLength))]
        for (name, value) in entry.fields {
            arguments.append(.string(name))
            arguments.append(.string(value))
        }
        return arguments
    }

    /// After the commit that wrote `entry`: queues it for the publisher thread. Never
    /// blocks on Redis; if Redis is away the relay sends the row later.
    func publishAfterCommit(_ entry: OutboxEntry) {
        let accepted = state.withLock { state -> Bool in
            guard !state.stopped, state.queue.count < OutboxPublisher.maxQueued else { return false }
            state.queue.append(entry)
            return true
        }
        if accepted { wake.signal() }
    }

    /// Sends what is queued, stops the thread and waits for it.
    package func stop() {
        let first = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard first else { return }
        wake.signal()
        finished.wait()
    }

    /// Ids sent since the last call, for the relay to delete.
    func takeSent() -> [Int64] {
        state.withLock { state in
            defer { state.sent.removeAll(keepingCapacity: true) }
            return state.sent
        }
    }

    /// Gives ids back when the relay could not delete them this time.
    func returnSent(_ ids: [Int64]) {
        state.withLock { $0.sent.append(contentsOf: ids) }
    }

    /// Entries queued and not yet sent (tests, shutdown).
    var queued: Int { state.withLock { $0.queue.count } }

    private func run() {
        while true {
            wake.wait()
            while true {
                let (batch, stopped) = state.withLock { state -> ([OutboxEntry], Bool) in
                    let count = min(OutboxPublisher.batchSize, state.queue.count)
                    let batch = Array(state.queue.prefix(count))
                    state.queue.removeFirst(count)
                    return (batch, state.stopped)
                }
                if batch.isEmpty {
                    if stopped { return }
                    break
                }
                send(batch)
            }
        }
    }

    private func send(_ batch: [OutboxEntry]) {
        do {
            let replies = try redis.withConnection { try $0.pipeline(batch.map(OutboxPublisher.command(for:))) }
            var sent: [Int64] = []
            for (entry, reply) in zip(batch, replies) {
                if case .error(let message) = reply {
                    logger.warning("outbox send refused; the relay will retry",
                                   ["outbox_id": String(entry.id), "error": String(message.prefix { $0 != " " })])
                } else {
                    sent.append(entry.id)
                }
            }
            state.withLock { $0.sent.append(contentsOf: sent) }
            if failures.exchange(0, ordering: .relaxed) > 0 { logger.info("outbox sends work again") }
        } catch {
            // One line per outage, not per entry: the relay has the rows.
            if failures.wrappingAdd(1, ordering: .relaxed).oldValue == 0 {
                logger.warning("outbox send failed; the relay will retry", ["entries": String(batch.count), "error": String(describing: error)])
            }
        }
    }
}
