import GalleyCore

/// What went wrong talking to PostgreSQL.
///
/// `description` names the kind (and SQLSTATE) only: no SQL, values or credentials, so it
/// is safe for answers and logs. The server's message goes to `debugDescription`.
/// Equality compares the kind, so `#expect(throws: PostgresError.poolTimeout)` works.
public struct PostgresError: Error, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private enum Code: Hashable, Sendable {
        case connectionFailed
        case connectionClosed
        case queryFailed
        case transactionAborted
        case poolTimeout
        case poolClosed
        case missingColumn
        case unexpectedNull
        case badFormat
        case invalidBind
        case invalidStatement
    }

    private let code: Code
    /// The server's SQLSTATE (`23505`, `40001`, ...), when the server reported one.
    public let sqlState: String?
    /// The constraint a violation names (`uq_points_reward_week`), when there is one.
    public let constraint: String?
    private let details: String?

    private init(_ code: Code, sqlState: String? = nil, constraint: String? = nil, details: String? = nil) {
        self.code = code
        self.sqlState = sqlState
        self.constraint = constraint
        self.details = details
    }

    /// The session could not be opened (server down, authentication, bad settings).
    public static let connectionFailed = PostgresError(.connectionFailed)
    /// The session is gone (server closed it, network) or was closed / handed back.
    public static let connectionClosed = PostgresError(.connectionClosed)
    /// The server refused a statement; see ``sqlState``.
    public static let queryFailed = PostgresError(.queryFailed)
    /// A statement failed inside the transaction and the body carried on; it was rolled back.
    public static let transactionAborted = PostgresError(.transactionAborted)
    /// No pooled connection became free within the checkout timeout.
    public static let poolTimeout = PostgresError(.poolTimeout)
    /// The pool was closed.
    public static let poolClosed = PostgresError(.poolClosed)
    /// The row has no column of that name or index.
    public static let missingColumn = PostgresError(.missingColumn)
    /// A NULL was decoded into a non-optional type.
    public static let unexpectedNull = PostgresError(.unexpectedNull)
    /// A column's text is not a value of the requested type.
    public static let badFormat = PostgresError(.badFormat)
    /// A bind cannot travel as a C string (it contains a NUL byte).
    public static let invalidBind = PostgresError(.invalidBind)
    /// The SQL text cannot travel as a C string (it contains a NUL byte).
    public static let invalidStatement = PostgresError(.invalidStatement)

    /// The same kind with details for `debugDescription`.
    func with(details: String) -> PostgresError {
        PostgresError(code, sqlState: sqlState, constraint: constraint, details: details)
    }

    /// A failure the server (or libpq) reported for a statement.
    static func server(sqlState: String?, constraint: String?, details: String, connectionLost: Bool) -> PostgresError {
        PostgresError(connectionLost ? .connectionClosed : .queryFailed, sqlState: sqlState, constraint: constraint,
                      details: details)
    }

    /// The session is unusable: retrying on another connection may succeed.
    public var isConnectionError: Bool {
        switch code {
        case .connectionFailed, .connectionClosed: return true
        default: break
        }
        guard let sqlState else { return false }
        // 57P01-03: server shutting down / terminated us; class 08 except protocol violations.
        return ["57P01", "57P02", "57P03"].contains(sqlState) || (sqlState.hasPrefix("08") && sqlState != "08P01")
    }

    /// `23505`: a unique constraint or index refused the row.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// `40001` / `40P01`: serialization failure or deadlock; the whole transaction may be retried.
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// `23514`: a CHECK constraint refused the row (a balance would go negative).
    public var isCheckViolation: Bool { sqlState == "23514" }
    /// `23503`: a foreign key refused the row.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }

    public var description: String {
        switch code {
        case .connectionFailed: return "PostgreSQL: could not connect"
        case .connectionClosed:
            return "PostgreSQL: the connection is closed or broken" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
        case .queryFailed: return "PostgreSQL: statement failed" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
        case .transactionAborted: return "PostgreSQL: transaction aborted by an earlier error and rolled back"
        case .poolTimeout: return "PostgreSQL: no pooled connection became free in time"
        case .poolClosed: return "PostgreSQL: the pool is closed"
        case .missingColumn: return "PostgreSQL: the row has no such column"
        case .unexpectedNull: return "PostgreSQL: NULL decoded into a non-optional value"
        case .badFormat: return "PostgreSQL: a column value has an unexpected format"
        case .invalidBind: return "PostgreSQL: a bind value contains a NUL byte"
        case .invalidStatement: return "PostgreSQL: the SQL text contains a NUL byte"
        }
    }

    public var debugDescription: String {
        var text = description
        if let constraint { text += " [constraint \(constraint)]" }
        if let details { text += ": \(details)" }
        return text
    }

    public static func == (lhs: PostgresError, rhs: PostgresError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
