public import Foundation
public import GalleyCore
public import GalleyRedis

/// The database row is the truth; a stream entry only says "look at this row". This loop
/// re-sends the entry of rows still waiting past ``after`` that have no outbox row (the
/// source's query says so) and no live entry: Redis acknowledged the entry and then lost
/// it (a failover to a lagging replica, an older AOF), or it was never written (tasks of
/// the original PicKitchen).
///
/// Safe in every worker process, no leader: the consumers are idempotent per row, and a
/// `SET NX EX` marker per row (`galley:reconcile:<stream>:<key>`, lives ``after``) keeps
/// processes racing in one sweep to one re-send per row per threshold.
public struct StreamReconciler: Service {
    /// Yields rows waiting since before the cutoff, oldest first, at most `limit`.
    public typealias Source = @Sendable (_ cutoff: Date, _ limit: Int) async throws -> [ReconcileCandidate]

    public let stream: String
    public let group: String
    /// How long a row waits before it counts as lost.
    public let after: Duration
    public let interval: Duration
    public let batchSize: Int
    private let source: Source
    private let redis: RedisPool
    private let resent: Counter
    private let logger: Logger

    public var name: String { "\(stream) reconciler" }

    public init(stream: String, group: String, after: Duration, interval: Duration? = nil, batchSize: Int = 200,
                redis: RedisPool, registry: MetricsRegistry = .shared, logger: Logger, source: @escaping Source) {
        self.stream = stream
        self.group = group
        self.after = after
        self.interval = interval ?? max(.milliseconds(100), min(.seconds(60), after / 4))
        self.batchSize = batchSize
        self.redis = redis
        self.source = source
        self.logger = logger
        resent = registry.counter("galley_reconciler_resent_total",
                                  help: "Stream entries the reconciler sent again for rows still waiting with no live entry.",
                                  labels: [("stream", stream)])
    }

    public func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            do {
                _ = try await sweepOnce()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("reconcile sweep failed; the next one retries", ["stream": stream, "error": String(describing: error)])
            }
        }
    }

    /// One pass: re-sends what is lost now; returns the keys re-sent.
    @discardableResult
    public func sweepOnce() async throws -> [String] {
        let cutoff = Date().addingTimeInterval(-Double(after.wholeMilliseconds) / 1000)
        // The rows first, then Redis: a row without an outbox row had its entry added
        // before this query, so before the Redis clock reading below.
        let candidates = try await source(cutoff, batchSize)
        if candidates.isEmpty { return [] }
        let stream = self.stream, group = self.group
        guard try await redis.withConnection({ try StreamReconciler.deliveredEverythingBefore(now: $0, stream: stream, group: group) }) else {
            logger.debug("entries older than the candidates wait undelivered; not re-sending yet", ["stream": stream])
            return []
        }
        let ttl = max(1, Int64((Double(after.wholeMilliseconds) / 1000).rounded(.up)))
        var sent: [String] = []
        for candidate in candidates {
            try Task.checkCancellation()
            let marker = "galley:reconcile:\(stream):\(candidate.key)"
            // Two single-key steps (Cluster-safe): a crash between them leaves a marker
            // without an entry, and the row is re-sent when the marker lapses.
            let resend = try await redis.withConnection { connection -> Bool in
                let reply = try connection.checkedCommand(["SET", .string(marker), "1", "NX", "EX", .integer(ttl)])
                guard case .status = reply else { return false }
                _ = try connection.xadd(stream, maxLength: nil, fields: candidate.fields)
                return true
            }
            guard resend else { continue }
            resent.increment()
            sent.append(candidate.key)
            logger.warning("re-sent a lost stream entry", [
                "stream": stream, "key": candidate.key,
                "waiting_seconds": String(Int(Date().timeIntervalSince(candidate.createdAt))),
            ])
        }
        return sent
    }

    /// True when the group has been handed every entry added up to now: then a row whose
    /// entry was added before now and that still waits lost its entry (or its delivery
    /// is pending a reclaim, which a needless re-send does not harm). False while older
    /// entries still queue: the row's entry may be among them.
    static func deliveredEverythingBefore(now connection: RedisConnection, stream: String, group: String) throws -> Bool {
        let replies = try connection.pipeline([["TIME"], ["XINFO", "GROUPS", .string(stream)]])
        guard replies.count == 2, case .array(let time) = replies[0], time.count == 2,
              let seconds = time[0].stringValue.flatMap({ Int64($0) }),
              let micros = time[1].stringValue.flatMap({ Int64($0) })
        else { throw RedisError.unexpectedReply }
        let nowMillis = seconds * 1000 + micros / 1000
        var lastDelivered = "0-0"
        switch replies[1] {
        case .error:
            return true  // no stream: no entry waits
        case .array(let groups):
            if let info = try StreamReconciler.group(group, in: groups) { lastDelivered = info }
        default:
            throw RedisError.unexpectedReply
        }
        let next = try connection.checkedCommand(["XRANGE", .string(stream), .string("(" + lastDelivered), "+", "COUNT", 1])
        guard case .array(let entries) = next, let first = entries.first else { return true }
        guard case .array(let pair) = first, let id = pair.first?.stringValue,
              let millis = id.split(separator: "-").first.flatMap({ Int64($0) })
        else { throw RedisError.unexpectedReply }
        return millis > nowMillis
    }

    /// The group's last-delivered id from an XINFO GROUPS reply.
    private static func group(_ name: String, in groups: [RedisValue]) throws -> String? {
        for group in groups {
            guard case .array(let flat) = group else { continue }
            var index = 0
            var found: String?
            var last: String?
            while index + 1 < flat.count {
                switch flat[index].stringValue {
                case "name": found = flat[index + 1].stringValue
                case "last-delivered-id": last = flat[index + 1].stringValue
                default: break
                }
                index += 2
            }
            if found == name { return last }
        }
        return nil
    }
}
