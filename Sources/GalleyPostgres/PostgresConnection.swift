import CLibPQ
import Foundation
import GalleyCore

/// One PostgreSQL session over libpq. Blocking; use it from one thread at a time
/// (the pool hands one out per `withConnection`).
///
/// Only parameterized statements: values travel as text binds, never in the SQL. Each
/// distinct SQL text is prepared once per session and then executed by name.
public final class PostgresConnection {
    /// nil once closed, or once the pool took the session back after `withConnection`.
    private var handle: PGConnectionHandle?
    /// Nesting depth of `transaction` calls that became savepoints.
    var savepointDepth = 0

    /// Statements cached per session at most; beyond this, SQL runs unnamed (generated SQL).
    static let statementCacheLimit = 1_000

    /// Opens a session (see ``open(_:)``).
    public convenience init(configuration: PostgresConfiguration) throws {
        self.init(handle: try PostgresConnection.open(configuration))
    }

    init(handle: PGConnectionHandle) {
        self.handle = handle
    }

    /// Connects with keyword/value arrays (never a conninfo string assembled from values),
    /// silences notices and pins the session to UTC so timestamps print as `+00`.
    static func open(_ configuration: PostgresConfiguration) throws -> PGConnectionHandle {
        var settings: [(String, String)] = [
            ("host", configuration.host),
            ("port", String(configuration.port)),
            ("user", configuration.user),
            ("dbname", configuration.database),
            ("connect_timeout", String(max(1, configuration.connectTimeoutSeconds))),
            ("application_name", configuration.applicationName),
            ("client_encoding", "UTF8"),
            ("keepalives", "1"),
            ("keepalives_idle", "30"),
        ]
        if !configuration.password.isEmpty { settings.append(("password", configuration.password)) }
        guard !settings.contains(where: { $0.1.utf8.contains(0) }) else {
            throw PostgresError.connectionFailed.with(details: "a setting contains a NUL byte")
        }
        let keys = settings.map { strdup($0.0) }
        let values = settings.map { strdup($0.1) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keyPointers: [UnsafePointer<CChar>?] = keys.map { $0.map { UnsafePointer($0) } } + [nil]
        let valuePointers: [UnsafePointer<CChar>?] = values.map { $0.map { UnsafePointer($0) } } + [nil]
        guard let pointer = PQconnectdbParams(keyPointers, valuePointers, 0) else {
            throw PostgresError.connectionFailed.with(details: "libpq could not allocate a connection")
        }
        guard PQstatus(pointer) == CONNECTION_OK else {
            let message = PQerrorMessage(pointer).map { String(cString: $0) } ?? ""
            PQfinish(pointer)
            throw PostgresError.connectionFailed.with(details: message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // Notices ("relation already exists, skipping") would go to stderr by default.
        PQsetNoticeProcessor(pointer, { _, _ in }, nil)
        let handle = PGConnectionHandle(pointer: pointer)
        let connection = PostgresConnection(handle: handle)
        try connection.simpleQuery("SET TimeZone = 'UTC'")
        return handle
    }

    /// True while the session is open and libpq has not seen it break.
    public var isUsable: Bool {
        guard let handle else { return false }
        return PQstatus(handle.pointer) == CONNECTION_OK
    }

    /// The server process serving this session (`pg_backend_pid()`), 0 when closed.
    public var backendProcessID: Int32 {
        guard let handle else { return 0 }
        return PQbackendPID(handle.pointer)
    }

    /// Ends the session. Further calls throw ``PostgresError/connectionClosed``.
    public func close() {
        handle = nil
    }

    /// Gives the session back (to the pool); this façade is closed afterwards.
    func detach() -> PGConnectionHandle? {
        defer { handle = nil }
        return handle
    }

    func liveHandle() throws -> PGConnectionHandle {
        guard let handle else { throw PostgresError.connectionClosed.with(details: "connection was closed or returned") }
        return handle
    }

    /// Runs one statement with `$1, $2, ...` binds and copies its rows out.
    @discardableResult
    public func query(_ sql: String, _ binds: [any PostgresEncodable] = []) throws -> PostgresResult {
        let handle = try liveHandle()
        guard !sql.utf8.contains(0) else { throw PostgresError.invalidStatement }
        let texts = binds.map { $0.postgresText }
        for (offset, text) in texts.enumerated() where text?.utf8.contains(0) == true {
            throw PostgresError.invalidBind.with(details: "bind $\(offset + 1) contains a NUL byte")
        }
        let count = Int32(texts.count)
        guard let name = try preparedStatement(for: sql, handle) else {
            let result = PostgresConnection.withCStrings(texts) { values in
                PQexecParams(handle.pointer, sql, count, nil, values, nil, nil, 0)
            }
            return try collect(result, handle)
        }
        let result = PostgresConnection.withCStrings(texts) { values in
            PQexecPrepared(handle.pointer, name, count, values, nil, nil, 0)
        }
        do {
            return try collect(result, handle)
        } catch let error as PostgresError where error.sqlState == "26000" || error.sqlState == "0A000" {
            // The statement vanished (DEALLOCATE) or its result type changed: prepare afresh next time.
            handle.preparedStatements[sql] = nil
            throw error
        }
    }

    /// Runs one statement and answers how many rows it inserted, updated or deleted.
    @discardableResult
    public func execute(_ sql: String, _ binds: [any PostgresEncodable] = []) throws -> Int {
        try query(sql, binds).affectedRows
    }

    /// Runs parameterless SQL, possibly several statements (a migration file, BEGIN, ...)
    /// through the simple protocol. Answers the last statement's result.
    @discardableResult
    public func simpleQuery(_ sql: String) throws -> PostgresResult {
        let handle = try liveHandle()
        guard !sql.utf8.contains(0) else { throw PostgresError.invalidStatement }
        return try collect(PQexec(handle.pointer, sql), handle)
    }

    /// The cached statement name for `sql`, preparing it on first use; nil when the cache is full.
    private func preparedStatement(for sql: String, _ handle: PGConnectionHandle) throws -> String? {
        if let name = handle.preparedStatements[sql] { return name }
        guard handle.preparedStatements.count < PostgresConnection.statementCacheLimit else { return nil }
        let name = handle.nextStatementName()
        _ = try collect(PQprepare(handle.pointer, name, sql, 0, nil), handle)
        handle.preparedStatements[sql] = name
        return name
    }

    /// Copies a result into Swift values and frees it; a failed result becomes a PostgresError.
    private func collect(_ result: OpaquePointer?, _ handle: PGConnectionHandle) throws -> PostgresResult {
        guard let result else {
            let message = PQerrorMessage(handle.pointer).map { String(cString: $0) } ?? ""
            throw PostgresError.server(sqlState: nil, constraint: nil, details: message,
                                       connectionLost: PQstatus(handle.pointer) != CONNECTION_OK)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY else {
            throw PostgresConnection.error(from: result, handle)
        }
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        let columns = (0..<columnCount).map { column in PQfname(result, column).map { String(cString: $0) } ?? "" }
        var rows: [PostgresRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    values.append(PQgetvalue(result, row, column).map { String(cString: $0) } ?? "")
                }
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        let affected = PQcmdTuples(result).map { String(cString: $0) }.flatMap { Int($0) } ?? 0
        return PostgresResult(columns: columns, rows: rows, affectedRows: affected)
    }

    private static func error(from result: OpaquePointer, _ handle: PGConnectionHandle) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
        }
        var details = field(UInt8(ascii: "M"))
            ?? PQresultErrorMessage(result).map { String(cString: $0) } ?? "unknown error"
        if let detail = field(UInt8(ascii: "D")) { details += " (\(detail))" }
        return PostgresError.server(
            sqlState: field(UInt8(ascii: "C")),
            constraint: field(UInt8(ascii: "n")),
            details: details.trimmingCharacters(in: .whitespacesAndNewlines),
            connectionLost: PQstatus(handle.pointer) != CONNECTION_OK
        )
    }

    /// Calls `body` with C strings for `texts` (nil stays a NULL pointer: SQL NULL).
    private static func withCStrings<R>(_ texts: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let copies = texts.map { text in text.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        return body(copies.map { $0.map { UnsafePointer($0) } })
    }
}

@available(*, unavailable, message: "one thread at a time: use PostgresPool to share sessions")
extension PostgresConnection: Sendable {}
