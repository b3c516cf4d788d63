public import Foundation
public import GalleyCore

/// One entry of `<stream>:dead`: the original entry's fields (the payload), why it was
/// given up on, how often it was delivered, and the row it points at.
public struct AdminDeadLetter: AdminJSONRepresentable {
    public var stream: AdminStream
    /// Its id in the dead-letter stream (what replay and delete take).
    public var id: String
    /// When it was dead-lettered (the id's time).
    public var deadAt: Date
    public var reason: String?
    public var deliveries: Int?
    /// Its id in the work stream before it died.
    public var originalID: String?
    /// The original entry's fields, without `reason`, `deliveries`, `original_id`.
    public var payload: [String: String]
    /// The task (emoji) or event (webhook) it names, when that row exists.
    public var target: AdminDeadLetterTarget?

    public init(stream: AdminStream, id: String, deadAt: Date, reason: String?, deliveries: Int?, originalID: String?,
                payload: [String: String], target: AdminDeadLetterTarget?) {
        self.stream = stream
        self.id = id
        self.deadAt = deadAt
        self.reason = reason
        self.deliveries = deliveries
        self.originalID = originalID
        self.payload = payload
        self.target = target
    }

    public var json: JSONValue {
        [
            "stream": .string(stream.deadLetterStream), "id": .string(id), "dead_at": .string(Timestamp.iso8601(deadAt)),
            "reason": JSONValue(reason), "deliveries": JSONValue(deliveries), "original_id": JSONValue(originalID),
            "payload": .object(JSONObject(payload.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })),
            "target": target?.json ?? .null,
        ]
    }
}

/// The row a dead letter points at, in a line: enough to decide whether to replay it.
public struct AdminDeadLetterTarget: AdminJSONRepresentable {
    /// `task` or `event`.
    public var kind: String
    /// The task id or RevenueCat event id.
    public var id: String
    public var status: String
    public var userID: Int64?
    public var detail: String?

    public init(kind: String, id: String, status: String, userID: Int64?, detail: String?) {
        self.kind = kind
        self.id = id
        self.status = status
        self.userID = userID
        self.detail = detail
    }

    public var json: JSONValue {
        ["kind": .string(kind), "id": .string(id), "status": .string(status), "user_id": JSONValue(userID),
         "detail": JSONValue(detail)]
    }
}

/// What replaying or deleting one dead letter did. Repeating either is harmless: a second
/// call finds the entry gone and says `gone`.
public struct AdminDeadLetterResult: AdminJSONRepresentable {
    public enum Outcome: String, Sendable, Hashable {
        /// Put back on the work stream (new id in `newID`) and removed from the dead stream.
        case replayed
        /// Removed from the dead stream.
        case deleted
        /// Not in the dead stream (already replayed or deleted, or never there).
        case gone
        /// Left in place: replaying cannot help (`detail` says why, e.g. the task already failed
        /// and was refunded; retry it as a new task instead).
        case skipped
    }

    public var stream: AdminStream
    public var id: String
    public var outcome: Outcome
    public var newID: String?
    public var detail: String?

    public init(stream: AdminStream, id: String, outcome: Outcome, newID: String? = nil, detail: String? = nil) {
        self.stream = stream
        self.id = id
        self.outcome = outcome
        self.newID = newID
        self.detail = detail
    }

    public var json: JSONValue {
        ["stream": .string(stream.deadLetterStream), "id": .string(id), "outcome": .string(outcome.rawValue),
         "new_id": JSONValue(newID), "detail": JSONValue(detail)]
    }
}
