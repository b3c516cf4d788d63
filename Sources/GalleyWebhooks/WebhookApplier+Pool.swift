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

extension WebhookApplier {
    /// Applies delivered events as one batch (``applyBatch(eventIDs:on:)``) in one
    /// transaction, retried after a lock conflict; the TRANSFERs then run alone. When the
    /// batch fails otherwise, nothing of it was written and each event runs alone, so only
    /// a failing event meets its error. One result per id, in order.
    public func applyBatch(eventIDs: [String], pool: PostgresPool) async -> [Result<WebhookOutcome, any Error>] {
        var results = [Result<WebhookOutcome, any Error>?](repeating: nil, count: eventIDs.count)
        if eventIDs.count > 1 {
            var attempt = 0
            while true {
                attempt += 1
                do {
                    let outcomes = try await pool.withTransaction { [self] connection in
                        try self.applyBatch(eventIDs: eventIDs, on: connection)
                    }
                    for (index, outcome) in outcomes.enumerated() { results[index] = outcome.map { .success($0) } }
                    break
                } catch let error as PostgresError where error.isSerializationFailure && attempt < 3 {
                    logger.info("webhook batch retried after a lock conflict", ["events": String(eventIDs.count), "attempt": String(attempt)])
                    try? await Task.sleep(for: .milliseconds(10 * attempt))
                } catch {
                    logger.warning("webhook batch failed; its events run alone", ["events": String(eventIDs.count), "error": String(describing: error)])
                    break
                }
            }
        }
        for (index, eventID) in eventIDs.enumerated() where results[index] == nil {
            do {
                results[index] = .success(try await apply(eventID: eventID, mode: .delivery, pool: pool))
            } catch {
                results[index] = .failure(error)
            }
        }
        return results.map { $0 ?? .failure(WebhookError.unknownEvent) }
    }
}
