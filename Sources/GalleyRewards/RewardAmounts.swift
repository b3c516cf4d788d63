import GalleyCore
import GalleyRedis
public import GalleyRuntime

/// Points a VIP gets per week, by plan: `weekly_reward` of the business config (weekly
/// 2000, lifetime 3000 by default). Read once per run, so one run pays one price.
public struct RewardAmounts: Sendable, Hashable {
    public var weekly: Int
    public var lifetime: Int

    public init(weekly: Int = 2000, lifetime: Int = 3000) {
        self.weekly = weekly
        self.lifetime = lifetime
    }

    /// The amounts the business config sets now.
    public init(config: BusinessConfig) {
        self.init(weekly: config.weeklyReward(for: .weekly), lifetime: config.weeklyReward(for: .lifetime))
    }
}
