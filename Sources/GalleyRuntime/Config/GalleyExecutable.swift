/// The fleet's executables: who reads a setting, what a process is called in its
/// one-line errors, its PostgreSQL application name and its status port.
public enum GalleyExecutable: String, Sendable, Hashable, CaseIterable, Comparable {
    case apiGateway = "APIGateway"
    case emojiWorker = "EmojiWorker"
    case webhookWorker = "WebhookWorker"
    case rewardWorker = "RewardWorker"
    /// The operators' command line (one-shot commands, no server).
    case galleyctl = "galleyctl"

    /// `application_name` of its PostgreSQL sessions (what `pg_stat_activity` shows).
    public var applicationName: String {
        switch self {
        case .apiGateway: "galley-gateway"
        case .emojiWorker: "galley-emoji-worker"
        case .webhookWorker: "galley-webhook-worker"
        case .rewardWorker: "galley-reward-worker"
        case .galleyctl: "galleyctl"
        }
    }

    /// Where a worker answers /health, /ready and /metrics when `METRICS_PORT` is unset;
    /// the gateway serves them on `PORT`.
    public var defaultMetricsPort: Int? {
        switch self {
        case .apiGateway: nil
        case .emojiWorker: 9101
        case .webhookWorker: 9102
        case .rewardWorker: 9103
        case .galleyctl: nil
        }
    }

    public static func < (lhs: GalleyExecutable, rhs: GalleyExecutable) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
