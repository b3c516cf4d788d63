public import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis

extension AdminOperations {
    /// Everything the overview page shows. Never throws for a store being down: that store's
    /// part is empty and its `...Up` flag false.
    public func overview(now: Date = Date()) -> AdminOverview {
        var overview = AdminOverview(generatedAt: now, postgresUp: false, redisUp: false, streams: [], consumers: [],
                                     snowflakeNodes: [], outboxBacklog: nil, oldestOutboxAgeSeconds: nil,
                                     throughput: AdminOperations.emptyHour(endingAt: now))
        do {
            try redis.withConnection { connection in
                overview.streams = try AdminStream.allCases.map { try streamStatus($0, on: connection, now: now) }
                overview.consumers = try AdminStream.allCases.flatMap { try consumers(of: $0, on: connection, now: now) }
                overview.snowflakeNodes = try snowflakeNodes(on: connection)
            }
            overview.redisUp = true
        } catch {
            logger.warning("overview: Redis part failed", ["error": String(describing: error)])
        }
        do {
            try postgres.withConnection { connection in
                let outbox = try connection.query(
                    "SELECT count(*) AS n, EXTRACT(EPOCH FROM (now() - min(created_at)))::double precision AS age FROM outbox")
                if let row = outbox.first {
                    overview.outboxBacklog = try row.decode(Int.self, "n")
                    overview.oldestOutboxAgeSeconds = try row.decode(Double?.self, "age")
                }
                overview.throughput = try throughput(endingAt: now, on: connection)
            }
            overview.postgresUp = true
        } catch {
            logger.warning("overview: PostgreSQL part failed", ["error": String(describing: error)])
        }
        return overview
    }

    func streamStatus(_ stream: AdminStream, on connection: RedisConnection, now: Date) throws -> AdminStreamStatus {
        let length = try connection.xlen(stream.rawValue)
        let dead = try connection.xlen(stream.deadLetterStream)
        // No stream yet is an error reply: no group either.
        let groups = (try? connection.xinfoGroups(stream.rawValue)) ?? []
        guard let group = groups.first(where: { $0.name == stream.group }) else {
            return AdminStreamStatus(stream: stream, length: length, lag: nil, pending: 0, oldestPendingAgeSeconds: nil,
                                     deadLetters: dead, consumers: 0)
        }
        var oldestAge: Double?
        if group.pending > 0, let oldest = try connection.xpending(stream.rawValue, group: stream.group, count: 1).first {
            // The oldest pending entry's age since it was added (its id's time), not since its last delivery.
            oldestAge = AdminOperations.entryDate(oldest.id).map { max(0, now.timeIntervalSince($0)) }
        }
        return AdminStreamStatus(stream: stream, length: length, lag: group.lag, pending: group.pending,
                                 oldestPendingAgeSeconds: oldestAge, deadLetters: dead, consumers: group.consumers)
    }

    func consumers(of stream: AdminStream, on connection: RedisConnection, now: Date) throws -> [AdminConsumerStatus] {
        let reply = try connection.command(["XINFO", "CONSUMERS", .string(stream.rawValue), .string(stream.group)])
        guard case .array(let items) = reply else { return [] }  // no stream or no group yet: an error reply
        return items.compactMap { item -> AdminConsumerStatus? in
            guard case .array(let flat) = item else { return nil }
            var fields: [String: RedisValue] = [:]
            for index in stride(from: 0, to: flat.count - 1, by: 2) {
                if let key = flat[index].stringValue { fields[key] = flat[index + 1] }
            }
            guard let name = fields["name"]?.stringValue, let idle = fields["idle"]?.integerValue else { return nil }
            return AdminConsumerStatus(stream: stream, name: name, pending: fields["pending"]?.integerValue ?? 0,
                                       idleMilliseconds: idle, lastSeen: now.addingTimeInterval(-Double(idle) / 1000))
        }
    }

    /// Every leased node id: one pipeline of GETs over the 1 024 possible keys (no SCAN; not
    /// one MGET, whose keys span a Cluster's slots: the pipeline is split per node), then their TTLs.
    func snowflakeNodes(on connection: RedisConnection) throws -> [AdminSnowflakeNode] {
        let keys = SnowflakeGenerator.nodeIDRange.map { "\(SnowflakeNodeLease.keyPrefix)\($0)" }
        let values = try connection.pipeline(keys.map { ["GET", .string($0)] })
        let held = zip(SnowflakeGenerator.nodeIDRange, values).compactMap { node, value in
            value.stringValue.map { (node, $0) }
        }
        guard !held.isEmpty else { return [] }
        let ttls = try connection.pipeline(held.map { ["PTTL", .string("\(SnowflakeNodeLease.keyPrefix)\($0.0)")] })
        return zip(held, ttls).map { pair, ttl in
            AdminSnowflakeNode(nodeID: pair.0, holder: pair.1, expiresInMilliseconds: ttl.integerValue ?? -1)
        }
    }

    /// How long a counted hour is reused: its minutes that ended more than a minute before
    /// are taken from it, only the last two are counted again.
    static let throughputReuse: TimeInterval = 30

    /// The last hour, per minute, from the rows: tasks created / completed / failed,
    /// events received / processed / failed or parked. Each count is an index range scan.
    ///
    /// Counting a busy hour (180 000 tasks) costs a quarter of a second, and the overview
    /// polls: minutes that ended at least half a minute before the last full count are
    /// reused from it for ``throughputReuse`` seconds (a late commit into them, or an event
    /// replayed out of `failed`, shows at the next full count).
    func throughput(endingAt now: Date, on connection: PostgresConnection) throws -> [AdminMinuteBucket] {
        var buckets = AdminOperations.emptyHour(endingAt: now)
        guard let start = buckets.first?.minute, let current = buckets.last?.minute else { return buckets }
        let cached = throughputCache.withLock { $0 }
        if let cached, now.timeIntervalSince(cached.countedAt) >= 0,
           now.timeIntervalSince(cached.countedAt) < Self.throughputReuse {
            let tailStart = current.addingTimeInterval(-60)
            let kept = Dictionary(cached.buckets.map { ($0.minute, $0) }, uniquingKeysWith: { first, _ in first })
            for index in buckets.indices where buckets[index].minute < tailStart {
                if let bucket = kept[buckets[index].minute] { buckets[index] = bucket }
            }
            try count(since: tailStart, into: &buckets, start: start, on: connection)
            return buckets
        }
        try count(since: start, into: &buckets, start: start, on: connection)
        throughputCache.withLock { $0 = (now, buckets) }
        return buckets
    }

    /// Adds the rows from `since` on to `buckets` (which begin at `start`).
    private func count(since: Date, into buckets: inout [AdminMinuteBucket], start: Date,
                       on connection: PostgresConnection) throws {
        let rows = try connection.query(
            """
            SELECT 'created' AS kind, date_trunc('minute', created_at) AS m, count(*) AS n FROM emoji_tasks
             WHERE created_at >= $1 GROUP BY 2
            UNION ALL
            SELECT CASE WHEN status = 'completed' THEN 'completed' ELSE 'failed' END, date_trunc('minute', completed_at), count(*)
              FROM emoji_tasks WHERE completed_at >= $1 AND completed_at IS NOT NULL AND status IN ('completed', 'failed') GROUP BY 1, 2
            UNION ALL
            SELECT 'received', date_trunc('minute', created_at), count(*) FROM revenuecat_events WHERE created_at >= $1 GROUP BY 2
            UNION ALL
            SELECT 'processed', date_trunc('minute', processed_at), count(*) FROM revenuecat_events
             WHERE processed_at >= $1 AND processed_at IS NOT NULL GROUP BY 2
            UNION ALL
            SELECT 'event_failed', date_trunc('minute', updated_at), count(*) FROM revenuecat_events
             WHERE status IN ('failed', 'parked') AND updated_at >= $1 GROUP BY 2
            """, [since])
        for row in rows {
            let minute = try row.decode(Date.self, "m")
            let index = Int((minute.timeIntervalSince(start) / 60).rounded(.down))
            guard buckets.indices.contains(index) else { continue }
            let count = try row.decode(Int.self, "n")
            switch try row.decode(String.self, "kind") {
            case "created": buckets[index].tasksCreated += count
            case "completed": buckets[index].tasksCompleted += count
            case "failed": buckets[index].tasksFailed += count
            case "received": buckets[index].eventsReceived += count
            case "processed": buckets[index].eventsProcessed += count
            default: buckets[index].eventsFailed += count
            }
        }
    }

    /// 60 empty minutes, the last one holding `now`.
    static func emptyHour(endingAt now: Date) -> [AdminMinuteBucket] {
        let lastMinute = (now.timeIntervalSince1970 / 60).rounded(.down) * 60
        return (0..<60).map { AdminMinuteBucket(minute: Date(timeIntervalSince1970: lastMinute - Double(59 - $0) * 60)) }
    }

    /// The time in a stream id (`<ms>-<seq>`).
    static func entryDate(_ id: String) -> Date? {
        guard let millis = id.split(separator: "-").first.flatMap({ Int64($0) }) else { return nil }
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }
}
