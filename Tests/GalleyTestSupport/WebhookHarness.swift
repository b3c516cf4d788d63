import Foundation
import Synchronization
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks
import GalleyRewards
import GalleyGateway
import GalleyTesting

/// A clock the webhook tests move by hand (parking backoff, VIP "now").
package final class WebhookTestClock: Sendable {
    private let current: Mutex<Date>
    package init(_ date: Date) { current = Mutex(date) }
    package var now: Date { current.withLock { $0 } }
    package func set(_ date: Date) { current.withLock { $0 = date } }
    package func advance(seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A fresh migrated database with an applier, storing events the way the gateway does
/// (a `received` row with the whole body), so tests call the applier directly.
package final class WebhookHarness: Sendable {
    package let database: TestDatabase
    package let pool: PostgresPool
    package let clock: WebhookTestClock
    package let applier: WebhookApplier
    package let sweeper: WebhookSweeper
    package let ids: SnowflakeGenerator

    package init(applySandbox: Bool = true, maxParkAttempts: Int = 20, now: Date = Date(timeIntervalSince1970: 1_658_726_400),
         poolSize: Int = 8) throws {
        database = try TestDatabase()
        pool = database.pool(size: poolSize)
        let clock = WebhookTestClock(now)
        self.clock = clock
        ids = try SnowflakeGenerator(nodeID: Int.random(in: 0...1023))
        applier = WebhookApplier(
            configuration: WebhookApplierConfiguration(applySandboxEvents: applySandbox, maxParkAttempts: maxParkAttempts),
            businessConfig: { WebhookSamples.config }, ids: ids, logger: Logger(label: "test.webhook"),
            now: { clock.now })
        sweeper = WebhookSweeper(applier: applier, pool: pool, metrics: WebhookMetrics(registry: MetricsRegistry()))
    }

    deinit {
        pool.close()
        database.drop()
    }

    /// A user as login creates it: the row and a zero points account.
    package func createUser(_ id: Int64) throws {
        let ledger = Ledger(nextID: { [ids] in ids.next() })
        try pool.withTransaction { connection in
            try connection.execute(
                "INSERT INTO users (id, device_id, created_at, updated_at) VALUES ($1, $2, now(), now())", [id, "device-\(id)"])
            try ledger.openAccount(userID: id, on: connection)
        }
    }

    /// Stores a body as the gateway does; answers the event id. A second store of the same id is a no-op.
    @discardableResult
    package func store(_ event: JSONObject) throws -> String {
        let body = WebhookSamples.body(event)
        let eventID = event["id"]?.stringValue ?? ""
        try pool.withConnection { connection in
            try connection.execute(
                """
                INSERT INTO revenuecat_events (id, event_id, event_type, payload, created_at, status, app_user_id, event_timestamp_ms)
                VALUES ($1, $2, $3, $4::json, now(), 'received', $5, $6) ON CONFLICT (event_id) DO NOTHING
                """,
                [ids.next(), eventID, event["type"]?.stringValue ?? "", body, event["app_user_id"]?.stringValue,
                 event["event_timestamp_ms"]?.int64Value])
        }
        return eventID
    }

    /// Applies a stored event as a stream delivery would.
    @discardableResult
    package func deliver(_ eventID: String) async throws -> WebhookOutcome {
        try await applier.apply(eventID: eventID, pool: pool)
    }

    /// Applies stored events as one batch of stream deliveries (the worker's group commit).
    package func deliverBatch(_ eventIDs: [String]) async -> [Result<WebhookOutcome, any Error>] {
        await applier.applyBatch(eventIDs: eventIDs, pool: pool)
    }

    /// Stores and delivers.
    @discardableResult
    package func receive(_ event: JSONObject) async throws -> WebhookOutcome {
        try await deliver(try store(event))
    }

    package func eventRow(_ eventID: String) throws -> (status: String, reason: String?, attempts: Int, userID: Int64?) {
        try pool.withConnection { connection in
            guard let row = try connection.query(
                "SELECT status, reason, attempts, user_id FROM revenuecat_events WHERE event_id = $1", [eventID]).first
            else { throw WebhookError.unknownEvent }
            return (try row.decode(String.self, "status"), try row.decode(String?.self, "reason"),
                    try row.decode(Int.self, "attempts"), try row.decode(Int64?.self, "user_id"))
        }
    }

    package struct Subscription: Equatable {
        package var status: String
        package var willRenew: Bool
        package var periodStart: Date?
        package var periodEnd: Date?
        package var cancelledAt: Date?
        package var planType: String
        package var subscriberID: String
    }

    package func subscription(user: Int64, product: String) throws -> Subscription? {
        try pool.withConnection { connection in
            try connection.query(
                """
                SELECT status, will_renew, current_period_start, current_period_end, cancelled_at, plan_type, rc_subscriber_id
                FROM subscriptions WHERE user_id = $1 AND product_id = $2
                """, [user, product]
            ).first.map {
                Subscription(
                    status: try $0.decode(String.self, "status"), willRenew: try $0.decode(Bool.self, "will_renew"),
                    periodStart: try $0.decode(Date?.self, "current_period_start"),
                    periodEnd: try $0.decode(Date?.self, "current_period_end"),
                    cancelledAt: try $0.decode(Date?.self, "cancelled_at"), planType: try $0.decode(String.self, "plan_type"),
                    subscriberID: try $0.decode(String.self, "rc_subscriber_id"))
            }
        }
    }

    package func vip(_ user: Int64) throws -> (isVIP: Bool, type: String?, expires: Date?) {
        try pool.withConnection { connection in
            guard let row = try connection.query("SELECT is_vip, vip_type, vip_expire_time FROM users WHERE id = $1", [user]).first
            else { throw WebhookError.unknownEvent }
            return (try row.decode(Bool.self, "is_vip"), try row.decode(String?.self, "vip_type"), try row.decode(Date?.self, "vip_expire_time"))
        }
    }

    package func balance(_ user: Int64) throws -> Int {
        try pool.withConnection { try Ledger.audit(userID: user, on: $0) }.balance
    }

    /// `type amount ref_key` of the user's ledger, oldest first.
    package func ledger(_ user: Int64) throws -> [String] {
        try pool.withConnection { connection in
            try connection.query(
                "SELECT type, amount, ref_key FROM point_transactions WHERE user_id = $1 ORDER BY created_at, id", [user]
            ).map { "\(try $0.decode(String.self, "type")) \(try $0.decode(Int.self, "amount")) \(try $0.decode(String?.self, "ref_key") ?? "-")" }
        }
    }

    package func order(_ orderNo: String) throws -> (status: String, amount: String, currency: String, userID: Int64, refundedAt: Date?)? {
        try pool.withConnection { connection in
            try connection.query("SELECT status, amount, currency, user_id, refunded_at FROM orders WHERE order_no = $1", [orderNo]).first.map {
                (try $0.decode(String.self, "status"), try $0.decode(String.self, "amount"), try $0.decode(String.self, "currency"),
                 try $0.decode(Int64.self, "user_id"), try $0.decode(Date?.self, "refunded_at"))
            }
        }
    }

    /// Every table the webhook worker writes, as sorted text rows, leaving out what is
    /// arbitrary by nature: generated ids, wall-clock stamps, attempt counts, and a ledger
    /// row's running `balance_after` (which depends on the order movements happened in;
    /// the balance itself and the set of movements are compared, and invariant 1 checked).
    package func snapshot() throws -> [String: [String]] {
        let queries: [String: String] = [
            "users": "SELECT (id, is_vip, vip_type, vip_expire_time)::text FROM users",
            "subscriptions": """
                SELECT (user_id, product_id, rc_subscriber_id, plan_type, status, will_renew, current_period_start,
                        current_period_end, cancelled_at, last_event_ms, original_transaction_id, store, environment)::text
                FROM subscriptions
                """,
            "orders": """
                SELECT (user_id, order_no, product_type, product_id, quantity, amount, currency, status, payment_channel,
                        transaction_id, paid_at, refunded_at, environment)::text FROM orders
                """,
            "user_points": "SELECT (user_id, balance)::text FROM user_points",
            "point_transactions": "SELECT (user_id, type, amount, order_no, ref_key, environment)::text FROM point_transactions",
            "revenuecat_events": "SELECT (event_id, status, reason, user_id, applied_kind)::text FROM revenuecat_events",
            "revenuecat_aliases": "SELECT (app_user_id, user_id)::text FROM revenuecat_aliases",
            "revenuecat_transfers": "SELECT (event_id, from_app_user_id, to_app_user_id, event_timestamp_ms)::text FROM revenuecat_transfers",
        ]
        return try pool.withConnection { connection in
            var tables: [String: [String]] = [:]
            for (table, sql) in queries {
                tables[table] = try connection.query(sql).map { try $0.decode(String.self, at: 0) }.sorted()
            }
            return tables
        }
    }

    /// Users whose balance is negative or differs from their ledger: empty when invariant 1 holds.
    package func ledgerViolations() throws -> [Int64] {
        try pool.withConnection { try Ledger.violations(on: $0) }
    }

    /// Re-drives parked events until none is left that can be applied (as the sweep would, over time).
    package func drainParked() async throws {
        for _ in 0..<5 {
            let summary = try await sweeper.replayParked()
            if summary[.processed] + summary[.ignored] == 0 { return }
        }
    }
}
