import CLibPQ
import GalleyCore

extension PostgresConnection {
    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK (and rethrow) when it
    /// throws. Nested calls become savepoints, so an inner failure undoes only the inner part.
    ///
    /// If a statement failed but `body` swallowed the error, the server has already doomed
    /// the transaction: it is rolled back and ``PostgresError/transactionAborted`` thrown
    /// rather than letting COMMIT silently roll back. A COMMIT that fails with
    /// `isConnectionError` leaves the outcome unknown.
    @discardableResult
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let handle = try liveHandle()
        let status = PQtransactionStatus(handle.pointer)
        if status == PQTRANS_INTRANS { return try savepoint(body) }
        guard status == PQTRANS_IDLE else {
            throw status == PQTRANS_INERROR
                ? PostgresError.transactionAborted.with(details: "the enclosing transaction already failed")
                : PostgresError.connectionClosed.with(details: "session is busy or broken")
        }
        try simpleQuery("BEGIN")
        let value: T
        do {
            value = try body(self)
        } catch {
            _ = try? simpleQuery("ROLLBACK")
            throw error
        }
        if PQtransactionStatus(handle.pointer) == PQTRANS_INERROR {
            _ = try? simpleQuery("ROLLBACK")
            throw PostgresError.transactionAborted.with(details: "a statement failed and the body carried on")
        }
        try simpleQuery("COMMIT")
        return value
    }

    private func savepoint<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let handle = try liveHandle()
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "galley_savepoint_\(savepointDepth)"
        try simpleQuery("SAVEPOINT \(name)")
        let value: T
        do {
            value = try body(self)
        } catch {
            _ = try? simpleQuery("ROLLBACK TO SAVEPOINT \(name)")
            _ = try? simpleQuery("RELEASE SAVEPOINT \(name)")
            throw error
        }
        if PQtransactionStatus(handle.pointer) == PQTRANS_INERROR {
            _ = try? simpleQuery("ROLLBACK TO SAVEPOINT \(name)")
            _ = try? simpleQuery("RELEASE SAVEPOINT \(name)")
            throw PostgresError.transactionAborted.with(details: "a statement failed and the body carried on")
        }
        try simpleQuery("RELEASE SAVEPOINT \(name)")
        return value
    }
}
