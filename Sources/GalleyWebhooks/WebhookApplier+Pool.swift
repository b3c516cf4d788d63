import GalleyCore
public import GalleyPostgres
import GalleyRuntime
import GalleyLedger

extension WebhookApplier {
    /// Applies the event in its own transaction on one of the pool's threads, retrying
    /// when PostgreSQL broke a deadlock or a serialization conflict (two events of one
    /// customer locking users in different orders): the rolled-back attempt changed nothing.
    public func apply(eventID: String, mode: Mode = .delivery, pool: PostgresPool) async throws -> WebhookOutcome {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await pool.withTransaction { [self] connection in
                    try self.apply(eventID: eventID, mode: mode, on: connection)
                }
            } catch let error as PostgresError where error.isSerializationFailure && attempt < 5 {
                logger.info("webhook event retried after a lock conflict", ["event_id": eventID, "attempt": String(attempt)])
                try await Task.sleep(for: .milliseconds(10 * attempt))
            }
        }
    }
}
