import GalleyCore
import GalleyRedis
import GalleyLedger

/// A subscription row's key: UNIQUE (user_id, product_id).
struct SubscriptionKey: Hashable {
    var userID: Int64
    var productID: String
}
