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
    ///
    /// A leader always heads its own batch: a new create leads only when a statement slot
    /// is free (then nothing waits, as waiting creates exist only while every slot is
    /// busy), and a finishing leader hands its slot to the first waiting create after
    /// taking it out of the queue, so no other leader can take that create meanwhile.
    func submit(_ item: CreateBatchItem) -> CreateBatchOutcome {
        let mine = Waiting(id: state.withLock { state in
            state.nextID &+= 1
            return state.nextID
        }, item: item, wake: DispatchSemaphore(value: 0))
        let leads = state.withLock { state -> [Waiting]? in
            guard state.running < maxRunning else {
                state.waiting.append(mine)
                return nil
            }
            state.running += 1
            return Self.take(&state, first: mine, maxBatch: maxBatch)
        }
        if let batch = leads { return lead(batch, own: mine.id) }
        mine.wake.wait()
        let outcome = state.withLock { $0.outcomes.removeValue(forKey: mine.id) } ?? .alone
        guard outcome == .lead else { return outcome }
        let batch = state.withLock { Self.take(&$0, first: mine, maxBatch: maxBatch) }
        return lead(batch, own: mine.id)
    }

    /// Runs one batch, hands the others their outcomes and the slot to the next leader.
    private func lead(_ batch: [Waiting], own id: Int) -> CreateBatchOutcome {
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
        var mine = CreateBatchOutcome.alone
        let next = state.withLock { state -> Waiting? in
            for (waiting, outcome) in zip(batch, outcomes) where waiting.id != id {
                state.outcomes[waiting.id] = outcome
            }
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            let next = state.waiting.removeFirst()
            state.outcomes[next.id] = .lead
            return next
        }
        for (waiting, outcome) in zip(batch, outcomes) {
            if waiting.id == id { mine = outcome } else { waiting.wake.signal() }
        }
        next?.wake.signal()
        return mine
    }

    /// `first`, then the waiting creates, first come first: at most `maxBatch`, one per
    /// user; the rest keep their place.
    private static func take(_ state: inout State, first: Waiting, maxBatch: Int) -> [Waiting] {
        var users: Set<Int64> = [first.item.userID]
        var batch = [first]
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
