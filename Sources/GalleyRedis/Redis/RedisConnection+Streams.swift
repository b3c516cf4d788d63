import GalleyCore

/// Redis Streams with consumer groups: the work queues between the gateway and the workers.
extension RedisConnection {
    /// Appends a message and returns its id. `maxLength` trims approximately (`MAXLEN ~ n`),
    /// which Redis can do cheaply by whole macro nodes.
    @discardableResult
    public func xadd(_ stream: String, maxLength: Int?, fields: [(String, String)], id: String = "*") throws -> String {
        guard !fields.isEmpty else { throw RedisError.invalidArgument("XADD needs at least one field") }
        var arguments: [RedisArgument] = ["XADD", .string(stream)]
        if let maxLength {
            guard maxLength >= 0 else { throw RedisError.invalidArgument("negative MAXLEN") }
            arguments += ["MAXLEN", "~", .integer(Int64(maxLength))]
        }
        arguments.append(.string(id))
        for (name, value) in fields {
            arguments.append(.string(name))
            arguments.append(.string(value))
        }
        let reply = try checkedCommand(arguments)
        guard let newID = reply.stringValue else { throw RedisError.unexpectedReply("XADD id") }
        return newID
    }

    /// Creates the group (and the stream, MKSTREAM). Returns false when it already existed,
    /// so every process can call this at start without coordinating.
    @discardableResult
    public func xgroupCreate(_ stream: String, group: String, startID: String = "0") throws -> Bool {
        let reply = try command(["XGROUP", "CREATE", .string(stream), .string(group), .string(startID), "MKSTREAM"])
        if case .error(let message) = reply, message.hasPrefix("BUSYGROUP") { return false }
        _ = try reply.checked()
        return true
    }

    /// Reads for `consumer`: new messages with `startID` ">" (the default), or the consumer's
    /// own pending ones from "0". Returns [] when `blockMilliseconds` passes with nothing.
    ///
    /// The socket timeout is raised for the call to the block plus the command timeout, so the
    /// block never trips it. A block of 0 (forever) is refused: it would pin a connection.
    public func xreadgroup(
        group: String,
        consumer: String,
        stream: String,
        count: Int,
        blockMilliseconds: Int? = nil,
        startID: String = ">"
    ) throws -> [StreamEntry] {
        guard count > 0 else { throw RedisError.invalidArgument("COUNT must be positive") }
        var arguments: [RedisArgument] = [
            "XREADGROUP", "GROUP", .string(group), .string(consumer), "COUNT", .integer(Int64(count)),
        ]
        var timeout = 0.0
        if let blockMilliseconds {
            guard blockMilliseconds > 0 else { throw RedisError.invalidArgument("BLOCK must be positive") }
            arguments += ["BLOCK", .integer(Int64(blockMilliseconds))]
            timeout = Double(blockMilliseconds) / 1000 + configuration.commandTimeoutSeconds
        }
        arguments += ["STREAMS", .string(stream), .string(startID)]
        let reply = try withTimeout(atLeast: timeout) { try checkedCommand(arguments) }
        switch reply {
        case .null:
            return []
        case .array(let streams):
            var entries: [StreamEntry] = []
            for item in streams {
                guard case .array(let pair) = item, pair.count == 2 else {
                    throw RedisError.unexpectedReply("XREADGROUP stream")
                }
                entries += try RedisConnection.streamEntries(pair[1])
            }
            return entries
        default:
            throw RedisError.unexpectedReply("XREADGROUP")
        }
    }

    /// Acknowledges messages; returns how many were pending.
    @discardableResult
    public func xack(_ stream: String, group: String, ids: [String]) throws -> Int {
        if ids.isEmpty { return 0 }
        let reply = try checkedCommand(["XACK", .string(stream), .string(group)] + ids.map { .string($0) })
        guard let acknowledged = reply.integerValue else { throw RedisError.unexpectedReply("XACK") }
        return Int(acknowledged)
    }

    /// Takes over messages idle for at least `minIdleMilliseconds` (their consumer died),
    /// scanning the PEL from `start`. Handles Redis 7's three-element reply and 6.2's two.
    public func xautoclaim(
        _ stream: String,
        group: String,
        consumer: String,
        minIdleMilliseconds: Int,
        start: String = "0-0",
        count: Int = 100
    ) throws -> AutoClaimResult {
        guard count > 0, minIdleMilliseconds >= 0 else { throw RedisError.invalidArgument("XAUTOCLAIM bounds") }
        let reply = try checkedCommand([
            "XAUTOCLAIM", .string(stream), .string(group), .string(consumer),
            .integer(Int64(minIdleMilliseconds)), .string(start), "COUNT", .integer(Int64(count)),
        ])
        guard case .array(let parts) = reply, parts.count >= 2, let next = parts[0].stringValue else {
            throw RedisError.unexpectedReply("XAUTOCLAIM")
        }
        let claimed = try RedisConnection.streamEntries(parts[1])
        var deleted = claimed.filter(\.isDeleted).map(\.id)  // 6.2 lists deleted ones as entries
        if parts.count >= 3 {
            guard case .array(let ids) = parts[2] else { throw RedisError.unexpectedReply("XAUTOCLAIM deleted") }
            deleted += try ids.map { item in
                guard let id = item.stringValue else { throw RedisError.unexpectedReply("XAUTOCLAIM deleted id") }
                return id
            }
        }
        return AutoClaimResult(nextStart: next, entries: claimed.filter { !$0.isDeleted }, deletedIDs: deleted)
    }

    /// Follows the XAUTOCLAIM cursor until the PEL was scanned ("0-0") or `maxEntries`
    /// messages were claimed, so one sweep cannot grow without bound.
    public func xautoclaimAll(
        _ stream: String,
        group: String,
        consumer: String,
        minIdleMilliseconds: Int,
        count: Int = 100,
        maxEntries: Int = 1000
    ) throws -> AutoClaimResult {
        guard count > 0, maxEntries > 0 else { throw RedisError.invalidArgument("XAUTOCLAIM bounds") }
        var total = AutoClaimResult(nextStart: "0-0", entries: [], deletedIDs: [])
        var start = "0-0"
        // Each round either claims something or advances the cursor; the round cap is a backstop.
        for _ in 0..<(maxEntries + 64) {
            let batch = min(count, maxEntries - total.entries.count)
            let result = try xautoclaim(
                stream, group: group, consumer: consumer, minIdleMilliseconds: minIdleMilliseconds,
                start: start, count: batch)
            total.entries += result.entries
            total.deletedIDs += result.deletedIDs
            total.nextStart = result.nextStart
            if result.nextStart == "0-0" || total.entries.count >= maxEntries { break }
            start = result.nextStart
        }
        return total
    }

    /// The extended XPENDING form: pending messages with owner, idle time and delivery count.
    public func xpending(
        _ stream: String,
        group: String,
        start: String = "-",
        end: String = "+",
        count: Int,
        consumer: String? = nil,
        minIdleMilliseconds: Int? = nil
    ) throws -> [PendingEntry] {
        guard count > 0 else { throw RedisError.invalidArgument("COUNT must be positive") }
        var arguments: [RedisArgument] = ["XPENDING", .string(stream), .string(group)]
        if let minIdleMilliseconds { arguments += ["IDLE", .integer(Int64(minIdleMilliseconds))] }
        arguments += [.string(start), .string(end), .integer(Int64(count))]
        if let consumer { arguments.append(.string(consumer)) }
        guard case .array(let items) = try checkedCommand(arguments) else {
            throw RedisError.unexpectedReply("XPENDING")
        }
        return try items.map { item in
            guard case .array(let fields) = item, fields.count >= 4,
                  let id = fields[0].stringValue, let owner = fields[1].stringValue,
                  let idle = fields[2].integerValue, let deliveries = fields[3].integerValue
            else { throw RedisError.unexpectedReply("XPENDING entry") }
            return PendingEntry(id: id, consumer: owner, idleMilliseconds: idle, deliveries: deliveries)
        }
    }

    /// The summary XPENDING form: total pending, id range and per-consumer counts.
    public func xpendingSummary(_ stream: String, group: String) throws -> PendingSummary {
        guard case .array(let parts) = try checkedCommand(["XPENDING", .string(stream), .string(group)]),
              parts.count >= 4, let count = parts[0].integerValue
        else { throw RedisError.unexpectedReply("XPENDING summary") }
        var consumers: [String: Int64] = [:]
        if case .array(let rows) = parts[3] {
            for row in rows {
                guard case .array(let pair) = row, pair.count == 2,
                      let name = pair[0].stringValue, let pending = pair[1].integerValue
                else { throw RedisError.unexpectedReply("XPENDING consumer") }
                consumers[name] = pending
            }
        }
        return PendingSummary(
            count: count, smallestID: parts[1].stringValue, largestID: parts[2].stringValue, consumers: consumers)
    }

    /// Every group of `stream` with its pending count and lag, for the stream gauges.
    public func xinfoGroups(_ stream: String) throws -> [StreamGroupInfo] {
        guard case .array(let groups) = try checkedCommand(["XINFO", "GROUPS", .string(stream)]) else {
            throw RedisError.unexpectedReply("XINFO GROUPS")
        }
        return try groups.map { group in
            guard case .array(let flat) = group, flat.count % 2 == 0 else {
                throw RedisError.unexpectedReply("XINFO GROUPS group")
            }
            var fields: [String: RedisValue] = [:]
            for index in stride(from: 0, to: flat.count, by: 2) {
                guard let key = flat[index].stringValue else { throw RedisError.unexpectedReply("XINFO GROUPS key") }
                fields[key] = flat[index + 1]
            }
            guard let name = fields["name"]?.stringValue,
                  let consumers = fields["consumers"]?.integerValue,
                  let pending = fields["pending"]?.integerValue,
                  let lastDelivered = fields["last-delivered-id"]?.stringValue
            else { throw RedisError.unexpectedReply("XINFO GROUPS fields") }
            return StreamGroupInfo(
                name: name, consumers: consumers, pending: pending, lastDeliveredID: lastDelivered,
                entriesRead: fields["entries-read"]?.integerValue, lag: fields["lag"]?.integerValue)
        }
    }

    /// The number of messages in the stream (0 when it does not exist).
    public func xlen(_ stream: String) throws -> Int {
        guard let length = try checkedCommand(["XLEN", .string(stream)]).integerValue else {
            throw RedisError.unexpectedReply("XLEN")
        }
        return Int(length)
    }

    /// Deletes messages; returns how many existed.
    @discardableResult
    public func xdel(_ stream: String, ids: [String]) throws -> Int {
        if ids.isEmpty { return 0 }
        guard let deleted = try checkedCommand(["XDEL", .string(stream)] + ids.map { .string($0) }).integerValue else {
            throw RedisError.unexpectedReply("XDEL")
        }
        return Int(deleted)
    }

    /// Parses `[[id, [field, value, ...] | nil], ...]`; nil fields mean the message was deleted.
    static func streamEntries(_ value: RedisValue) throws -> [StreamEntry] {
        if case .null = value { return [] }
        guard case .array(let items) = value else { throw RedisError.unexpectedReply("stream entries") }
        return try items.map { item in
            guard case .array(let pair) = item, pair.count == 2, let id = pair[0].stringValue else {
                throw RedisError.unexpectedReply("stream entry")
            }
            switch pair[1] {
            case .null:
                return StreamEntry(id: id, fields: [:], isDeleted: true)
            case .array(let flat):
                guard flat.count % 2 == 0 else { throw RedisError.unexpectedReply("stream entry fields") }
                var fields: [String: String] = [:]
                for index in stride(from: 0, to: flat.count, by: 2) {
                    guard let name = flat[index].stringValue, let value = flat[index + 1].stringValue else {
                        throw RedisError.unexpectedReply("stream entry field")
                    }
                    fields[name] = value
                }
                return StreamEntry(id: id, fields: fields)
            default:
                throw RedisError.unexpectedReply("stream entry fields")
            }
        }
    }
}
