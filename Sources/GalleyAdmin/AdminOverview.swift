public import Foundation
public import GalleyCore

/// The overview page: queues, consumers, node ids, the outbox, dependencies and the last
/// hour's throughput. Parts whose store is down are empty and the matching `...Up` is false.
public struct AdminOverview: AdminJSONRepresentable {
    public var generatedAt: Date
    public var postgresUp: Bool
    public var redisUp: Bool
    public var streams: [AdminStreamStatus]
    public var consumers: [AdminConsumerStatus]
    public var snowflakeNodes: [AdminSnowflakeNode]
    /// Outbox rows not yet sent to Redis (the gateway's backlog), nil when PostgreSQL is down.
    public var outboxBacklog: Int?
    public var oldestOutboxAgeSeconds: Double?
    /// One bucket per minute of the last hour, oldest first (60 buckets, empty ones included).
    public var throughput: [AdminMinuteBucket]

    public init(generatedAt: Date, postgresUp: Bool, redisUp: Bool, streams: [AdminStreamStatus],
                consumers: [AdminConsumerStatus], snowflakeNodes: [AdminSnowflakeNode], outboxBacklog: Int?,
                oldestOutboxAgeSeconds: Double?, throughput: [AdminMinuteBucket]) {
        self.generatedAt = generatedAt
        self.postgresUp = postgresUp
        self.redisUp = redisUp
        self.streams = streams
        self.consumers = consumers
        self.snowflakeNodes = snowflakeNodes
        self.outboxBacklog = outboxBacklog
        self.oldestOutboxAgeSeconds = oldestOutboxAgeSeconds
        self.throughput = throughput
    }

    public var json: JSONValue {
        [
            "generated_at": .string(Timestamp.iso8601(generatedAt)),
            "postgres_up": .bool(postgresUp), "redis_up": .bool(redisUp),
            "streams": .array(streams.map(\.json)), "consumers": .array(consumers.map(\.json)),
            "snowflake_nodes": .array(snowflakeNodes.map(\.json)),
            "outbox_backlog": JSONValue(outboxBacklog),
            "oldest_outbox_age_seconds": JSONValue(oldestOutboxAgeSeconds) { .double($0) },
            "throughput": .array(throughput.map(\.json)),
        ]
    }
}

/// One work stream and its consumer group.
public struct AdminStreamStatus: AdminJSONRepresentable {
    public var stream: AdminStream
    public var length: Int
    /// Entries not yet delivered to the group (nil when Redis cannot tell, or no group yet).
    public var lag: Int64?
    /// Delivered, not acknowledged.
    public var pending: Int64
    public var oldestPendingAgeSeconds: Double?
    public var deadLetters: Int
    public var consumers: Int64

    public init(stream: AdminStream, length: Int, lag: Int64?, pending: Int64, oldestPendingAgeSeconds: Double?,
                deadLetters: Int, consumers: Int64) {
        self.stream = stream
        self.length = length
        self.lag = lag
        self.pending = pending
        self.oldestPendingAgeSeconds = oldestPendingAgeSeconds
        self.deadLetters = deadLetters
        self.consumers = consumers
    }

    public var json: JSONValue {
        [
            "stream": .string(stream.rawValue), "group": .string(stream.group), "length": JSONValue(length),
            "lag": JSONValue(lag), "pending": .int(pending),
            "oldest_pending_age_seconds": JSONValue(oldestPendingAgeSeconds) { .double($0) },
            "dead_letters": JSONValue(deadLetters), "dead_letter_stream": .string(stream.deadLetterStream),
            "consumers": .int(consumers),
        ]
    }
}

/// A consumer of a group as XINFO CONSUMERS sees it; a live worker's heartbeat keeps
/// `idleMilliseconds` low while it holds entries, and its reads keep it low otherwise.
public struct AdminConsumerStatus: AdminJSONRepresentable {
    public var stream: AdminStream
    public var name: String
    public var pending: Int64
    /// Since its last interaction with the group (read, claim or heartbeat).
    public var idleMilliseconds: Int64
    /// When that last interaction was.
    public var lastSeen: Date

    public init(stream: AdminStream, name: String, pending: Int64, idleMilliseconds: Int64, lastSeen: Date) {
        self.stream = stream
        self.name = name
        self.pending = pending
        self.idleMilliseconds = idleMilliseconds
        self.lastSeen = lastSeen
    }

    public var json: JSONValue {
        [
            "stream": .string(stream.rawValue), "name": .string(name), "pending": .int(pending),
            "idle_ms": .int(idleMilliseconds), "last_seen": .string(Timestamp.iso8601(lastSeen)),
        ]
    }
}

/// A leased Snowflake node id: `galley:snowflake:node:<id>` and the process holding it.
public struct AdminSnowflakeNode: AdminJSONRepresentable {
    public var nodeID: Int
    /// The lease's token (host, pid, random), which names the holder.
    public var holder: String
    public var expiresInMilliseconds: Int64

    public init(nodeID: Int, holder: String, expiresInMilliseconds: Int64) {
        self.nodeID = nodeID
        self.holder = holder
        self.expiresInMilliseconds = expiresInMilliseconds
    }

    public var json: JSONValue {
        ["node_id": JSONValue(nodeID), "holder": .string(holder), "expires_in_ms": .int(expiresInMilliseconds)]
    }
}

/// What happened in one minute, counted from the rows (not from metrics, so it survives restarts).
public struct AdminMinuteBucket: AdminJSONRepresentable {
    public var minute: Date
    public var tasksCreated: Int
    public var tasksCompleted: Int
    public var tasksFailed: Int
    public var eventsReceived: Int
    public var eventsProcessed: Int
    /// Events that ended `failed` or `parked` in this minute (by their last update).
    public var eventsFailed: Int

    public init(minute: Date, tasksCreated: Int = 0, tasksCompleted: Int = 0, tasksFailed: Int = 0,
                eventsReceived: Int = 0, eventsProcessed: Int = 0, eventsFailed: Int = 0) {
        self.minute = minute
        self.tasksCreated = tasksCreated
        self.tasksCompleted = tasksCompleted
        self.tasksFailed = tasksFailed
        self.eventsReceived = eventsReceived
        self.eventsProcessed = eventsProcessed
        self.eventsFailed = eventsFailed
    }

    public var json: JSONValue {
        [
            "minute": .string(Timestamp.iso8601(minute)),
            "tasks_created": JSONValue(tasksCreated), "tasks_completed": JSONValue(tasksCompleted),
            "tasks_failed": JSONValue(tasksFailed), "events_received": JSONValue(eventsReceived),
            "events_processed": JSONValue(eventsProcessed), "events_failed": JSONValue(eventsFailed),
        ]
    }
}
