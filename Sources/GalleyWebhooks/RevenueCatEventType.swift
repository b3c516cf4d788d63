import GalleyCore
import GalleyPostgres
import GalleyRedis

/// RevenueCat's webhook event types (docs: "Event Types and Fields"). Types Galley does
/// not know stay representable, so they are recorded and ignored with a reason.
public enum RevenueCatEventType: Hashable, Sendable {
    case test
    case initialPurchase
    case renewal
    case productChange
    case uncancellation
    case subscriptionExtended
    case temporaryEntitlementGrant
    case nonRenewingPurchase
    case cancellation
    case billingIssue
    case subscriptionPaused
    case expiration
    case transfer
    case refundReversed
    /// Known to RevenueCat, meaningless for Galley (aliases, invoices, virtual currency, experiments).
    case informational(String)
    case unknown(String)

    public init(_ name: String) {
        switch name {
        case "TEST": self = .test
        case "INITIAL_PURCHASE": self = .initialPurchase
        case "RENEWAL": self = .renewal
        case "PRODUCT_CHANGE": self = .productChange
        case "UNCANCELLATION": self = .uncancellation
        case "SUBSCRIPTION_EXTENDED": self = .subscriptionExtended
        case "TEMPORARY_ENTITLEMENT_GRANT": self = .temporaryEntitlementGrant
        case "NON_RENEWING_PURCHASE": self = .nonRenewingPurchase
        case "CANCELLATION": self = .cancellation
        case "BILLING_ISSUE": self = .billingIssue
        case "SUBSCRIPTION_PAUSED": self = .subscriptionPaused
        case "EXPIRATION": self = .expiration
        case "TRANSFER": self = .transfer
        case "REFUND_REVERSED": self = .refundReversed
        case "SUBSCRIBER_ALIAS", "INVOICE_ISSUANCE", "VIRTUAL_CURRENCY_TRANSACTION", "EXPERIMENT_ENROLLMENT":
            self = .informational(name)
        default: self = .unknown(name)
        }
    }

    /// RevenueCat's spelling, used as the metric label and in reasons.
    public var name: String {
        switch self {
        case .test: "TEST"
        case .initialPurchase: "INITIAL_PURCHASE"
        case .renewal: "RENEWAL"
        case .productChange: "PRODUCT_CHANGE"
        case .uncancellation: "UNCANCELLATION"
        case .subscriptionExtended: "SUBSCRIPTION_EXTENDED"
        case .temporaryEntitlementGrant: "TEMPORARY_ENTITLEMENT_GRANT"
        case .nonRenewingPurchase: "NON_RENEWING_PURCHASE"
        case .cancellation: "CANCELLATION"
        case .billingIssue: "BILLING_ISSUE"
        case .subscriptionPaused: "SUBSCRIPTION_PAUSED"
        case .expiration: "EXPIRATION"
        case .transfer: "TRANSFER"
        case .refundReversed: "REFUND_REVERSED"
        case .informational(let name), .unknown(let name): name
        }
    }

    /// The metric label: unknown names collapse into one value so a sender cannot grow
    /// the label set without bound.
    public var metricLabel: String {
        if case .unknown = self { return "UNKNOWN" }
        return name
    }
}
