import Dispatch
import Foundation
import Synchronization
import GalleyCore
import GalleyPostgres

/// Group commit for `POST /emoji/create`: handler threads hand their create over and
/// wait; a handler that finds a free batch slot leads, taking every waiting create (up
/// to `maxBatch`, one per user) into one statement (``CreateBatch``).
///
/// The window adapts by itself: a lone request finds a slot free and runs at once, alone;
/// under load, creates gather while the running batches commit, so a batch holds what
/// arrived during one commit (bounded by `maxBatch` in size and by one commit in time).
/// A second create of a user already in the batch waits for the next one, so a batch
/// never debits one account twice.
final class CreateBatcher: Sendable {
    private struct Waiting {
        let id: Int
        let item: CreateBatchItem
        let wake: DispatchSemaphore
    }

    private struct State {
        var nextID = 0
        var running = 0
        var waiting: [Waiting] = []
        var outcomes: [Int: CreateBatchOutcome] = [:]
    }

    let maxBatch: Int
    let maxRunning: Int
    private let pool: PostgresPool
    private let state = Mutex(State())
    private let logger: Logger
    /// Statements run and creates they carried (their ratio is the mean batch size).
    let statements = Atomic<Int>(0)
    let creates = Atomic<Int>(0)

    /// `maxBatch` creates per statement; `maxRunning` statements at once.
    init(pool: PostgresPool, maxBatch: Int, maxRunning: Int, logger: Logger) {
        self.pool = pool
        self.maxBatch = max(1, maxBatch)
        self.maxRunning = max(1, maxRunning)
        self.logger = logger
    }

    /// Commits `item` with whatever else is waiting; blocks the calling handler thread.
    func submit(_ item: CreateBatchItem) -> CreateBatchOutcome {
        let wake = DispatchSemaphore(value: 0)
        let (id, first) = state.withLock { state -> (Int, [Waiting]?) in
            state.nextID &+= 1
            let id = state.nextID
            state.waiting.append(Waiting(id: id, item: item, wake: wake))
            guard state.running < maxRunning else { return (id, nil) }
            state.running += 1
            return (id, Self.take(&state, maxBatch: maxBatch))
        }
        var batch = first
        while true {
            // A leader whose own create did not fit its batch waits for a later one.
            if let taken = batch, let mine = lead(taken, own: id) {
                return mine
            }
            wake.wait()
            let outcome = state.withLock { $0.outcomes.removeValue(forKey: id) } ?? .alone
            guard outcome == .lead else { return outcome }
            batch = state.withLock { Self.take(&$0, maxBatch: maxBatch) }
        }
    }

    /// Runs one batch, hands the others their outcomes and the next batch a leader.
    private func lead(_ batch: [Waiting], own id: Int) -> CreateBatchOutcome? {
        let outcomes: [CreateBatchOutcome]
        statements.add(1, ordering: .relaxed)
        creates.add(batch.count, ordering: .relaxed)
        do {
            outcomes = try CreateBatch.run(batch.map(\.item), on: pool)
        } catch {
            // Nothing of it was written; each request runs alone and meets its own error.
            if batch.count > 1 {
                logger.info("create batch failed; its requests run alone", ["size": String(batch.count)])
            }
            outcomes = [CreateBatchOutcome](repeating: .alone, count: batch.count)
        }
        var mine: CreateBatchOutcome?
        let next = state.withLock { state -> Waiting? in
            for (waiting, outcome) in zip(batch, outcomes) where waiting.id != id {
                state.outcomes[waiting.id] = outcome
            }
            guard let first = state.waiting.first else {
                state.running -= 1
                return nil
            }
            state.outcomes[first.id] = .lead
            return first
        }
        for (waiting, outcome) in zip(batch, outcomes) {
            if waiting.id == id { mine = outcome } else { waiting.wake.signal() }
        }
        next?.wake.signal()
        return mine
    }

    /// The waiting creates of the next batch, first come first: at most `maxBatch`, one
    /// per user; the rest keep their place.
    private static func take(_ state: inout State, maxBatch: Int) -> [Waiting] {
        var users = Set<Int64>()
        var batch: [Waiting] = []
        var kept: [Waiting] = []
        for waiting in state.waiting {
            if batch.count < maxBatch, users.insert(waiting.item.userID).inserted {
                batch.append(waiting)
            } else {
                kept.append(waiting)
            }
        }
        state.waiting = kept
        return batch
    }
}
