import Synchronization

/// Coalesces concurrent one-row statements into one set-based statement: callers wait
/// while up to `maxRunning` statements are in flight, and the next statement takes
/// everything waiting (up to `maxBatch`), first come first. A lone caller finds a slot
/// free and runs at once, alone; under a burst (10 000 pickups), one statement carries
/// hundreds of rows instead of each waiting for a pooled session of its own.
final class StatementBatcher<Input: Sendable, Output: Sendable>: Sendable {
    /// Runs one batch; answers one output per input, in order.
    typealias Run = @Sendable ([Input]) async throws -> [Output]

    private struct Waiter: Sendable {
        let input: Input
        let continuation: CheckedContinuation<Output, any Error>
    }

    private struct State: Sendable {
        var waiting: [Waiter] = []
        var running = 0
    }

    let maxBatch: Int
    let maxRunning: Int
    private let run: Run
    private let state = Mutex(State())

    init(maxBatch: Int, maxRunning: Int, run: @escaping Run) {
        self.maxBatch = max(1, maxBatch)
        self.maxRunning = max(1, maxRunning)
        self.run = run
    }

    /// Runs `input` in the next statement; its error is the whole statement's error.
    func submit(_ input: Input) async throws -> Output {
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

    /// One statement slot: runs batches until nothing waits.
    private func drain() async {
        while true {
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

/// A batch statement answered a different number of rows than it was given (a bug).
struct StatementBatcherMismatch: Error, CustomStringConvertible {
    var description: String { "a batch statement answered a different number of results than inputs" }
}
