import GalleyCore

/// Why the schema could not be brought up to date. Migration failures themselves surface
/// as the ``PostgresError`` the server raised.
public struct MigrationError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case checksumMismatch
        case unordered
    }

    private let code: Code
    /// The migration concerned.
    public let version: Int?

    private init(_ code: Code, version: Int? = nil) {
        self.code = code
        self.version = version
    }

    /// An applied migration's file changed since (its SHA-256 differs from the record).
    public static let checksumMismatch = MigrationError(.checksumMismatch)
    /// The list is not in strictly increasing version order.
    public static let unordered = MigrationError(.unordered)

    func with(version: Int) -> MigrationError { MigrationError(code, version: version) }

    public var description: String {
        let which = version.map { " \($0)" } ?? ""
        switch code {
        case .checksumMismatch: return "migration\(which) changed after it was applied; refusing to continue"
        case .unordered: return "migration\(which) is out of order or duplicated in the list"
        }
    }

    public static func == (lhs: MigrationError, rhs: MigrationError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
