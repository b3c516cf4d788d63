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

/// RevenueCat webhook bodies shaped after the documented sample events (RevenueCat docs,
/// "Sample Events"): the same fields and the documented values, rewritten here as our own
/// fixtures. Every sample takes the event `id` (the docs reuse one) and the app user id,
/// because the documented ids are not users of a test database.
package enum WebhookSamples {
    package static let anonymousA = "$RCAnonymousID:8069238d6049ce87cc529853916d624c"
    package static let anonymousB = "$RCAnonymousID:87c6049c58069238dce29853916d624c"
    package static let sampleUser: Int64 = 1_234_567_890

    /// The products the samples use, mapped like the business config maps the app's.
    package static let config: BusinessConfig = {
        let document: JSONValue = [
            "vip_products": [
                "com.subscription.weekly": "weekly", "com.subscription.monthly": "weekly",
                "com.subscription.yearly": "weekly", "com.revenuecat.myapp.weekly": "weekly",
                "com.revenuecat.myapp.monthly": "weekly", "premium": "weekly",
                "weekly_001": "weekly", "lifetime_001": "lifetime",
            ],
            "points_packs": ["2100_tokens": 2100, "points_1000": 1000, "points_3000": 3000, "points_10000": 10000],
        ]
        return (try? BusinessConfig(document: document)) ?? .builtIn
    }()

    /// `{"event": {...}, "api_version": "1.0"}` around the event fields.
    package static func body(_ event: JSONObject) -> JSONValue { ["event": .object(event), "api_version": "1.0"] }

    /// The fields every subscription lifecycle sample carries.
    package static func lifecycle(
        type: String, id: String, appUserID: String, originalAppUserID: String? = anonymousB,
        aliases: [String] = [anonymousA], product: String, purchasedAt: Int64?, expiration: Int64?,
        timestamp: Int64, transactionID: String = "123456789012345", originalTransactionID: String? = nil,
        price: Double? = 0, currency: String = "USD", store: String = "APP_STORE", environment: String = "PRODUCTION",
        periodType: String = "NORMAL"
    ) -> JSONObject {
        JSONObject([
            ("event_timestamp_ms", .int(timestamp)),
            ("product_id", .string(product)),
            ("period_type", .string(periodType)),
            ("purchased_at_ms", JSONValue(purchasedAt)),
            ("expiration_at_ms", JSONValue(expiration)),
            ("environment", .string(environment)),
            ("entitlement_id", nil),
            ("entitlement_ids", ["pro"]),
            ("presented_offering_id", nil),
            ("transaction_id", .string(transactionID)),
            ("original_transaction_id", .string(originalTransactionID ?? transactionID)),
            ("is_family_share", false),
            ("country_code", "US"),
            ("app_user_id", .string(appUserID)),
            ("aliases", .array(aliases.map(JSONValue.string))),
            ("original_app_user_id", JSONValue(originalAppUserID)),
            ("currency", .string(currency)),
            ("price", price.map(JSONValue.double) ?? .null),
            ("price_in_purchased_currency", price.map(JSONValue.double) ?? .null),
            ("subscriber_attributes", ["$email": ["updated_at_ms": 1_662_955_084_635, "value": "firstlast@gmail.com"]]),
            ("store", .string(store)),
            ("takehome_percentage", 0.7),
            ("tax_percentage", 0.0),
            ("commission_percentage", 0.3),
            ("offer_code", nil),
            ("type", .string(type)),
            ("id", .string(id)),
            ("app_id", "1234567890"),
        ])
    }

    /// "Initial Purchase": a weekly App Store subscription.
    package static func initialPurchase(id: String, user: String = String(sampleUser)) -> JSONObject {
        lifecycle(type: "INITIAL_PURCHASE", id: id, appUserID: user, product: "com.subscription.weekly",
                  purchasedAt: 1_658_726_374_000, expiration: 1_659_331_174_000, timestamp: 1_658_726_378_679, price: 4.99)
    }

    /// "Renewal": the same subscription, next period (note its timestamp precedes the purchase).
    package static func renewal(id: String, user: String = String(sampleUser)) -> JSONObject {
        lifecycle(type: "RENEWAL", id: id, appUserID: user, product: "com.subscription.weekly",
                  purchasedAt: 1_658_755_132_000, expiration: 1_659_359_932_000, timestamp: 1_658_726_405_017,
                  price: 8.14, currency: "EUR")
    }

    /// "Trial Cancelled": unsubscribed during the trial; access lasts until the expiration.
    package static func trialCancellation(id: String, user: String = String(sampleUser)) -> JSONObject {
        var event = lifecycle(type: "CANCELLATION", id: id, appUserID: user, product: "com.subscription.weekly",
                              purchasedAt: 1_658_725_349_000, expiration: 1_658_984_549_000, timestamp: 1_658_726_482_659,
                              currency: "CNY", periodType: "TRIAL")
        event["cancel_reason"] = "UNSUBSCRIBE"
        return event
    }

    /// "Uncancellation": a monthly product re-enabled before it expired.
    package static func uncancellation(id: String, user: String = String(sampleUser)) -> JSONObject {
        lifecycle(type: "UNCANCELLATION", id: id, appUserID: user, product: "com.subscription.monthly",
                  purchasedAt: 1_662_643_092_000, expiration: 1_665_235_092_000, timestamp: 1_663_982_135_337)
    }

    /// "Cancellation" of the same monthly product (for the uncancellation flow).
    package static func monthlyCancellation(id: String, user: String = String(sampleUser)) -> JSONObject {
        var event = lifecycle(type: "CANCELLATION", id: id, appUserID: user, product: "com.subscription.monthly",
                              purchasedAt: 1_662_643_092_000, expiration: 1_665_235_092_000, timestamp: 1_663_900_000_000)
        event["cancel_reason"] = "UNSUBSCRIBE"
        return event
    }

    /// "Non Renewing Purchase": 2 100 tokens for 25.487 CAD, a points pack here.
    package static func nonRenewingPurchase(id: String, user: String = String(sampleUser), product: String = "2100_tokens",
                                    transactionID: String = "123456789012345", timestamp: Int64 = 1_658_726_522_314) -> JSONObject {
        lifecycle(type: "NON_RENEWING_PURCHASE", id: id, appUserID: user, product: product,
                  purchasedAt: timestamp - 3_314, expiration: nil, timestamp: timestamp, transactionID: transactionID,
                  price: 25.487, currency: "CAD")
    }

    /// "Subscription Paused" (Play Store): access until the EXPIRATION that follows.
    package static func subscriptionPaused(id: String, user: String = String(sampleUser)) -> JSONObject {
        lifecycle(type: "SUBSCRIPTION_PAUSED", id: id, appUserID: user, product: "premium",
                  purchasedAt: 1_652_681_048_845, expiration: 1_655_366_648_845, timestamp: 1_652_796_516_000, store: "PLAY_STORE")
    }

    /// "Billing Issue": the monthly subscription could not be charged.
    package static func billingIssue(id: String, user: String) -> JSONObject {
        var event = lifecycle(type: "BILLING_ISSUE", id: id, appUserID: user, originalAppUserID: user, aliases: [user],
                              product: "com.revenuecat.myapp.monthly", purchasedAt: 1_598_640_647_000,
                              expiration: 1_601_319_047_000, timestamp: 1_601_337_601_013,
                              transactionID: "100000000000002", originalTransactionID: "100000000000000")
        event["grace_period_expiration_at_ms"] = nil
        return event
    }

    /// "Expiration": the weekly subscription ended (reason UNSUBSCRIBE).
    package static func expiration(id: String, user: String = String(sampleUser), purchasedAt: Int64 = 1_696_846_623_000,
                           expiration: Int64 = 1_697_451_423_000, timestamp: Int64 = 1_697_451_462_232) -> JSONObject {
        var event = lifecycle(type: "EXPIRATION", id: id, appUserID: user, originalAppUserID: anonymousA,
                              product: "com.subscription.weekly", purchasedAt: purchasedAt, expiration: expiration, timestamp: timestamp)
        event["expiration_reason"] = "UNSUBSCRIBE"
        return event
    }

    /// "Subscription Extended": the period of the weekly subscription pushed back.
    package static func subscriptionExtended(id: String, user: String = String(sampleUser)) -> JSONObject {
        lifecycle(type: "SUBSCRIPTION_EXTENDED", id: id, appUserID: user, originalAppUserID: anonymousA,
                  product: "com.subscription.weekly", purchasedAt: 1_696_846_623_000, expiration: 1_697_451_423_000,
                  timestamp: 1_697_451_462_232)
    }

    /// "Transfer": only ids, no product, no app_user_id.
    package static func transfer(id: String = "CD489E0E-5D52-4E03-966B-A7F17788E432",
                         from: [String] = ["00005A1C-6091-4F81-BE77-F0A83A271AB6"],
                         to: [String] = ["4BEDB450-8EF2-11E9-B475-0800200C9A66"],
                         timestamp: Int64 = 78_789_789_798_798) -> JSONObject {
        JSONObject([
            ("app_id", "1234567890"),
            ("event_timestamp_ms", .int(timestamp)),
            ("id", .string(id)),
            ("store", "APP_STORE"),
            ("transferred_from", .array(from.map(JSONValue.string))),
            ("transferred_to", .array(to.map(JSONValue.string))),
            ("type", "TRANSFER"),
            ("environment", "PRODUCTION"),
        ])
    }

    /// "Refund": a CANCELLATION with `cancel_reason` CUSTOMER_SUPPORT and a negative price,
    /// whose expiration is the refund time.
    package static func refund(id: String, user: String, product: String = "com.revenuecat.myapp.monthly",
                       transactionID: String = "100000000000000", purchasedAt: Int64 = 1_601_258_901_000,
                       timestamp: Int64 = 1_601_337_615_995) -> JSONObject {
        var event = lifecycle(type: "CANCELLATION", id: id, appUserID: user, originalAppUserID: anonymousB,
                              aliases: [anonymousB, "user_1234"], product: product, purchasedAt: purchasedAt,
                              expiration: 1_601_336_705_000, timestamp: timestamp, transactionID: transactionID,
                              price: -9.99)
        event["cancel_reason"] = "CUSTOMER_SUPPORT"
        return event
    }

    /// "Refund Reversed".
    package static func refundReversed(id: String, user: String, product: String = "com.subscription.weekly",
                               transactionID: String = "123456789012345", timestamp: Int64 = 1_697_451_462_232) -> JSONObject {
        lifecycle(type: "REFUND_REVERSED", id: id, appUserID: user, originalAppUserID: user, product: product,
                  purchasedAt: 1_696_846_623_000, expiration: 1_697_451_423_000, timestamp: timestamp,
                  transactionID: transactionID, price: 5.0)
    }

    /// "Product Change" (Play Store): monthly to yearly, reported on the old product.
    package static func productChange(id: String, user: String) -> JSONObject {
        var event = lifecycle(type: "PRODUCT_CHANGE", id: id, appUserID: user, originalAppUserID: user, aliases: [user],
                              product: "com.revenuecat.myapp.monthly", purchasedAt: 1_601_304_429_682,
                              expiration: 1_601_311_606_660, timestamp: 1_601_338_594_769,
                              transactionID: "GPA.1234-1234-1234-12345", store: "PLAY_STORE")
        event["new_product_id"] = "com.revenuecat.myapp.yearly"
        return event
    }

    /// "Temporary Entitlement Grant" as documented: only the guaranteed minimum of fields.
    package static func temporaryEntitlementGrant(id: String, user: String = "41234567890") -> JSONObject {
        JSONObject([
            ("event_timestamp_ms", 1_744_824_815_307),
            ("app_user_id", .string(user)),
            ("store", "APP_STORE"),
            ("type", "TEMPORARY_ENTITLEMENT_GRANT"),
            ("id", .string(id)),
            ("app_id", "1234567890"),
        ])
    }

    /// "Invoice Issued" (Web Billing): no effect in Galley.
    package static func invoiceIssuance(id: String, user: String = "41234567890") -> JSONObject {
        lifecycle(type: "INVOICE_ISSUANCE", id: id, appUserID: user, originalAppUserID: user, product: "com.subscription.monthly",
                  purchasedAt: 1_745_004_447_283, expiration: nil, timestamp: 1_745_004_447_300, price: nil, store: "RC_BILLING")
    }

    /// A dashboard TEST event.
    package static func test(id: String) -> JSONObject {
        JSONObject([("event_timestamp_ms", 1_658_726_378_679), ("type", "TEST"), ("id", .string(id)),
                    ("app_user_id", "test-user"), ("environment", "SANDBOX"), ("store", "APP_STORE")])
    }
}
