public import GalleyCore
public import GalleyPostgres

extension WeChatPayApplier {
    /// Applies in its own transaction on a pool thread, retrying a deadlock or serialization
    /// conflict (the rolled-back attempt changed nothing).
    public func apply(notificationID: String, pool: PostgresPool) async throws -> WeChatPayOutcome {
        try await retrying(pool) { [self] connection in try self.apply(notificationID: notificationID, on: connection) }
    }

    /// A transaction object the sweep got from the query API, applied like a notification.
    public func applyTransaction(_ resource: JSONValue, pool: PostgresPool) async throws -> WeChatPayOutcome {
        try await retrying(pool) { [self] connection in try self.applyTransaction(resource, eventType: "QUERY", on: connection) }
    }

    /// A refund object the refund API answered, applied like a refund notification.
    public func applyRefund(_ resource: JSONValue, pool: PostgresPool) async throws -> WeChatPayOutcome {
        try await retrying(pool) { [self] connection in try self.applyRefund(resource, eventType: "REFUND.API", on: connection) }
    }

    private func retrying(
        _ pool: PostgresPool, _ body: @escaping @Sendable (PostgresConnection) throws -> WeChatPayOutcome
    ) async throws -> WeChatPayOutcome {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await pool.withTransaction(body)
            } catch let error as PostgresError where error.isSerializationFailure && attempt < 5 {
                try await Task.sleep(for: .milliseconds(10 * attempt))
            }
        }
    }
}
