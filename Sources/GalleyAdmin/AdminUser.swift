public import Foundation
public import GalleyCore

/// A user's page: profile, balance, VIP and subscriptions. Ledger and orders are paged
/// separately (``AdminOperations/ledger(userID:page:)``, ``AdminOperations/orders(userID:page:)``).
public struct AdminUser: AdminJSONRepresentable {
    public var id: Int64
    public var deviceID: String
    public var nickname: String?
    public var isVIP: Bool
    public var vipType: String?
    public var vipExpireTime: Date?
    public var createdAt: Date
    public var balance: Int
    public var subscriptions: [AdminSubscription]

    public init(id: Int64, deviceID: String, nickname: String?, isVIP: Bool, vipType: String?, vipExpireTime: Date?,
                createdAt: Date, balance: Int, subscriptions: [AdminSubscription]) {
        self.id = id
        self.deviceID = deviceID
        self.nickname = nickname
        self.isVIP = isVIP
        self.vipType = vipType
        self.vipExpireTime = vipExpireTime
        self.createdAt = createdAt
        self.balance = balance
        self.subscriptions = subscriptions
    }

    public var json: JSONValue {
        [
            "id": .int(id), "device_id": .string(deviceID), "nickname": JSONValue(nickname), "is_vip": .bool(isVIP),
            "vip_type": JSONValue(vipType), "vip_expire_time": JSONValue(vipExpireTime) { .string(Timestamp.iso8601($0)) },
            "created_at": .string(Timestamp.iso8601(createdAt)), "balance": JSONValue(balance),
            "subscriptions": .array(subscriptions.map(\.json)),
        ]
    }
}

/// One row of `subscriptions`.
public struct AdminSubscription: AdminJSONRepresentable {
    public var productID: String
    public var planType: String
    public var status: String
    public var willRenew: Bool
    public var currentPeriodEnd: Date?
    public var environment: String?

    public init(productID: String, planType: String, status: String, willRenew: Bool, currentPeriodEnd: Date?, environment: String?) {
        self.productID = productID
        self.planType = planType
        self.status = status
        self.willRenew = willRenew
        self.currentPeriodEnd = currentPeriodEnd
        self.environment = environment
    }

    public var json: JSONValue {
        ["product_id": .string(productID), "plan_type": .string(planType), "status": .string(status),
         "will_renew": .bool(willRenew),
         "current_period_end": JSONValue(currentPeriodEnd) { .string(Timestamp.iso8601($0)) },
         "environment": JSONValue(environment)]
    }
}

/// One row of `point_transactions`.
public struct AdminLedgerRow: AdminJSONRepresentable {
    public var id: Int64
    public var kind: String
    public var amount: Int
    public var balanceAfter: Int
    public var taskType: String?
    public var orderNo: String?
    public var rewardWeek: String?
    public var reference: String?
    public var createdAt: Date

    public init(id: Int64, kind: String, amount: Int, balanceAfter: Int, taskType: String?, orderNo: String?,
                rewardWeek: String?, reference: String?, createdAt: Date) {
        self.id = id
        self.kind = kind
        self.amount = amount
        self.balanceAfter = balanceAfter
        self.taskType = taskType
        self.orderNo = orderNo
        self.rewardWeek = rewardWeek
        self.reference = reference
        self.createdAt = createdAt
    }

    public var json: JSONValue {
        ["id": .int(id), "type": .string(kind), "amount": JSONValue(amount), "balance_after": JSONValue(balanceAfter),
         "task_type": JSONValue(taskType), "order_no": JSONValue(orderNo), "reward_week": JSONValue(rewardWeek),
         "reference": JSONValue(reference), "created_at": .string(Timestamp.iso8601(createdAt))]
    }
}

/// One row of `orders`.
public struct AdminOrder: AdminJSONRepresentable {
    public var id: Int64
    public var orderNo: String
    public var productType: String
    public var productID: String
    public var amount: String
    public var currency: String
    public var status: String
    public var paymentChannel: String?
    public var transactionID: String?
    public var createdAt: Date
    public var paidAt: Date?

    public init(id: Int64, orderNo: String, productType: String, productID: String, amount: String, currency: String,
                status: String, paymentChannel: String?, transactionID: String?, createdAt: Date, paidAt: Date?) {
        self.id = id
        self.orderNo = orderNo
        self.productType = productType
        self.productID = productID
        self.amount = amount
        self.currency = currency
        self.status = status
        self.paymentChannel = paymentChannel
        self.transactionID = transactionID
        self.createdAt = createdAt
        self.paidAt = paidAt
    }

    public var json: JSONValue {
        ["id": .int(id), "order_no": .string(orderNo), "product_type": .string(productType),
         "product_id": .string(productID), "amount": .string(amount), "currency": .string(currency),
         "status": .string(status), "payment_channel": JSONValue(paymentChannel),
         "transaction_id": JSONValue(transactionID), "created_at": .string(Timestamp.iso8601(createdAt)),
         "paid_at": JSONValue(paidAt) { .string(Timestamp.iso8601($0)) }]
    }
}

/// What adjusting a balance did: the ledger row written and the balance around it.
public struct AdminPointsAdjustment: AdminJSONRepresentable {
    public var userID: Int64
    /// nil when `duplicate` (the same request key was applied before).
    public var transactionID: Int64?
    public var amount: Int
    public var balanceBefore: Int
    public var balanceAfter: Int
    /// The ledger type used: `reward` for a credit, `consume` for a debit.
    public var kind: String
    public var duplicate: Bool

    public init(userID: Int64, transactionID: Int64?, amount: Int, balanceBefore: Int, balanceAfter: Int, kind: String,
                duplicate: Bool) {
        self.userID = userID
        self.transactionID = transactionID
        self.amount = amount
        self.balanceBefore = balanceBefore
        self.balanceAfter = balanceAfter
        self.kind = kind
        self.duplicate = duplicate
    }

    public var json: JSONValue {
        ["user_id": .int(userID), "transaction_id": JSONValue(transactionID), "amount": JSONValue(amount),
         "balance_before": JSONValue(balanceBefore), "balance_after": JSONValue(balanceAfter), "type": .string(kind),
         "duplicate": .bool(duplicate)]
    }
}
