public import Foundation
public import GalleyCore

/// How to find RevenueCat events: by the user they resolved to, RevenueCat's event id, the
/// store transaction id, or their status (`parked`, `failed`, `received`, `processed`, `ignored`).
public enum AdminEventQuery: Sendable, Hashable {
    case user(Int64)
    case event(String)
    case transaction(String)
    case status(String)
    /// The ones waiting for an operator: `parked` and `failed`, with their reasons.
    case waiting
}

/// One row of `revenuecat_events`.
public struct AdminWebhookEvent: AdminJSONRepresentable {
    public var eventID: String
    public var eventType: String
    public var status: String
    public var reason: String?
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var appUserID: String?
    public var userID: Int64?
    public var productID: String?
    public var transactionID: String?
    public var receivedAt: Date
    public var processedAt: Date?
    /// The body RevenueCat sent (only in ``AdminOperations/event(id:)``; nil in lists).
    public var payload: JSONValue?

    public init(eventID: String, eventType: String, status: String, reason: String?, attempts: Int, nextAttemptAt: Date?,
                appUserID: String?, userID: Int64?, productID: String?, transactionID: String?, receivedAt: Date,
                processedAt: Date?, payload: JSONValue?) {
        self.eventID = eventID
        self.eventType = eventType
        self.status = status
        self.reason = reason
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.appUserID = appUserID
        self.userID = userID
        self.productID = productID
        self.transactionID = transactionID
        self.receivedAt = receivedAt
        self.processedAt = processedAt
        self.payload = payload
    }

    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("event_id", .string(eventID)), ("event_type", .string(eventType)), ("status", .string(status)),
            ("reason", JSONValue(reason)), ("attempts", JSONValue(attempts)),
            ("next_attempt_at", JSONValue(nextAttemptAt) { .string(Timestamp.iso8601($0)) }),
            ("app_user_id", JSONValue(appUserID)), ("user_id", JSONValue(userID)), ("product_id", JSONValue(productID)),
            ("transaction_id", JSONValue(transactionID)), ("received_at", .string(Timestamp.iso8601(receivedAt))),
            ("processed_at", JSONValue(processedAt) { .string(Timestamp.iso8601($0)) }),
        ]
        if let payload { pairs.append(("payload", payload)) }
        return .object(JSONObject(pairs))
    }
}
/// What re-driving one stored event did (the applier's outcome: `processed`, `ignored`,
/// `parked`, `failed`, `alreadyDone`, `skipped`). Repeating it is harmless: an event takes
/// effect once.
public struct AdminEventReplay: AdminJSONRepresentable {
    public var eventID: String
    public var outcome: String
    public var reason: String?

    public init(eventID: String, outcome: String, reason: String?) {
        self.eventID = eventID
        self.outcome = outcome
        self.reason = reason
    }

    public var json: JSONValue {
        ["event_id": .string(eventID), "outcome": .string(outcome), "reason": JSONValue(reason)]
    }
}
