import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime

/// What applying one stored event did, for the caller's metrics, logs and replay summary.
public struct WebhookOutcome: Sendable, Hashable, CustomStringConvertible {
    public enum Status: String, Sendable, Hashable {
        /// Took effect now (the row says `processed`).
        case processed
        /// Recorded and deliberately not applied (`ignored`, with a reason).
        case ignored
        /// Its user is not known yet; retried later (`parked`).
        case parked
        /// Cannot be applied as stored (`failed`, with the error).
        case failed
        /// Already `processed` or `ignored` earlier: a duplicate delivery, nothing done.
        case alreadyDone
        /// Not taken this time: another worker holds it, or it is not due.
        case skipped
        /// No stored event has this id.
        case notFound
    }

    public var status: Status
    /// RevenueCat's type as a metric label (`UNKNOWN` for types Galley does not know).
    public var eventType: String
    public var reason: String?

    public init(status: Status, eventType: String, reason: String? = nil) {
        self.status = status
        self.eventType = eventType
        self.reason = reason
    }

    public var description: String {
        let head = eventType.isEmpty ? status.rawValue : "\(status.rawValue) \(eventType)"
        return reason.map { "\(head): \($0)" } ?? head
    }
}
