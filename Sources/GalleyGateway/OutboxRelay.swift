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

/// The gateway's background sender for the outbox: every second it deletes rows the
/// requests already sent, then sends rows older than ~3 s (Redis was down, a process
/// died between commit and XADD) through the dedupe script and deletes them. Rows are
/// claimed with `FOR UPDATE SKIP LOCKED`, so several gateways share the work.
/// Runs on its own thread: it makes blocking pool calls.
final class OutboxRelay: Sendable {
    struct Configuration: Sendable {
        var interval: Duration = .seconds(1)
        /// Rows younger than this are left to the request that wrote them.
        var minimumAgeSeconds: Double = 3
        var batchSize = 500
    }

    private let postgres: PostgresPool
    private let redis: RedisPool
    private let publisher: OutboxPublisher
    private let configuration: Configuration
    private let logger: Logger
    private let pending: Gauge
    /// Entries in the streams the gateway writes (consumed ones included, up to MAXLEN).
    private let streamLengths: [(String, Gauge)]
    private let stopped = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(postgres: PostgresPool, redis: RedisPool, publisher: OutboxPublisher, configuration: Configuration = Configuration(),
         logger: Logger = Logger(label: "outbox-relay")) {
        self.postgres = postgres
        self.redis = redis
        self.publisher = publisher
        self.configuration = configuration
        self.logger = logger
        pending = MetricsRegistry.shared.gauge("galley_outbox_pending", help: "Outbox rows not yet deleted (sent or waiting).")
        streamLengths = ["emoji_tasks", "webhook_events"].map { stream in
            (stream, MetricsRegistry.shared.gauge("galley_stream_length", help: "Entries in a Redis stream (XLEN).",
                                                  labels: [("stream", stream)]))
        }
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "outbox-relay"
        thread.start()
    }

    /// Stops after the current pass (one last pass deletes what requests sent) and waits.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        wake.signal()
        finished.wait()
    }

    private func run() {
        let nanoseconds = Int(configuration.interval.components.seconds) * 1_000_000_000
            + Int(configuration.interval.components.attoseconds / 1_000_000_000)
        while true {
            _ = wake.wait(timeout: .now() + .nanoseconds(nanoseconds))
            let last = stopped.load(ordering: .relaxed)
            deleteSent()
            if !last { relayOld() }
            updateGauge()
            if last { return }
        }
    }

    /// One pass, for tests and for the shutdown path.
    func runOnce() {
        deleteSent()
        relayOld()
        updateGauge()
    }

    private func deleteSent() {
        let ids = publisher.takeSent()
        guard !ids.isEmpty else { return }
        do {
            _ = try postgres.withConnection { try $0.execute("DELETE FROM outbox WHERE id = ANY($1)", [ids]) }
        } catch {
            publisher.returnSent(ids)
            logger.warning("could not delete sent outbox rows", ["error": String(describing: error)])
        }
    }

    private func relayOld() {
        do {
            try postgres.withTransaction { connection in
                let rows = try connection.query(
                    """
                    SELECT id, stream, fields FROM outbox
                    WHERE created_at < now() - make_interval(secs => $1)
                    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
                    """, [configuration.minimumAgeSeconds, configuration.batchSize])
                guard !rows.isEmpty else { return }
                let entries = try rows.map(OutboxEntry.init(row:))
                var done: [Int64] = []
                var failed: [Int64] = []
                var lastError = ""
                do {
                    let replies = try redis.withConnection { redis in
                        try redis.pipeline(entries.map(OutboxPublisher.command(for:)))
                    }
                    for (entry, reply) in zip(entries, replies) {
                        if case .error(let message) = reply {
                            failed.append(entry.id)
                            lastError = String(message.prefix(200))
                        } else {
                            done.append(entry.id)  // sent now, or already sent before (nil)
                        }
                    }
                } catch {
                    failed = entries.map(\.id)
                    lastError = String(describing: error)
                }
                if !done.isEmpty {
                    try connection.execute("DELETE FROM outbox WHERE id = ANY($1)", [done])
                    logger.info("outbox relayed", ["rows": String(done.count)])
                }
                if !failed.isEmpty {
                    try connection.execute(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1)", [failed, lastError])
                    logger.warning("outbox relay could not send", ["rows": String(failed.count), "error": lastError])
                }
            }
        } catch {
            logger.warning("outbox relay pass failed", ["error": String(describing: error)])
        }
    }

    private func updateGauge() {
        if let count = try? postgres.withConnection({ connection in
            try connection.query("SELECT count(*) AS n FROM outbox").first?.decode(Int.self, "n")
        }) {
            pending.set(Double(count))
        }
        let streams = streamLengths.map(\.0)
        if let lengths = try? redis.withConnection({ connection in
            try connection.pipeline(streams.map { ["XLEN", .string($0)] })
        }) {
            for ((_, gauge), reply) in zip(streamLengths, lengths) {
                if let length = reply.integerValue { gauge.set(Double(length)) }
            }
        }
    }
}
