import GalleyCore

/// What a worker does with its stream's entries. Both methods must be safe to run
/// twice on the same entry: the database row is the truth, the entry only points at it.
public protocol StreamHandler: Sendable {
    /// Handles an entry; returning acks it. Throwing leaves it pending, to be retried
    /// by whichever consumer claims it after ``StreamConsumerConfiguration/claimMinIdle``.
    func handle(_ entry: StreamEntry, deliveries: Int) async throws

    /// The entry was delivered more than the allowed number of times: settle its row
    /// (fail and refund a task, mark an event failed) before it moves to `<stream>:dead`.
    func settleDeadLetter(_ entry: StreamEntry, deliveries: Int, reason: String) async throws
}
