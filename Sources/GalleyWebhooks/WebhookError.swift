import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyLedger

/// Why a stored webhook event or a stream entry could not be applied. `description`
/// names the kind only; the event id or the parser's complaint go to `debugDescription`.
public struct WebhookError: Error, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private enum Code: Hashable, Sendable {
        case missingEventID
        case unknownEvent
        case invalidPayload
        case missingField
        case transferTooDeep
        case invalidCommand
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = detail
    }

    /// A stream entry without an `event_id` field: nothing to look up.
    public static let missingEventID = WebhookError(.missingEventID)
    /// A stream entry whose `event_id` has no row in `revenuecat_events`.
    public static let unknownEvent = WebhookError(.unknownEvent)
    /// The stored payload is not RevenueCat's `{"api_version", "event": {...}}`.
    public static let invalidPayload = WebhookError(.invalidPayload)
    /// The event lacks a field its type cannot do without (`id`, `type`).
    public static let missingField = WebhookError(.missingField)
    /// A chain of TRANSFER events longer than the resolver follows (a cycle or abuse).
    public static let transferTooDeep = WebhookError(.transferTooDeep)
    /// `WebhookWorker` was started with arguments it does not know.
    public static let invalidCommand = WebhookError(.invalidCommand)

    /// The same kind with a detail for logs (an event id, a field name).
    public func with(_ detail: String) -> WebhookError { WebhookError(code, detail) }

    public var description: String {
        switch code {
        case .missingEventID: "stream entry has no event_id"
        case .unknownEvent: "no stored webhook event with this id"
        case .invalidPayload: "stored webhook payload is not a RevenueCat event"
        case .missingField: "webhook event lacks a required field"
        case .transferTooDeep: "chain of TRANSFER events too long to follow"
        case .invalidCommand: "usage: WebhookWorker [replay --event ID | replay --parked]"
        }
    }

    public var debugDescription: String { detail.isEmpty ? description : "\(description): \(detail)" }

    public static func == (lhs: WebhookError, rhs: WebhookError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
