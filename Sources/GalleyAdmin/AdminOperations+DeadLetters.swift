import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis

extension AdminOperations {
    /// Fields the consumer adds when it dead-letters an entry (StreamConsumer.deadLetter).
    static let deadLetterFields: Set<String> = ["reason", "deliveries", "original_id"]

    /// Moves a dead letter back to its work stream atomically: XADD of the original fields
    /// and XDEL of the dead entry happen in one script, or not at all when the dead entry is
    /// gone (so a replay repeated, or racing another operator's, adds nothing twice).
    /// KEYS: dead stream, work stream; ARGV: dead id, then field/value pairs. Returns the new id or false.
    static let replayScript = """
        local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
        if #found == 0 then return false end
        local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
        redis.call('XDEL', KEYS[1], ARGV[1])
        return id
        """

    /// A page of `<stream>:dead`, newest first, each with the row it points at.
    public func deadLetters(_ stream: AdminStream, page: AdminPageRequest = AdminPageRequest()) throws -> AdminPage<AdminDeadLetter> {
        if let cursor = page.cursor, !AdminOperations.isStreamID(cursor) { throw AdminError.invalid("the page cursor is not valid") }
        let entries = try redis.withConnection { connection -> [StreamEntry] in
            // Exclusive start "(" (Redis 6.2+): the page after the cursor's entry.
            let end = page.cursor.map { "(" + $0 } ?? "+"
            let reply = try connection.command(["XREVRANGE", .string(stream.deadLetterStream), .string(end), "-",
                                                "COUNT", .integer(Int64(page.limit + 1))]).checked()
            return try AdminOperations.entries(reply)
        }
        let letters = try targets(of: entries.prefix(page.limit + 1).map { AdminOperations.deadLetter(stream, $0) })
        return AdminCursor.page(letters, limit: page.limit) { $0.id }
    }

    /// One dead letter, or nil when it is not (or no longer) in the dead stream.
    public func deadLetter(_ stream: AdminStream, id: String) throws -> AdminDeadLetter? {
        guard AdminOperations.isStreamID(id) else { throw AdminError.invalid("not a stream entry id") }
        let entries = try redis.withConnection { connection in
            try AdminOperations.entries(try connection.command(["XRANGE", .string(stream.deadLetterStream), .string(id), .string(id)]).checked())
        }
        return try targets(of: entries.map { AdminOperations.deadLetter(stream, $0) }).first
    }

    /// Replays the given dead letters, each put back on its work stream once. A dead
    /// emoji task whose task already ended (`failed` and refunded, or `completed`) is
    /// skipped: replaying cannot revive it; ``retryTask(id:confirm:by:)`` makes a new one.
    /// Each replayed entry writes one audit row.
    public func replayDeadLetters(_ stream: AdminStream, ids: [String], by actor: AdminOperator) throws -> [AdminDeadLetterResult] {
        try ids.map { id in try replayDeadLetter(stream, id: id, by: actor) }
    }

    /// Deletes the given dead letters (each audited with its payload, so nothing is lost unseen).
    public func deleteDeadLetters(_ stream: AdminStream, ids: [String], by actor: AdminOperator) throws -> [AdminDeadLetterResult] {
        try ids.map { id in
            guard let letter = try deadLetter(stream, id: id) else {
                return AdminDeadLetterResult(stream: stream, id: id, outcome: .gone)
            }
            let deleted = try redis.withConnection { try $0.xdel(stream.deadLetterStream, ids: [id]) }
            guard deleted > 0 else { return AdminDeadLetterResult(stream: stream, id: id, outcome: .gone) }
            try postgres.withConnection { connection in
                try recordAudit(actor, action: "dead.delete", target: "\(stream.deadLetterStream)/\(id)",
                                before: letter.json, after: nil, on: connection)
            }
            return AdminDeadLetterResult(stream: stream, id: id, outcome: .deleted)
        }
    }

    private func replayDeadLetter(_ stream: AdminStream, id: String, by actor: AdminOperator) throws -> AdminDeadLetterResult {
        guard let letter = try deadLetter(stream, id: id) else {
            return AdminDeadLetterResult(stream: stream, id: id, outcome: .gone)
        }
        if stream == .emojiTasks, let target = letter.target, ["completed", "failed"].contains(target.status) {
            let detail = target.status == "failed"
                ? "task \(target.id) already failed (refunded); retry it as a new charged task"
                : "task \(target.id) already completed"
            return AdminDeadLetterResult(stream: stream, id: id, outcome: .skipped, detail: detail)
        }
        let fields = letter.payload.sorted { $0.key < $1.key }
        guard !fields.isEmpty else {
            return AdminDeadLetterResult(stream: stream, id: id, outcome: .skipped, detail: "the entry has no fields to replay")
        }
        let onCluster = !redis.configuration.clusterNodes.isEmpty
        let newID = try redis.withConnection { connection -> String? in
            var args: [RedisArgument] = [.string(id)]
            for (name, value) in fields { args += [.string(name), .string(value)] }
            guard onCluster else {
                return try connection.eval(AdminOperations.replayScript, keys: [stream.deadLetterStream, stream.rawValue], args: args)
                    .checked().stringValue
            }
            // On a Cluster the two streams (the contract's names) are in different slots: two
            // single-key steps, the XADD first, so a crash between them leaves the letter to
            // replay again (the consumers are idempotent), never lost. Two operators racing
            // may both add it; each consumer still applies it once.
            let dead = try connection.command(["XRANGE", .string(stream.deadLetterStream), .string(id), .string(id)]).checked()
            guard let found = dead.arrayValue, !found.isEmpty else { return nil }
            let added = try connection.command(["XADD", .string(stream.rawValue), "*"] + Array(args.dropFirst())).checked()
            _ = try connection.xdel(stream.deadLetterStream, ids: [id])
            return added.stringValue
        }
        guard let newID else { return AdminDeadLetterResult(stream: stream, id: id, outcome: .gone) }
        try postgres.withConnection { connection in
            try recordAudit(actor, action: "dead.replay", target: "\(stream.deadLetterStream)/\(id)",
                            before: letter.json, after: ["stream": .string(stream.rawValue), "id": .string(newID)], on: connection)
        }
        return AdminDeadLetterResult(stream: stream, id: id, outcome: .replayed, newID: newID)
    }

    /// Looks up the rows the letters point at: one query per stream kind for the whole page.
    private func targets(of letters: [AdminDeadLetter]) throws -> [AdminDeadLetter] {
        guard let stream = letters.first?.stream else { return letters }
        var found: [String: AdminDeadLetterTarget] = [:]
        try postgres.withConnection { connection in
            switch stream {
            case .emojiTasks:
                let ids = letters.compactMap { $0.payload["task_id"].flatMap { Int64($0) } }
                if ids.isEmpty { return }
                for row in try connection.query(
                    "SELECT id, user_id, status, error_code, error_message FROM emoji_tasks WHERE id = ANY($1::bigint[])", [ids]) {
                    let id = try row.decode(Int64.self, "id")
                    let detail = [try row.decode(String?.self, "error_code"), try row.decode(String?.self, "error_message")]
                        .compactMap { $0 }.joined(separator: ": ")
                    found[String(id)] = AdminDeadLetterTarget(
                        kind: "task", id: String(id), status: try row.decode(String.self, "status"),
                        userID: try row.decode(Int64.self, "user_id"), detail: detail.isEmpty ? nil : detail)
                }
            case .webhookEvents:
                let ids = letters.compactMap { $0.payload["event_id"] }
                if ids.isEmpty { return }
                for row in try connection.query(
                    "SELECT event_id, event_type, status, reason, user_id FROM revenuecat_events WHERE event_id = ANY($1::varchar[])", [ids]) {
                    let id = try row.decode(String.self, "event_id")
                    found[id] = AdminDeadLetterTarget(
                        kind: "event", id: id, status: try row.decode(String.self, "status"),
                        userID: try row.decode(Int64?.self, "user_id"),
                        detail: [try row.decode(String.self, "event_type"), try row.decode(String?.self, "reason")]
                            .compactMap { $0 }.joined(separator: ": "))
                }
            }
        }
        return letters.map { letter in
            var letter = letter
            let key = stream == .emojiTasks ? letter.payload["task_id"] : letter.payload["event_id"]
            letter.target = key.flatMap { found[$0] }
            return letter
        }
    }

    static func deadLetter(_ stream: AdminStream, _ entry: StreamEntry) -> AdminDeadLetter {
        AdminDeadLetter(
            stream: stream, id: entry.id, deadAt: entryDate(entry.id) ?? Date(timeIntervalSince1970: 0),
            reason: entry.fields["reason"], deliveries: entry.fields["deliveries"].flatMap { Int($0) },
            originalID: entry.fields["original_id"],
            payload: entry.fields.filter { !deadLetterFields.contains($0.key) }, target: nil)
    }

    /// `<ms>-<seq>`, digits only.
    static func isStreamID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.count <= 20 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    static func entries(_ reply: RedisValue) throws -> [StreamEntry] {
        guard case .array(let items) = reply else { return [] }
        return items.compactMap { item -> StreamEntry? in
            guard case .array(let pair) = item, pair.count == 2, let id = pair[0].stringValue,
                  case .array(let flat) = pair[1] else { return nil }
            var fields: [String: String] = [:]
            for index in stride(from: 0, to: flat.count - 1, by: 2) {
                if let name = flat[index].stringValue, let value = flat[index + 1].stringValue { fields[name] = value }
            }
            return StreamEntry(id: id, fields: fields)
        }
    }
}
