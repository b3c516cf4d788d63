import Foundation
import GalleyCore
import GalleyPostgres
import GalleyLedger

extension AdminOperations {
    /// A user by id, or nil.
    public func user(id: Int64) throws -> AdminUser? {
        try postgres.withConnection { try user(where: "u.id = $1", id, on: $0) }
    }

    /// A user by the device id they log in with, or nil.
    public func user(deviceID: String) throws -> AdminUser? {
        try postgres.withConnection { try user(where: "u.device_id = $1", deviceID, on: $0) }
    }

    private func user(where filter: String, _ value: any PostgresEncodable, on connection: PostgresConnection) throws -> AdminUser? {
        guard let row = try connection.query("""
            SELECT u.id, u.device_id, u.nickname, u.is_vip, u.vip_type, u.vip_expire_time, u.created_at,
                   COALESCE(p.balance, 0) AS balance
            FROM users u LEFT JOIN user_points p ON p.user_id = u.id WHERE \(filter)
            """, [value]).first else { return nil }
        let id = try row.decode(Int64.self, "id")
        let subscriptions = try connection.query("""
            SELECT product_id, plan_type, status, will_renew, current_period_end, environment
            FROM subscriptions WHERE user_id = $1 ORDER BY updated_at DESC LIMIT 50
            """, [id]).rows.map { sub in
            AdminSubscription(
                productID: try sub.decode(String.self, "product_id"), planType: try sub.decode(String.self, "plan_type"),
                status: try sub.decode(String.self, "status"), willRenew: try sub.decode(Bool.self, "will_renew"),
                currentPeriodEnd: try sub.decode(Date?.self, "current_period_end"),
                environment: try sub.decode(String?.self, "environment"))
        }
        return AdminUser(
            id: id, deviceID: try row.decode(String.self, "device_id"), nickname: try row.decode(String?.self, "nickname"),
            isVIP: try row.decode(Bool.self, "is_vip"), vipType: try row.decode(String?.self, "vip_type"),
            vipExpireTime: try row.decode(Date?.self, "vip_expire_time"), createdAt: try row.decode(Date.self, "created_at"),
            balance: try row.decode(Int.self, "balance"), subscriptions: subscriptions)
    }

    /// A user's ledger, newest first (the index `(user_id, created_at DESC, id DESC)`).
    public func ledger(userID: Int64, page: AdminPageRequest = AdminPageRequest()) throws -> AdminPage<AdminLedgerRow> {
        let after = try AdminCursor.timeAndID(page.cursor)
        return try postgres.withConnection { connection in
            let rows = try connection.query("""
                SELECT id, type, amount, balance_after, task_type, order_no, reward_week, ref_key, created_at
                FROM point_transactions
                WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::bigint))
                ORDER BY created_at DESC, id DESC LIMIT $4
                """,
                [userID, after?.0, after?.1, page.limit + 1])
            return AdminCursor.page(try rows.rows.map(AdminOperations.ledgerRow), limit: page.limit) {
                AdminCursor.timeAndID($0.createdAt, $0.id)
            }
        }
    }

    /// A user's orders, newest first.
    public func orders(userID: Int64, page: AdminPageRequest = AdminPageRequest()) throws -> AdminPage<AdminOrder> {
        let after = try AdminCursor.timeAndID(page.cursor)
        return try postgres.withConnection { connection in
            let rows = try connection.query("""
                SELECT id, order_no, product_type, product_id, amount::text AS amount, currency, status, payment_channel,
                       transaction_id, created_at, paid_at
                FROM orders
                WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::bigint))
                ORDER BY created_at DESC, id DESC LIMIT $4
                """, [userID, after?.0, after?.1, page.limit + 1])
            let orders = try rows.rows.map { row in
                AdminOrder(
                    id: try row.decode(Int64.self, "id"), orderNo: try row.decode(String.self, "order_no"),
                    productType: try row.decode(String.self, "product_type"), productID: try row.decode(String.self, "product_id"),
                    amount: try row.decode(String.self, "amount"), currency: try row.decode(String.self, "currency"),
                    status: try row.decode(String.self, "status"), paymentChannel: try row.decode(String?.self, "payment_channel"),
                    transactionID: try row.decode(String?.self, "transaction_id"), createdAt: try row.decode(Date.self, "created_at"),
                    paidAt: try row.decode(Date?.self, "paid_at"))
            }
            return AdminCursor.page(orders, limit: page.limit) { AdminCursor.timeAndID($0.createdAt, $0.id) }
        }
    }

    /// Credits (`amount` > 0) or debits (< 0) a user's points through the ledger, with the
    /// ledger row, the balance and the audit row in one transaction. The row's type is one
    /// the app already knows: `reward` for a credit, `consume` for a debit (task type
    /// `admin`). A debit larger than the balance is refused; the balance never goes negative.
    ///
    /// - Parameter requestKey: makes a resubmitted form or a retried command apply once
    ///   (ledger reference `admin:<key>`); nil applies every call.
    public func adjustPoints(userID: Int64, amount: Int, reason: String, requestKey: String? = nil,
                             by actor: AdminOperator) throws -> AdminPointsAdjustment {
        guard amount != 0, abs(amount) <= 100_000_000 else { throw AdminError.invalid("the amount must be non-zero and at most 100000000") }
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty, why.count <= 500 else { throw AdminError.invalid("a reason (1–500 characters) is required") }
        if let requestKey, requestKey.isEmpty || requestKey.count > 100 {
            throw AdminError.invalid("the request key must be 1–100 characters")
        }
        let ledger = try ledger()
        let kind: LedgerEntry.Kind = amount > 0 ? .reward : .consume
        return try postgres.withTransaction { connection in
            guard let balanceRow = try connection.query("""
                SELECT u.id, COALESCE(p.balance, 0) AS balance FROM users u
                LEFT JOIN user_points p ON p.user_id = u.id WHERE u.id = $1
                """, [userID]).first else { throw AdminError.notFound("user \(userID)") }
            let before = try balanceRow.decode(Int.self, "balance")
            let outcome = try ledger.apply(
                LedgerEntry(userID: userID, amount: amount, kind: kind, taskType: "admin",
                            reference: requestKey.map { "admin:\($0)" }), on: connection)
            switch outcome {
            case .insufficientFunds(let balance):
                throw AdminError(.insufficientPoints, "user \(userID) has \(balance) points; cannot debit \(-amount)")
            case .duplicate:
                return AdminPointsAdjustment(userID: userID, transactionID: nil, amount: 0, balanceBefore: before,
                                             balanceAfter: before, kind: kind.rawValue, duplicate: true)
            case .applied(let transactionID, let moved, let after):
                // The ledger's locked balance, not the read above (another write may have come between).
                let before = after - moved
                try recordAudit(actor, action: "points.adjust", target: "user:\(userID)",
                                before: ["balance": JSONValue(before)],
                                after: ["balance": JSONValue(after), "amount": JSONValue(moved), "type": .string(kind.rawValue),
                                        "transaction_id": .int(transactionID), "reason": .string(why)],
                                on: connection)
                return AdminPointsAdjustment(userID: userID, transactionID: transactionID, amount: moved, balanceBefore: before,
                                             balanceAfter: after, kind: kind.rawValue, duplicate: false)
            }
        }
    }
}
