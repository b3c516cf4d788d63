import Foundation
import GalleyCore
import GalleyPostgres
import GalleyWebhooks

extension AdminOperations {
    static let eventColumns = """
        id, event_id, event_type, status, reason, attempts, next_attempt_at, app_user_id, user_id, product_id,
        transaction_id, created_at, processed_at
        """

    /// Events matching `query`, newest first.
    public func searchEvents(_ query: AdminEventQuery, page: AdminPageRequest = AdminPageRequest()) throws -> AdminPage<AdminWebhookEvent> {
        let before = try AdminCursor.id(page.cursor)
        let filter: String
        let value: any PostgresEncodable
        switch query {
        case .user(let id): (filter, value) = ("user_id = $1", id)
        case .event(let id): (filter, value) = ("event_id = $1", id)
        case .transaction(let id): (filter, value) = ("transaction_id = $1", id)
        case .status(let status): (filter, value) = ("status = $1", status)
        case .waiting: (filter, value) = ("status = ANY($1::varchar[])", ["parked", "failed"])
        }
        return try postgres.withConnection { connection in
            let rows = try connection.query("""
                SELECT \(AdminOperations.eventColumns) FROM revenuecat_events
                WHERE \(filter) AND ($2::bigint IS NULL OR id < $2::bigint)
                ORDER BY id DESC LIMIT $3
                """, [value, before, page.limit + 1])
            let events = try rows.rows.map { try (AdminOperations.event($0, payload: nil), try $0.decode(Int64.self, "id")) }
            let paged = AdminCursor.page(events.map { $0 }, limit: page.limit) { String($0.1) }
            return AdminPage(items: paged.items.map(\.0), nextCursor: paged.nextCursor)
        }
    }

    /// One event with the body RevenueCat sent, or nil.
    public func event(id: String) throws -> AdminWebhookEvent? {
        try postgres.withConnection { connection in
            guard let row = try connection.query(
                "SELECT \(AdminOperations.eventColumns), payload::text AS body FROM revenuecat_events WHERE event_id = $1", [id]).first
            else { return nil }
            let body = try row.decode(String?.self, "body").flatMap { try? JSONParser.parse(Array($0.utf8)) }
            return try AdminOperations.event(row, payload: body)
        }
    }

    /// Re-drives one stored event now, as `WebhookWorker replay --event` does (also an
    /// `ignored` one, after a config fix), with the audit row in the same transaction.
    /// Harmless to repeat: an event takes effect once.
    public func replayEvent(id: String, by actor: AdminOperator) throws -> AdminEventReplay {
        guard let before = try event(id: id) else { throw AdminError.notFound("event \(id)") }
        let config = self.config
        let applier = WebhookApplier(configuration: WebhookApplierConfiguration(applySandboxEvents: applySandboxEvents),
                                     businessConfig: { config.current }, ids: try ids(), logger: logger)
        let outcome = try postgres.withTransaction { connection -> WebhookOutcome in
            let outcome = try applier.apply(eventID: id, mode: .replay, on: connection)
            try recordAudit(actor, action: "event.replay", target: "event:\(id)", before: before.json,
                            after: ["outcome": .string(outcome.status.rawValue), "reason": JSONValue(outcome.reason)],
                            on: connection)
            return outcome
        }
        return AdminEventReplay(eventID: id, outcome: outcome.status.rawValue, reason: outcome.reason)
    }

    static func event(_ row: PostgresRow, payload: JSONValue?) throws -> AdminWebhookEvent {
        AdminWebhookEvent(
            eventID: try row.decode(String.self, "event_id"), eventType: try row.decode(String.self, "event_type"),
            status: try row.decode(String.self, "status"), reason: try row.decode(String?.self, "reason"),
            attempts: try row.decode(Int.self, "attempts"), nextAttemptAt: try row.decode(Date?.self, "next_attempt_at"),
            appUserID: try row.decode(String?.self, "app_user_id"), userID: try row.decode(Int64?.self, "user_id"),
            productID: try row.decode(String?.self, "product_id"), transactionID: try row.decode(String?.self, "transaction_id"),
            receivedAt: try row.decode(Date.self, "created_at"), processedAt: try row.decode(Date?.self, "processed_at"),
            payload: payload)
    }
}
