import GalleyCore

/// How handling one task ended (for logs and tests).
public enum EmojiTaskOutcome: Sendable, Hashable {
    case completed(resultURL: String)
    /// Failed now; `refunded` says whether this worker's call moved the points back.
    case failed(reason: EmojiWorkerMetrics.FailureReason, refunded: Bool)
    /// Nothing to do: the task was `completed` or `failed` already (by another worker,
    /// an earlier delivery, or the gateway's cancellation).
    case alreadyTerminal
    /// Its user has their share of tasks at the provider: put back on the stream for later.
    case deferred
}
