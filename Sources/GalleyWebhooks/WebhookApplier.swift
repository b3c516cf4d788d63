public import Foundation
public import GalleyCore
public import GalleyPostgres
public import GalleyRedis
public import GalleyRuntime
import GalleyLedger

/// Applies one stored RevenueCat event exactly once, inside the caller's transaction.
///
/// The event row is locked (`FOR UPDATE`) and skipped when already `processed` or
/// `ignored`, so a duplicate delivery does nothing. The user row is locked before any
/// change, so events of one user serialize while other users' run in parallel. A TRANSFER
/// takes an exclusive transaction-level advisory lock that every other event takes
/// shared: transfers are rare and re-own other events, so they run alone.
///
/// Subscriptions and pack orders are recomputed from the set of their processed events
/// (see ``SubscriptionState``), which is what makes the final state independent of the
/// order and number of deliveries.
public struct WebhookApplier: Sendable {
    /// Who is asking, which decides the statuses that are (re)applied.
    public enum Mode: Sendable, Hashable {
        /// A stream delivery: anything not yet `processed` or `ignored`.
        case delivery
        /// The periodic sweep: `parked` events that are due and stale `received` ones;
        /// rows another worker holds are skipped, not waited for.
        case sweep
        /// An operator's `replay`: also re-drives `ignored` events (after a config fix).
        case replay
    }

    /// `pg_advisory_xact_lock` key serializing TRANSFER events against all others ("gal_xfer").
    static let transferLockKey: Int64 = 0x67_61_6C_5F_78_66_65_72

    public let configuration: WebhookApplierConfiguration
    let businessConfig: @Sendable () -> BusinessConfig
    let ids: SnowflakeGenerator
    let now: @Sendable () -> Date
    let logger: Logger

    /// `businessConfig` is read per event (the store re-reads the file when it changes);
    /// `ids` mints subscription and order ids; `now` is injectable for tests of parking.
    public init(
        configuration: WebhookApplierConfiguration,
        businessConfig: @escaping @Sendable () -> BusinessConfig,
        ids: SnowflakeGenerator,
        logger: Logger = Logger(label: "webhook"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.businessConfig = businessConfig
        self.ids = ids
        self.logger = logger
        self.now = now
    }

    /// Applies the event stored under RevenueCat's `event.id`. Call it inside a transaction
    /// (``PostgresPool/withTransaction(_:)``); every change it makes commits or rolls back together.
    public func apply(eventID: String, mode: Mode = .delivery, on db: PostgresConnection) throws -> WebhookOutcome {
        // The type decides the advisory lock, taken before the row lock (see the type's doc).
        guard let peek = try db.query(
            """
            SELECT event_type, status,
                   CASE WHEN event_type = 'TRANSFER' THEN pg_advisory_xact_lock($2)
                        ELSE pg_advisory_xact_lock_shared($2) END IS NULL AS locked
            FROM revenuecat_events WHERE event_id = $1
            """, [eventID, Self.transferLockKey]
        ).first else {
            return WebhookOutcome(status: .notFound, eventType: "")
        }
        let label = RevenueCatEventType(try peek.decode(String.self, "event_type")).metricLabel
        if let settled = settledOutcome(status: try peek.decode(String.self, "status"), due: true, mode: mode, label: label) {
            return settled
        }
        let lockSQL = """
            SELECT id, status, attempts, payload, \(Self.orderKeySQL) AS order_key_ms,
                   (next_attempt_at IS NOT NULL AND next_attempt_at <= $2) AS due
            FROM revenuecat_events WHERE event_id = $1 FOR UPDATE
            """ + (mode == .sweep ? " SKIP LOCKED" : "")
        guard let locked = try db.query(lockSQL, [eventID, now()]).first else {
            return WebhookOutcome(status: .skipped, eventType: label, reason: "held by another worker")
        }
        let row = EventRow(
            id: try locked.decode(Int64.self, "id"),
            eventID: eventID,
            attempts: try locked.decode(Int.self, "attempts"),
            label: label)
        if let settled = settledOutcome(
            status: try locked.decode(String.self, "status"), due: try locked.decode(Bool.self, "due"), mode: mode, label: label)
        {
            return settled
        }

        let event: RevenueCatEvent
        do {
            guard let payload = try locked.decode(JSONValue?.self, "payload") else {
                throw WebhookError.invalidPayload.with("payload is NULL")
            }
            event = try RevenueCatEvent(payload: payload, fallbackTimestampMs: try locked.decode(Int64?.self, "order_key_ms"))
        } catch let error as WebhookError {
            logger.warning("stored webhook event cannot be parsed", ["event_id": eventID, "error": error.debugDescription])
            return try finish(row, .failed, reason: error.description, on: db)
        }
        return try applyParsed(event, row: row, on: db)
    }

    /// Applies a parsed event the way ``route(_:)`` says.
    func applyParsed(_ event: RevenueCatEvent, row: EventRow, on db: PostgresConnection) throws -> WebhookOutcome {
        switch route(event) {
        case .finish(let status, let reason, let facts):
            return try finish(row, status, reason: reason, facts: facts, on: db)
        case .transfer:
            return try applyTransfer(event, row: row, on: db)
        case .subscription(let plan, let facts):
            return try applySubscriptionEvent(event, plan: plan, row: row, facts: facts, on: db)
        case .pack(let facts):
            return try applyPackEvent(event, row: row, facts: facts, on: db)
        }
    }

    /// What a parsed event is to Galley: nothing (TEST), ignored, a transfer, a
    /// subscription event or a pack event. The batch and the one-event path share it.
    func route(_ event: RevenueCatEvent) -> Route {
        var facts = AppliedFacts(timestampMs: event.timestampMs, customerIDs: event.customerIDs)
        if event.type != .test, event.isSandbox, !configuration.applySandboxEvents {
            return .finish(.ignored, reason: "sandbox event; this deployment does not apply them", facts: facts)
        }
        switch event.type {
        case .test:
            return .finish(.processed, reason: nil, facts: facts)
        case .informational:
            return .finish(.ignored, reason: "event type has no effect in Galley", facts: facts)
        case .unknown:
            return .finish(.ignored, reason: "unknown event type", facts: facts)
        case .transfer:
            return .transfer
        default:
            break
        }
        guard let productID = event.productID else {
            return .finish(.ignored, reason: "event has no product_id", facts: facts)
        }
        facts.productID = productID
        facts.transactionID = event.transactionID
        switch businessConfig().productKind(productID) {
        case .subscription(let plan)?:
            return .subscription(plan, facts)
        case .pointsPack?:
            return .pack(facts)
        case nil:
            return .finish(
                .ignored, reason: "product is in neither vip_products nor points_packs and its name says neither life nor week",
                facts: facts)
        }
    }

    /// The outcome when `mode` leaves an event in `status` alone; nil when it is to be applied.
    func settledOutcome(status: String, due: Bool, mode: Mode, label: String) -> WebhookOutcome? {
        let terminal = status == "processed" || (status == "ignored" && mode != .replay)
        if terminal { return WebhookOutcome(status: .alreadyDone, eventType: label, reason: status) }
        switch mode {
        case .delivery, .replay:
            return nil
        case .sweep:
            if status == "received" || (status == "parked" && due) { return nil }
            return WebhookOutcome(status: .skipped, eventType: label, reason: "not due")
        }
    }
}

extension WebhookApplier {
    /// Where ``route(_:)`` sends a parsed event.
    enum Route {
        /// Only the event row changes: its status, reason and facts.
        case finish(WebhookOutcome.Status, reason: String?, facts: AppliedFacts)
        case transfer
        case subscription(VipType, AppliedFacts)
        case pack(AppliedFacts)
    }

    /// The locked event row's identity and what the outcome is labelled with.
    struct EventRow {
        var id: Int64
        var eventID: String
        var attempts: Int
        var label: String
    }

    /// What the event row records about how it was applied; the recomputation of
    /// subscriptions and orders selects events by these columns.
    struct AppliedFacts {
        var timestampMs: Int64
        var customerIDs: [String]
        var userID: Int64? = nil
        var kind: String? = nil
        var productID: String? = nil
        var transactionID: String? = nil
    }

    /// Writes the event's final status for this attempt (and its facts) on the locked row.
    @discardableResult
    func finish(
        _ row: EventRow, _ status: WebhookOutcome.Status, reason: String? = nil,
        facts: AppliedFacts? = nil, nextAttemptAt: Date? = nil, on db: PostgresConnection
    ) throws -> WebhookOutcome {
        let stamp = now()
        try db.execute(
            """
            UPDATE revenuecat_events
            SET status = $2::varchar, reason = $3, attempts = attempts + 1, next_attempt_at = $4,
                processed_at = CASE WHEN $2::varchar IN ('processed', 'ignored') THEN $5::timestamptz ELSE processed_at END,
                updated_at = $5, user_id = $6, applied_kind = $7, product_id = $8, transaction_id = $9,
                rc_ids = COALESCE($10::varchar[], rc_ids),
                event_timestamp_ms = COALESCE(event_timestamp_ms, $11)
            WHERE id = $1
            """,
            [
                row.id, status.rawValue, reason.map(Self.clipped), nextAttemptAt, stamp, facts?.userID, facts?.kind,
                facts?.productID.map { String($0.prefix(128)) }, facts?.transactionID.map { String($0.prefix(128)) },
                facts.map { $0.customerIDs.map { String($0.prefix(255)) } }, facts?.timestampMs,
            ])
        return WebhookOutcome(status: status, eventType: row.label, reason: reason)
    }

    /// Parks an event whose user is not known yet: retried after the backoff, or left for
    /// operators once the attempts are used up. Never dropped.
    func park(_ row: EventRow, facts: AppliedFacts, on db: PostgresConnection) throws -> WebhookOutcome {
        let attempts = row.attempts + 1
        var unowned = facts
        unowned.userID = nil
        unowned.kind = nil
        if attempts >= configuration.maxParkAttempts {
            return try finish(row, .parked, reason: "user not found after \(attempts) attempts", facts: unowned, on: db)
        }
        let next = now().addingTimeInterval(TimeInterval(configuration.backoffSeconds(afterAttempt: attempts)))
        return try finish(row, .parked, reason: "user not found", facts: unowned, nextAttemptAt: next, on: db)
    }

    /// The fallback order key of a stored event: the one recorded when it was first applied,
    /// else the time it was first received (deliveries of one event id share one row).
    static let orderKeySQL = "COALESCE(event_timestamp_ms, (extract(epoch FROM created_at) * 1000)::bigint)"

    /// Reasons are for people reading the table; keep them bounded.
    static func clipped(_ text: String) -> String { String(text.prefix(500)) }
}
