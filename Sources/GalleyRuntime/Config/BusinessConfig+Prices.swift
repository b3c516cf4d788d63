import GalleyCore

extension BusinessConfig {
    /// `pack_prices_fen`: what each points pack costs through WeChat Pay, in fen (CNY
    /// cents), keyed like `points_packs`. Optional and not part of `GET /config` (its six
    /// sections are fixed), so the original's config stays valid and its answers unchanged.
    public func priceFen(forPack productID: String) -> Int? {
        guard pointsPack(forProduct: productID) != nil,
            let fen = document["pack_prices_fen"]?[productID]?.int64Value, fen > 0, fen <= 100_000_000
        else { return nil }
        return Int(fen)
    }

    /// Called by `init(document:)`: a price that is not a positive whole number of fen is refused.
    static func validatePrices(_ object: JSONObject) throws(ConfigurationError) {
        guard let prices = object["pack_prices_fen"] else { return }
        guard let entries = prices.objectValue?.entries else {
            throw .invalid("CONFIG_PATH", expected: "pack_prices_fen to be an object")
        }
        for entry in entries where !(1...100_000_000).contains(entry.value.int64Value ?? 0) {
            throw .invalid("CONFIG_PATH", expected: "pack_prices_fen.\(entry.key) to be a positive integer (fen)")
        }
    }
}
