import Synchronization

/// A one-way "stop now" that async code can wait on: triggered once, it wakes every
/// waiter, including those that start waiting afterwards.
public final class ShutdownLatch: Sendable {
    private struct State {
        var triggered = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    public var isTriggered: Bool { state.withLock { $0.triggered } }

    public func trigger() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.triggered else { return [] }
            state.triggered = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns once triggered; cancelling the waiting task triggers it (cancel means stop now).
    public func wait() async {
        await withTaskCancellationHandler {
            await waitUntilTriggered()
        } onCancel: {
            trigger()
        }
    }

    private func waitUntilTriggered() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.triggered { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
