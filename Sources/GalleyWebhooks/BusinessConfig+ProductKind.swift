import GalleyRuntime

/// What a RevenueCat `product_id` is, as the original decided it: a product listed in
/// `vip_products` or `points_packs` is what the list says; any other product falls back to
/// its name, lowercased: containing `life` → lifetime VIP, else containing `week` → weekly VIP.
enum ProductKind: Sendable, Hashable {
    case subscription(VipType)
    case pointsPack(Int)
}

extension BusinessConfig {
    func productKind(_ productID: String) -> ProductKind? {
        if let plan = vipType(forProduct: productID) { return .subscription(plan) }
        if let points = pointsPack(forProduct: productID) { return .pointsPack(points) }
        return Self.planByName(productID).map(ProductKind.subscription)
    }

    /// The VIP plan of a subscription product: listed, else by name, else weekly.
    func subscriptionPlan(_ productID: String) -> VipType {
        vipType(forProduct: productID) ?? Self.planByName(productID) ?? .weekly
    }

    /// The original's fallback for an unlisted product (`com.x.life_vip`, `something_week`).
    static func planByName(_ productID: String) -> VipType? {
        let name = productID.lowercased()
        if name.contains("life") { return .lifetime }
        if name.contains("week") { return .weekly }
        return nil
    }
}
