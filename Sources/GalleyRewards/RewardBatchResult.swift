import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime

/// What one batch statement reported.
public struct RewardBatchResult: Sendable, Hashable {
    /// Eligible users in this keyset page.
    public var eligible: Int
    /// Users this batch credited (in a dry run: would credit).
    public var credited: Int
    /// Points this batch paid (in a dry run: would pay).
    public var points: Int64
    /// Eligible users of the page that had no `user_points` row, so were not credited yet.
    public var missingAccounts: Int
    /// The page's last user id: where the next page starts; nil for an empty page.
    public var lastUserID: Int64?

    public init(eligible: Int, credited: Int, points: Int64, missingAccounts: Int, lastUserID: Int64?) {
        self.eligible = eligible
        self.credited = credited
        self.points = points
        self.missingAccounts = missingAccounts
        self.lastUserID = lastUserID
    }

    /// Eligible users the week's reward had already reached (an earlier or concurrent run).
    public var alreadyCredited: Int { eligible - credited - missingAccounts }
}
