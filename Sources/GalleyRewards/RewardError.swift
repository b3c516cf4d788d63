import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyLedger

/// Why a reward run (or its arguments) failed. Database failures arrive as `PostgresError`
/// and Redis failures as `RedisError`; this covers what is the reward logic's own.
/// `description` never echoes input (an operator's `--week` ends up in logs as details only).
public struct RewardError: Error, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidWeek
        case invalidBatchSize
        case invalidAmounts
        case interrupted
        case accountsMissing
        case unexpectedResult
    }

    private let code: Code
    private let details: String?

    private init(_ code: Code, details: String? = nil) {
        self.code = code
        self.details = details
    }

    /// `--week` is not `YYYY-Www`, or names a week its year does not have.
    public static let invalidWeek = RewardError(.invalidWeek)
    /// The batch size is outside ``RewardRunOptions/batchSizeRange``.
    public static let invalidBatchSize = RewardError(.invalidBatchSize)
    /// A plan's weekly amount in the business config is not a positive integer.
    public static let invalidAmounts = RewardError(.invalidAmounts)
    /// The run was asked to stop (a signal, or a test) before it finished; run it again.
    public static let interrupted = RewardError(.interrupted)
    /// Eligible users kept appearing without a points account while the run created them.
    public static let accountsMissing = RewardError(.accountsMissing)
    /// A statement answered something other than the one row of counts it always returns.
    public static let unexpectedResult = RewardError(.unexpectedResult)

    /// The same kind with details for `debugDescription` (may contain input).
    func with(details: String) -> RewardError { RewardError(code, details: details) }

    public var description: String {
        switch code {
        case .invalidWeek: "invalid week: expected YYYY-Www naming a week that exists in that ISO year (e.g. 2026-W47)"
        case .invalidBatchSize: "invalid batch size: expected an integer from \(RewardRunOptions.batchSizeRange.lowerBound) to \(RewardRunOptions.batchSizeRange.upperBound)"
        case .invalidAmounts: "invalid weekly_reward in the business config: weekly and lifetime must be positive integers"
        case .interrupted: "reward run interrupted before it finished; running it again completes it"
        case .accountsMissing: "eligible users still lack a points account after creating them; run again"
        case .unexpectedResult: "reward statement returned an unexpected result"
        }
    }

    public var debugDescription: String { details.map { "\(description): \($0)" } ?? description }

    /// Compares the kind only, so tests can `#expect(throws: RewardError.invalidWeek)`.
    public static func == (lhs: RewardError, rhs: RewardError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
