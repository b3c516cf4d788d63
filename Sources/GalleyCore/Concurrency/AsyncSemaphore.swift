import Synchronization

/// Counting permits for async code: the consumer's bound on tasks in flight.
/// Waiters suspend (no thread is held) until a permit is released.
package final class AsyncSemaphore: Sendable {
    private struct State {
        var permits: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    package init(permits: Int) { state = Mutex(State(permits: permits)) }

    /// Waits for one permit.
    package func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.permits > 0 {
                    state.permits -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    /// Takes up to `count` permits without waiting; returns how many it took.
    package func tryAcquire(upTo count: Int) -> Int {
        state.withLock { state in
            let taken = min(count, state.permits)
            state.permits -= taken
            return taken
        }
    }

    package func release(_ count: Int = 1) {
        var toResume: [CheckedContinuation<Void, Never>] = []
        state.withLock { state in
            var remaining = count
            while remaining > 0, !state.waiters.isEmpty {
                toResume.append(state.waiters.removeFirst())
                remaining -= 1
            }
            state.permits += remaining
        }
        toResume.forEach { $0.resume() }
    }

    var available: Int { state.withLock { $0.permits } }
}
