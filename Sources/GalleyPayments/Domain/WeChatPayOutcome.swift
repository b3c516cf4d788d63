/// What applying a notification (or a query's answer) did.
public struct WeChatPayOutcome: Sendable, Hashable, CustomStringConvertible {
    public enum Status: String, Sendable, Hashable {
        /// Applied: the order moved, or there was nothing to move for this kind.
        case processed
        /// Stored and recorded, no effect (an unknown order, an event kind Galley does not act on).
        case ignored
        /// Amount, currency or merchant did not match: nothing credited, visible to operators.
        case flagged
        /// The stored notification cannot be read.
        case failed
        /// Applied before: a duplicate delivery, nothing done.
        case alreadyDone
        /// No notification stored under that id.
        case notFound
    }

    public var status: Status
    public var eventType: String
    public var reason: String?

    public init(status: Status, eventType: String, reason: String? = nil) {
        self.status = status
        self.eventType = eventType
        self.reason = reason
    }

    public var description: String { status.rawValue + (reason.map { " (\($0))" } ?? "") }
}
