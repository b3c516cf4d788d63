public import GalleyCore
import GalleyPostgres
import GalleyRedis

/// One RevenueCat webhook event, read from the body the gateway stored
/// (`{"api_version": "1.0", "event": {...}}`). Only the fields Galley acts on are kept;
/// field names are RevenueCat's (docs: "Event Types and Fields").
public struct RevenueCatEvent: Sendable, Hashable {
    public var id: String
    public var type: RevenueCatEventType
    /// What orders the event among its subscription's: `event_timestamp_ms` (RevenueCat's,
    /// kept by retries), else `purchased_at_ms`, else the caller's fallback (receipt time).
    public var timestampMs: Int64
    public var appUserID: String?
    public var originalAppUserID: String?
    public var aliases: [String]
    public var productID: String?
    public var newProductID: String?
    public var purchasedAtMs: Int64?
    public var expirationAtMs: Int64?
    public var transactionID: String?
    public var originalTransactionID: String?
    /// USD price; negative for refunds.
    public var price: Double?
    public var currency: String?
    public var cancelReason: String?
    public var expirationReason: String?
    /// `SANDBOX` or `PRODUCTION`.
    public var environment: String?
    public var store: String?
    public var transferredFrom: [String]
    public var transferredTo: [String]

    /// Parses the stored body. An event without `event_timestamp_ms` is ordered by its
    /// `purchased_at_ms`, else by `fallbackTimestampMs` (the time the event was first
    /// received, or the order key recorded when it was applied): never rejected for it.
    public init(payload: JSONValue, fallbackTimestampMs: Int64? = nil) throws(WebhookError) {
        guard let event = payload["event"], event.objectValue != nil else {
            throw WebhookError.invalidPayload.with("no event object")
        }
        guard let id = Self.text(event["id"]) else { throw WebhookError.missingField.with("event.id") }
        guard let typeName = Self.text(event["type"]) else { throw WebhookError.missingField.with("event.type") }
        let ordering = event["event_timestamp_ms"]?.int64Value ?? event["purchased_at_ms"]?.int64Value
        guard let timestamp = ordering ?? fallbackTimestampMs else {
            throw WebhookError.missingField.with("event.event_timestamp_ms")
        }
        self.id = id
        self.type = RevenueCatEventType(typeName)
        self.timestampMs = timestamp
        appUserID = Self.text(event["app_user_id"])
        originalAppUserID = Self.text(event["original_app_user_id"])
        aliases = Self.texts(event["aliases"])
        productID = Self.text(event["product_id"])
        newProductID = Self.text(event["new_product_id"])
        purchasedAtMs = event["purchased_at_ms"]?.int64Value
        expirationAtMs = event["expiration_at_ms"]?.int64Value
        transactionID = Self.text(event["transaction_id"])
        originalTransactionID = Self.text(event["original_transaction_id"])
        price = event["price"]?.doubleValue
        currency = Self.text(event["currency"])
        cancelReason = Self.text(event["cancel_reason"])
        expirationReason = Self.text(event["expiration_reason"])
        environment = Self.text(event["environment"])
        store = Self.text(event["store"])
        transferredFrom = Self.texts(event["transferred_from"])
        transferredTo = Self.texts(event["transferred_to"])
    }

    /// Every RevenueCat id of the customer, in the order users are looked up:
    /// `app_user_id`, `original_app_user_id`, then `aliases`; duplicates dropped.
    public var customerIDs: [String] {
        var seen = Set<String>()
        var ids: [String] = []
        for id in [appUserID, originalAppUserID].compactMap({ $0 }) + aliases where seen.insert(id).inserted {
            ids.append(id)
        }
        return ids
    }

    public var isSandbox: Bool { environment?.uppercased() == "SANDBOX" }

    /// A CANCELLATION that is a refund: RevenueCat reports refunds with this reason.
    public var isRefund: Bool { type == .cancellation && cancelReason == "CUSTOMER_SUPPORT" }

    /// Ids may arrive as numbers from some senders; both read as text. Empty means absent.
    private static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)? where !text.isEmpty: return text
        case .int(let number)?: return String(number)
        default: return nil
        }
    }

    private static func texts(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).compactMap { text($0) }
    }
}
