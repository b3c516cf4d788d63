import Foundation

/// Who performs an action, as written in `admin_audit.actor`: the console's login name or
/// the CLI's `--operator` (else `$USER`).
public struct AdminOperator: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    /// Trimmed, at most 128 characters; empty becomes `unknown`.
    public init(_ name: String) {
        let trimmed = String(name.trimmingCharacters(in: .whitespacesAndNewlines).prefix(128))
        self.name = trimmed.isEmpty ? "unknown" : trimmed
    }

    public var description: String { name }
}
