import Synchronization
import GalleyCore
import GalleyPostgres

/// Group commit for stream deliveries: each entry's handler hands its event over and
/// waits; a handler that finds a batch slot free leads, taking every waiting event (up to
/// `maxBatch`, first come first) into one transaction (``WebhookApplier/applyBatch(eventIDs:pool:)``).
///
/// The window adapts by itself: a lone event finds a slot free and runs at once; under
/// load, events gather while the running batches commit. A finishing leader hands its slot
/// to the first waiting event, which leads the next batch.
final class WebhookBatcher: Sendable {
    private enum Handoff: Sendable {
        case done(Result<WebhookOutcome, any Error>)
        case lead
    }

    private struct Waiting {
        let eventID: String
        let continuation: CheckedContinuation<Handoff, Never>
    }

    private struct State {
        var running = 0
        var waiting: [Waiting] = []
    }

    let maxBatch: Int
    let maxRunning: Int
    private let applier: WebhookApplier
    private let pool: PostgresPool
    private let state = Mutex(State())
    /// Batches run and events they carried (their ratio is the mean batch size).
    let batches = Atomic<Int>(0)
    let events = Atomic<Int>(0)

    init(applier: WebhookApplier, pool: PostgresPool, maxBatch: Int, maxRunning: Int) {
        self.applier = applier
        self.pool = pool
        self.maxBatch = max(1, maxBatch)
        self.maxRunning = max(1, maxRunning)
    }

    /// Applies `eventID` with whatever else is waiting; returns its own outcome.
    func submit(_ eventID: String) async throws -> WebhookOutcome {
        let handoff = await withCheckedContinuation { (continuation: CheckedContinuation<Handoff, Never>) in
            let leads = state.withLock { state -> Bool in
                guard state.running < maxRunning else {
                    state.waiting.append(Waiting(eventID: eventID, continuation: continuation))
                    return false
                }
                state.running += 1
                return true
            }
            if leads { continuation.resume(returning: .lead) }
        }
        switch handoff {
        case .done(let result):
            return try result.get()
        case .lead:
            return try await lead(own: eventID).get()
        }
    }

    /// Runs one batch headed by `own`, answers the others and hands the slot on.
    private func lead(own: String) async -> Result<WebhookOutcome, any Error> {
        // Entries the consumer read together start as tasks together: a few yields let them
        // join this batch instead of each leading one of its own (microseconds when alone).
        for _ in 0..<4 where state.withLock({ $0.waiting.count }) < maxBatch - 1 {
            await Task.yield()
        }
        let others = state.withLock { state -> [Waiting] in
            let count = min(maxBatch - 1, state.waiting.count)
            defer { state.waiting.removeFirst(count) }
            return Array(state.waiting.prefix(count))
        }
        batches.add(1, ordering: .relaxed)
        events.add(1 + others.count, ordering: .relaxed)
        let results = await applier.applyBatch(eventIDs: [own] + others.map(\.eventID), pool: pool)
        let next = state.withLock { state -> Waiting? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        for (waiting, result) in zip(others, results.dropFirst()) {
            waiting.continuation.resume(returning: .done(result))
        }
        next?.continuation.resume(returning: .lead)
        return results[0]
    }
}
