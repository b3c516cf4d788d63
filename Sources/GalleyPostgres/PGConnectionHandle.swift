import CLibPQ
import GalleyCore

/// The one `@unchecked Sendable` wrapper around a libpq `PGconn`.
///
/// libpq allows one thread at a time per connection; whoever holds the handle (one
/// ``PostgresConnection`` or the pool's idle list) is that thread. The statement cache
/// lives here because prepared statements belong to the server session, not to a façade.
final class PGConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    /// SQL text → name of the statement prepared for it in this session.
    var preparedStatements: [String: String] = [:]
    private var statementCounter = 0

    init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        PQfinish(pointer)
    }

    /// A statement name unique within this session.
    func nextStatementName() -> String {
        statementCounter += 1
        return "galley_\(statementCounter)"
    }
}
