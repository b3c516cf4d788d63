import Foundation
import Synchronization
import GalleyCore
import GalleyPostgres

/// Writes to a database the way the original PicKitchen backend does while it serves it:
/// its statements (as SQLAlchemy issues them, recorded as facts: login inserts `users` and
/// `user_points` in one commit; a points change locks the account `FOR UPDATE`, updates the
/// balance and inserts a `point_transactions` row; tasks, orders and webhook events are
/// single inserts), each one timed. One extra session plays a slow request: it keeps a row
/// of `user_points` locked for `slowHold` at a time, so that a migration's ALTER on that
/// table must wait, time out and retry.
package final class OriginalWriter: Sendable {
    package struct Stats: Sendable {
        package var statements = 0
        package var maxWait: Duration = .zero
        package var maxWaitStatement = ""
        package var maxWaitWhileMigrating: Duration = .zero
        package var maxWaitWhileMigratingStatement = ""
        package var errors: [String] = []
        /// Rows committed per table (by this writer).
        package var committed: [String: Int] = [:]
    }

    package let configuration: PostgresConfiguration
    package let writers: Int
    package let slowHold: Duration
    package let slowUser: Int64?
    package let idBase: Int64
    private let stop = Atomic<Bool>(false)
    package let migrating = Atomic<Bool>(false)
    /// How many times the slow request has taken its row lock so far.
    package let slowLocks = Atomic<Int>(0)
    private let stats = Mutex(Stats())
    private let running = Atomic<Int>(0)

    package init(configuration: PostgresConfiguration, writers: Int = 3, slowHold: Duration = .milliseconds(2500), slowUser: Int64?) {
        self.configuration = configuration
        self.writers = writers
        self.slowHold = slowHold
        self.slowUser = slowUser
        idBase = 900_000_000_000_000_000 + Int64.random(in: 0...1_000_000) * 1_000_000
    }

    package var snapshot: Stats { stats.withLock { $0 } }

    package func start() {
        for index in 0..<writers {
            running.add(1, ordering: .sequentiallyConsistent)
            Thread.detachNewThread { [self] in
                defer { running.subtract(1, ordering: .sequentiallyConsistent) }
                writeLoop(index)
            }
        }
        if let slowUser {
            running.add(1, ordering: .sequentiallyConsistent)
            Thread.detachNewThread { [self] in
                defer { running.subtract(1, ordering: .sequentiallyConsistent) }
                slowLoop(slowUser)
            }
        }
    }

    /// Stops the sessions and waits for them to finish their current transaction.
    package func finish() {
        stop.store(true, ordering: .sequentiallyConsistent)
        while running.load(ordering: .sequentiallyConsistent) > 0 { Thread.sleep(forTimeInterval: 0.02) }
    }

    @discardableResult
    private func timed(_ label: String, _ connection: PostgresConnection, _ sql: String, _ binds: [any PostgresEncodable] = []) throws
        -> PostgresResult
    {
        let clock = ContinuousClock()
        let started = clock.now
        let result = try connection.query(sql, binds)
        let waited = clock.now - started
        let duringMigration = migrating.load(ordering: .sequentiallyConsistent)
        stats.withLock { stats in
            stats.statements += 1
            if waited > stats.maxWait { stats.maxWait = waited; stats.maxWaitStatement = label }
            if duringMigration, waited > stats.maxWaitWhileMigrating {
                stats.maxWaitWhileMigrating = waited
                stats.maxWaitWhileMigratingStatement = label
            }
        }
        return result
    }

    private func committed(_ counts: [String: Int]) {
        stats.withLock { stats in for (table, count) in counts { stats.committed[table, default: 0] += count } }
    }

    private func writeLoop(_ index: Int) {
        let connection: PostgresConnection
        do { connection = try PostgresConnection(configuration: configuration) } catch {
            stats.withLock { $0.errors.append("connect: \(error)") }
            return
        }
        defer { connection.close() }
        var serial: Int64 = 0
        while !stop.load(ordering: .sequentiallyConsistent) {
            serial += 1
            let key = idBase + Int64(index) * 100_000 + serial * 10
            do {
                // POST /login/device: a new user and its points account, one commit.
                try timed("BEGIN", connection, "BEGIN")
                try timed("INSERT users", connection,
                    """
                    INSERT INTO users (id, device_id, nickname, is_vip, vip_type, vip_expire_time, created_at, updated_at)
                    VALUES ($1, $2, NULL, false, NULL, NULL, now(), now())
                    """, [key, "live-\(key)"])
                try timed("INSERT user_points", connection,
                    "INSERT INTO user_points (id, user_id, balance, updated_at) VALUES ($1, $2, 0, now())", [key + 1, key])
                try timed("COMMIT", connection, "COMMIT")
                committed(["users": 1, "user_points": 1])

                // A points change (webhook pack purchase): lock, update the balance, ledger row.
                try timed("BEGIN", connection, "BEGIN")
                try timed("SELECT user_points FOR UPDATE", connection,
                    "SELECT user_points.id, user_points.balance FROM user_points WHERE user_points.user_id = $1 FOR UPDATE", [key])
                try timed("UPDATE user_points", connection,
                    "UPDATE user_points SET balance = $1, updated_at = now() WHERE user_points.id = $2", [1000, key + 1])
                try timed("INSERT point_transactions", connection,
                    """
                    INSERT INTO point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, created_at)
                    VALUES ($1, $2, 'purchase', 1000, 1000, NULL, $3, NULL, now())
                    """, [key + 2, key, "live-order-\(key)"])
                try timed("INSERT orders", connection,
                    """
                    INSERT INTO orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status,
                        payment_channel, transaction_id, created_at, paid_at, updated_at)
                    VALUES ($1, $2, $3, 'points_pack', 'points_1000', 1, 9.99, 'USD', 'paid', 'revenuecat', $3, now(), NULL, now())
                    """, [key + 3, key, "live-order-\(key)"])
                try timed("INSERT revenuecat_events", connection,
                    "INSERT INTO revenuecat_events (id, event_id, event_type, payload, created_at) VALUES ($1, $2, 'NON_RENEWING_PURCHASE', $3::json, now())",
                    [key + 4, "live-evt-\(key)", "{\"event\": {\"id\": \"live-evt-\(key)\"}}"])
                try timed("COMMIT", connection, "COMMIT")
                committed(["point_transactions": 1, "orders": 1, "revenuecat_events": 1])

                // POST /emoji/create: the task row, its own commit.
                try timed("INSERT emoji_tasks", connection,
                    """
                    INSERT INTO emoji_tasks (id, user_id, driven_id, style_name, source_image_url, detect_result, aliyun_task_id,
                        result_url, status, points_cost, error_message, created_at, completed_at)
                    VALUES ($1, $2, 'mengwa_kaixin', NULL, 'https://example.com/a.jpg', '{"mock": true}'::json, NULL, NULL,
                        'pending', 200, NULL, now(), NULL)
                    """, [key + 5, key])
                committed(["emoji_tasks": 1])
            } catch {
                _ = try? connection.simpleQuery("ROLLBACK")
                stats.withLock { $0.errors.append("\(error)") }
            }
        }
    }

    private func slowLoop(_ user: Int64) {
        guard let connection = try? PostgresConnection(configuration: configuration) else { return }
        defer { connection.close() }
        while !stop.load(ordering: .sequentiallyConsistent) {
            do {
                try timed("BEGIN (slow)", connection, "BEGIN")
                try timed("SELECT user_points FOR UPDATE (slow)", connection,
                    "SELECT user_points.id, user_points.balance FROM user_points WHERE user_points.user_id = $1 FOR UPDATE", [user])
                slowLocks.add(1, ordering: .sequentiallyConsistent)
                Thread.sleep(forTimeInterval: Double(slowHold.components.seconds) + Double(slowHold.components.attoseconds) / 1e18)
                try timed("UPDATE user_points (slow)", connection,
                    "UPDATE user_points SET updated_at = now() WHERE user_points.user_id = $1", [user])
                try timed("COMMIT (slow)", connection, "COMMIT")
                Thread.sleep(forTimeInterval: 0.8)
            } catch {
                _ = try? connection.simpleQuery("ROLLBACK")
                stats.withLock { $0.errors.append("slow: \(error)") }
            }
        }
    }
}
