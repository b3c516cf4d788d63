import GalleyCore
import GalleyPostgres
import GalleyRedis
public import GalleyRuntime
import GalleyLedger

/// One subscription (a user and a VIP product) as its RevenueCat events say it is.
///
/// The row is recomputed from the whole set of its processed events, folded in
/// (order key, event id) order (``RevenueCatEvent/timestampMs``), so deliveries arriving
/// late, twice or shuffled give the same row as applying each event once in that order.
/// The known period end only grows; an EXPIRATION ends the subscription while no granting
/// event (purchase, renewal, uncancellation, product change, extension) comes after it,
/// whatever its `expiration_at_ms`.
public struct SubscriptionState: Sendable, Hashable {
    /// Whether the store will charge again at the period end.
    public enum Renewal: Sendable, Hashable {
        case renewing
        /// CANCELLATION, BILLING_ISSUE or SUBSCRIPTION_PAUSED: access lasts until the period end.
        case cancelled
        /// A non-renewing purchase of a VIP product (lifetime, or a fixed period).
        case nonRenewing
    }

    public let plan: VipType
    /// Purchase time of the latest known period.
    public private(set) var periodStartMs: Int64?
    /// The latest expiration any event reported; nil while unknown. Lifetime plans ignore it.
    public private(set) var periodEndMs: Int64?
    public private(set) var isLifetime = false
    /// The latest expiration an EXPIRATION event reported.
    public private(set) var expiredThroughMs: Int64?
    /// An EXPIRATION came after every granting event so far.
    public private(set) var endedByExpiration = false
    /// Purchase time of the latest refunded period, and of the latest reversed refund.
    public private(set) var refundedStartMs: Int64?
    public private(set) var refundReversedStartMs: Int64?
    public private(set) var renewal: Renewal = .renewing
    public private(set) var cancelledAtMs: Int64?
    /// `original_app_user_id` of the latest event (the original's `rc_subscriber_id`).
    public private(set) var subscriberID: String?
    public private(set) var store: String?
    public private(set) var environment: String?
    public private(set) var originalTransactionID: String?
    public private(set) var lastEventMs: Int64?

    public init(plan: VipType) { self.plan = plan }

    /// Folds in the next event (callers pass them in timestamp order).
    public mutating func apply(_ event: RevenueCatEvent) {
        lastEventMs = max(lastEventMs ?? event.timestampMs, event.timestampMs)
        if let id = event.originalAppUserID ?? event.appUserID { subscriberID = id }
        if let value = event.store { store = value }
        if let value = event.environment { environment = value }
        if let value = event.originalTransactionID ?? event.transactionID { originalTransactionID = value }

        switch event.type {
        case .initialPurchase, .renewal, .uncancellation:
            endedByExpiration = false
            renewal = .renewing
            cancelledAtMs = nil
            extendPeriod(event, grants: true)
        case .nonRenewingPurchase:
            endedByExpiration = false
            renewal = .nonRenewing
            cancelledAtMs = nil
            extendPeriod(event, grants: true)
        case .productChange, .subscriptionExtended, .temporaryEntitlementGrant:
            endedByExpiration = false
            extendPeriod(event, grants: true)
        case .cancellation:
            renewal = .cancelled
            cancelledAtMs = event.timestampMs
            if event.isRefund {
                // A refund's expiration is the refund time: it revokes the period it names
                // instead of moving the period end.
                refundedStartMs = max(refundedStartMs ?? .min, event.purchasedAtMs ?? .min)
            } else {
                extendPeriod(event, grants: false)
            }
        case .billingIssue, .subscriptionPaused:
            renewal = .cancelled
            if cancelledAtMs == nil { cancelledAtMs = event.timestampMs }
            extendPeriod(event, grants: false)
        case .expiration:
            let through = event.expirationAtMs ?? event.timestampMs
            expiredThroughMs = max(expiredThroughMs ?? through, through)
            endedByExpiration = true
            extendPeriod(event, grants: false)
        case .refundReversed:
            refundReversedStartMs = max(refundReversedStartMs ?? .min, event.purchasedAtMs ?? .min)
            extendPeriod(event, grants: false)
        case .test, .transfer, .informational, .unknown:
            break
        }
    }

    /// Ended by an EXPIRATION no granting event followed (lifetime plans included, as the
    /// original ends them), or by a refund of the latest known period that was not reversed.
    public var isExpired: Bool {
        if let refunded = refundedStartMs, refunded >= (periodStartMs ?? .min),
            (refundReversedStartMs ?? .min) < refunded
        {
            return true
        }
        return endedByExpiration
    }

    public var willRenew: Bool { renewal == .renewing && !isExpired }

    /// The original's `subscriptions.status`: `active`, `cancelled` or `expired`.
    public var status: String {
        if isExpired { return "expired" }
        return renewal == .cancelled ? "cancelled" : "active"
    }

    /// The row's `current_period_end`: nil for a lifetime plan.
    public var currentPeriodEndMs: Int64? { isLifetime ? nil : periodEndMs }

    private mutating func extendPeriod(_ event: RevenueCatEvent, grants: Bool) {
        if grants && plan == .lifetime {
            isLifetime = true
            if periodStartMs == nil { periodStartMs = event.purchasedAtMs }
            return
        }
        guard let expiration = event.expirationAtMs else {
            if periodStartMs == nil { periodStartMs = event.purchasedAtMs }
            return
        }
        if periodEndMs.map({ expiration > $0 }) ?? true {
            periodEndMs = expiration
            if let start = event.purchasedAtMs { periodStartMs = start }
        } else if periodStartMs == nil {
            periodStartMs = event.purchasedAtMs
        }
    }
}
