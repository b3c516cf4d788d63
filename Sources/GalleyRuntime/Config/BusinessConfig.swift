public import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP

/// The business rules the app and the workers share (`/config`): banners, styles,
/// prices, weekly rewards and the product catalogue, as the original's
/// `default_config.json` laid them out.
public struct BusinessConfig: Sendable, Hashable {
    /// The whole document, served by `GET /config`.
    public let document: JSONValue

    /// The original's `default_config.json`, the built-in default.
    public static let builtIn = BusinessConfig(unchecked: [
        "banners": [],
        "styles": [],
        "points_rules": ["emoji": 200],
        "weekly_reward": ["weekly": 2000, "lifetime": 3000, "timezone": "UTC"],
        "vip_products": ["weekly_001": "weekly", "lifetime_001": "lifetime"],
        "points_packs": ["points_1000": 1000, "points_3000": 3000, "points_10000": 10000],
    ])

    private init(unchecked document: JSONValue) { self.document = document }

    /// Validates the parts Galley computes with; the rest is passed through to the app.
    public init(document: JSONValue) throws(ConfigurationError) {
        guard let object = document.objectValue else { throw .invalid("CONFIG_PATH", expected: "a JSON object") }
        for key in ["points_rules", "weekly_reward", "vip_products", "points_packs"] {
            if let value = object[key], value.objectValue == nil { throw .invalid("CONFIG_PATH", expected: "\(key) to be an object") }
        }
        for key in ["banners", "styles"] {
            if let value = object[key], value.arrayValue == nil { throw .invalid("CONFIG_PATH", expected: "\(key) to be an array") }
        }
        if let cost = object["points_rules"]?["emoji"], (cost.int64Value ?? -1) < 0 {
            throw .invalid("CONFIG_PATH", expected: "points_rules.emoji to be a non-negative integer")
        }
        for (key, value) in (object["points_packs"]?.objectValue?.entries ?? []).map({ ($0.key, $0.value) }) where (value.int64Value ?? 0) <= 0 {
            throw .invalid("CONFIG_PATH", expected: "points_packs.\(key) to be a positive integer")
        }
        for entry in object["vip_products"]?.objectValue?.entries ?? [] where VipType(rawValue: entry.value.stringValue?.lowercased() ?? "") == nil {
            throw .invalid("CONFIG_PATH", expected: "vip_products.\(entry.key) to be weekly or lifetime")
        }
        try Self.validatePrices(object)
        self.document = document
    }

    /// `GET /config`'s six sections, each defaulted like the original's ConfigData.
    public var publicSections: JSONValue {
        .object(JSONObject([
            ("banners", document["banners"] ?? []),
            ("styles", document["styles"] ?? []),
            ("points_rules", document["points_rules"] ?? [:]),
            ("weekly_reward", document["weekly_reward"] ?? [:]),
            ("vip_products", document["vip_products"] ?? [:]),
            ("points_packs", document["points_packs"] ?? [:]),
        ]))
    }

    /// Points one emoji generation costs (`points_rules.emoji`, default 200).
    public var emojiCost: Int { Int(document["points_rules"]?["emoji"]?.int64Value ?? 200) }

    /// The weekly VIP reward for a plan (`weekly_reward.weekly` 2000, `.lifetime` 3000).
    public func weeklyReward(for plan: VipType) -> Int {
        let fallback: Int64 = plan == .weekly ? 2000 : 3000
        return Int(document["weekly_reward"]?[plan.rawValue]?.int64Value ?? fallback)
    }

    /// The VIP plan a store product grants, if it is a subscription product.
    public func vipType(forProduct productID: String) -> VipType? {
        guard let name = document["vip_products"]?[productID]?.stringValue else { return nil }
        return VipType(rawValue: name.lowercased())
    }

    /// The points a store product credits, if it is a points pack.
    public func pointsPack(forProduct productID: String) -> Int? {
        guard let points = document["points_packs"]?[productID]?.int64Value, points > 0 else { return nil }
        return Int(points)
    }
}

/// The two VIP plans of the original.
public enum VipType: String, Sendable, Hashable, CaseIterable {
    case weekly
    case lifetime
}
