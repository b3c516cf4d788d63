import GalleyCore

/// Why the schema could not be brought up to date. Migration failures themselves surface
/// as the ``PostgresError`` the server raised.
public struct MigrationError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case checksumMismatch
        case unordered
        case lockTimeout
        case checkFailed
        case stepFailed
    }

    private let code: Code
    /// The migration concerned.
    public let version: Int?
    /// The 1-based step of that migration, when one step failed.
    public let step: Int?
    /// The operator's instruction a check step wrote, or the cause of a failed step
    /// (a ``PostgresError`` description: no SQL, no values).
    public let detail: String?

    private init(_ code: Code, version: Int? = nil, step: Int? = nil, detail: String? = nil) {
        self.code = code
        self.version = version
        self.step = step
        self.detail = detail
    }

    /// An applied migration's file changed since (its SHA-256 differs from the record).
    public static let checksumMismatch = MigrationError(.checksumMismatch)
    /// The list is not in strictly increasing version order.
    public static let unordered = MigrationError(.unordered)

    /// A step could not take its lock within the migration's `lock_timeout`, however many
    /// times it was retried: the live tables are too busy. Nothing of that step was applied.
    public static let lockTimeout = MigrationError(.lockTimeout)
    /// A check step found something only the operator can decide (its line says what to run).
    public static let checkFailed = MigrationError(.checkFailed)
    /// A step's statement failed for another reason.
    public static let stepFailed = MigrationError(.stepFailed)

    func with(version: Int, step: Int? = nil, detail: String? = nil) -> MigrationError {
        MigrationError(code, version: version, step: step, detail: detail)
    }

    public var description: String {
        let which = version.map { " \($0)" } ?? ""
        switch code {
        case .checksumMismatch: return "migration\(which) changed after it was applied; refusing to continue"
        case .unordered: return "migration\(which) is out of order or duplicated in the list"
        case .lockTimeout:
            return "migration\(which) step \(step ?? 0) could not take its lock in time after every retry (\(detail ?? "tables busy"));"
                + " nothing of that step was applied: start again when the database is quieter"
        case .checkFailed: return "migration\(which) stopped: \(detail ?? "a check failed")"
        case .stepFailed: return "migration\(which) step \(step ?? 0) failed: \(detail ?? "unknown error")"
        }
    }

    public static func == (lhs: MigrationError, rhs: MigrationError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
