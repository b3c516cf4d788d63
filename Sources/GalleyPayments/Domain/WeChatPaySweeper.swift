import Foundation
public import GalleyCore
public import GalleyPostgres

/// Finds what notifications missed. Every ``interval``: re-applies stored notifications
/// left `received` or `failed` (a lost stream entry); queries WeChat Pay for prepaid
/// orders still pending after ``WeChatPayConfiguration/queryAfter`` and applies the answer
/// like a notification; closes the ones unpaid past their expiry; and asks after refunds
/// requested but not confirmed.
public struct WeChatPaySweeper: Sendable {
    public let applier: WeChatPayApplier
    public let client: WeChatPayClient
    public let pool: PostgresPool
    public let metrics: WeChatPayMetrics
    public var interval: Duration = .seconds(30)
    public var batchSize = 100
    let logger: Logger

    public init(applier: WeChatPayApplier, client: WeChatPayClient, pool: PostgresPool, metrics: WeChatPayMetrics,
                logger: Logger = Logger(label: "wechatpay.sweep")) {
        self.applier = applier
        self.client = client
        self.pool = pool
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async {
        while !Task.isCancelled {
            do {
                try await sweepOnce()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("WeChat Pay sweep failed; the next one retries", ["error": String(describing: error)])
            }
            try? await Task.sleep(for: interval)
        }
    }

    public func sweepOnce() async throws {
        let moment = applier.now()
        let queryBefore = moment.addingTimeInterval(-Double(client.configuration.queryAfter.components.seconds))
        let limit = batchSize
        let stored = try await pool.withConnection { db in
            try db.query(
                """
                SELECT notification_id FROM wechatpay_notifications
                WHERE status IN ('received', 'failed') AND updated_at <= $1 ORDER BY created_at LIMIT $2
                """, [moment.addingTimeInterval(-60), limit]
            ).map { try $0.decode(String.self, at: 0) }
        }
        for id in stored {
            try Task.checkCancellation()
            metrics.record(try await applier.apply(notificationID: id, pool: pool))
        }
        let pending = try await pool.withConnection { db in
            try db.query(
                """
                UPDATE wechatpay_orders SET last_queried_at = $1
                WHERE order_no IN (SELECT order_no FROM wechatpay_orders
                                   WHERE state = 'pending' AND prepay_id IS NOT NULL AND created_at <= $2
                                     AND (last_queried_at IS NULL OR last_queried_at <= $2)
                                   ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
                RETURNING order_no, out_trade_no, prepay_expires_at
                """, [moment, queryBefore, limit]
            ).map { (try $0.decode(String.self, "order_no"), try $0.decode(String.self, "out_trade_no"),
                     try $0.decode(Date?.self, "prepay_expires_at")) }
        }
        for (orderNo, outTradeNo, expiresAt) in pending {
            try Task.checkCancellation()
            do {
                try await settlePending(orderNo: orderNo, outTradeNo: outTradeNo, expired: (expiresAt ?? moment) <= moment)
            } catch let error as WeChatPayError {
                metrics.sweep("failed")
                logger.warning("WeChat Pay query failed", ["order_no": orderNo, "error": error.debugDescription])
            }
        }
        try await queryRefunds(before: queryBefore)
        try await refreshFlagged()
    }

    /// One pending order: paid → applied as a notification; unpaid and expired → closed.
    func settlePending(orderNo: String, outTradeNo: String, expired: Bool) async throws {
        metrics.sweep("queried")
        let transaction = try await client.queryTransaction(outTradeNo: outTradeNo)
        switch transaction?["trade_state"]?.stringValue {
        case "SUCCESS"?, "REFUND"?:
            let outcome = try await applier.applyTransaction(transaction ?? .null, pool: pool)
            metrics.record(outcome)
            if outcome.status == .processed { metrics.sweep("paid") }
        case "CLOSED"?, "REVOKED"?, "PAYERROR"?:
            try await markClosed(orderNo)
        default:
            // NOTPAY, USERPAYING, or unknown to WeChat Pay: payable until its expiry.
            guard expired else { return }
            if transaction != nil { try await client.closeTransaction(outTradeNo: outTradeNo) }
            try await markClosed(orderNo)
        }
    }

    func markClosed(_ orderNo: String) async throws {
        let stamp = applier.now()
        _ = try await pool.withTransaction { db in
            let moved = try db.execute(
                "UPDATE wechatpay_orders SET state = 'closed', updated_at = $2 WHERE order_no = $1 AND state = 'pending'", [orderNo, stamp])
            if moved == 1 {
                try db.execute("UPDATE orders SET status = 'failed', updated_at = $2 WHERE order_no = $1 AND status = 'pending'",
                               [orderNo, stamp])
            }
            return moved
        }
        metrics.sweep("closed")
    }

    /// Refunds requested but not confirmed by a notification: their state from the refund API.
    func queryRefunds(before: Date) async throws {
        let limit = batchSize
        let waiting = try await pool.withConnection { db in
            try db.query(
                """
                SELECT out_refund_no FROM wechatpay_orders
                WHERE state = 'paid' AND out_refund_no IS NOT NULL AND refunded_at IS NULL AND refund_requested_at <= $1
                  AND (last_queried_at IS NULL OR last_queried_at <= $1)
                ORDER BY refund_requested_at LIMIT $2
                """, [before, limit]
            ).map { try $0.decode(String.self, at: 0) }
        }
        for outRefundNo in waiting {
            try Task.checkCancellation()
            metrics.sweep("refund_queried")
            _ = try await pool.withConnection { db in
                try db.execute("UPDATE wechatpay_orders SET last_queried_at = $2 WHERE out_refund_no = $1", [outRefundNo, applier.now()])
            }
            do {
                let refund = try await client.queryRefund(outRefundNo: outRefundNo)
                metrics.record(try await applier.applyRefund(refund, pool: pool))
            } catch let error as WeChatPayError {
                metrics.sweep("failed")
                logger.warning("WeChat Pay refund query failed", ["out_refund_no": outRefundNo, "error": error.debugDescription])
            }
        }
    }

    public func refreshFlagged() async throws {
        let count = try await pool.withConnection { db in
            try db.query("SELECT count(*) FROM wechatpay_orders WHERE flag_reason IS NOT NULL").first?.decode(Int.self, at: 0) ?? 0
        }
        metrics.setFlagged(count)
    }
}
