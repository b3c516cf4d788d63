import Synchronization

/// Group commit for async callers: coalesces concurrent one-item operations into one
/// set-based statement or transaction. Callers wait while up to `maxRunning` batches are in
/// flight, and the next batch takes everything waiting (up to `maxBatch`), first come
/// first. A lone caller finds a slot free and runs at once, alone; under a burst (10 000
/// pickups, a stream read of webhook entries) one batch carries hundreds of items instead
/// of each waiting for a pooled session of its own. Used by the EmojiWorker's claims,
/// stored ids, completions and submit reservations, and by the WebhookWorker's batches.
package final class StatementBatcher<Input: Sendable, Output: Sendable>: Sendable {
    /// Runs one batch; answers one output per input, in order.
    package typealias Run = @Sendable ([Input]) async throws -> [Output]

    private struct Waiter: Sendable {
        let input: Input
        let continuation: CheckedContinuation<Output, any Error>
    }

    private struct State: Sendable {
        var waiting: [Waiter] = []
        var running = 0
    }

    package let maxBatch: Int
    package let maxRunning: Int
    /// Yields before taking a batch while it is not full: callers that were started together
    /// (entries read in one stream read) join it instead of each leading a batch of one.
    package let gatherYields: Int
    private let batchesRun = Atomic<Int>(0)
    private let itemsCarried = Atomic<Int>(0)
    private let run: Run
    private let state = Mutex(State())

    package init(maxBatch: Int, maxRunning: Int, gatherYields: Int = 0, run: @escaping Run) {
        self.maxBatch = max(1, maxBatch)
        self.maxRunning = max(1, maxRunning)
        self.gatherYields = max(0, gatherYields)
        self.run = run
    }

    /// Batches run so far and the items they carried (their ratio is the mean batch size).
    package var counts: (batches: Int, items: Int) {
        (batchesRun.load(ordering: .relaxed), itemsCarried.load(ordering: .relaxed))
    }

    /// Runs `input` in the next batch; a thrown error is the whole batch's error.
    package func submit(_ input: Input) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let starts = state.withLock { state -> Bool in
                state.waiting.append(Waiter(input: input, continuation: continuation))
                guard state.running < maxRunning else { return false }
                state.running += 1
                return true
            }
            if starts { Task { await self.drain() } }
        }
    }

    /// One batch slot: runs batches until nothing waits.
    private func drain() async {
        while true {
            for _ in 0..<gatherYields where state.withLock({ $0.waiting.count }) < maxBatch {
                await Task.yield()
            }
            let batch = state.withLock { state -> [Waiter] in
                let count = min(maxBatch, state.waiting.count)
                if count == 0 {
                    state.running -= 1
                    return []
                }
                let batch = Array(state.waiting.prefix(count))
                state.waiting.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            batchesRun.add(1, ordering: .relaxed)
            itemsCarried.add(batch.count, ordering: .relaxed)
            do {
                let outputs = try await run(batch.map(\.input))
                guard outputs.count == batch.count else { throw StatementBatcherMismatch() }
                for (waiter, output) in zip(batch, outputs) { waiter.continuation.resume(returning: output) }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}

/// A batch answered a different number of results than it was given (a bug).
struct StatementBatcherMismatch: Error, CustomStringConvertible {
    var description: String { "a batch statement answered a different number of results than inputs" }
}
