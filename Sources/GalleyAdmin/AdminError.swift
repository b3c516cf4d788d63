/// Why an admin operation refused or failed. `description` is safe to show an operator
/// (no SQL, no secrets); ``kind`` lets the console pick an HTTP status and the CLI an exit code.
public struct AdminError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The user, task, event or dead letter does not exist.
        case notFound = "not_found"
        /// An argument is malformed or out of range (a bad cursor, a zero amount).
        case invalidArgument = "invalid_argument"
        /// The operation costs something or cannot be undone: call again with `confirm: true`.
        case confirmationRequired = "confirmation_required"
        /// A debit larger than the balance: the balance never goes negative.
        case insufficientPoints = "insufficient_points"
        /// The state does not allow it (a task that did not fail, a run already running).
        case conflict
    }

    public let kind: Kind
    private let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func notFound(_ what: String) -> AdminError { AdminError(.notFound, "\(what) not found") }
    public static func invalid(_ message: String) -> AdminError { AdminError(.invalidArgument, message) }
}
