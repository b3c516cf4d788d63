import Synchronization
import GalleyCore
import GalleyPostgres

/// One-shot "stop now" shared by the signal handler and the Snowflake lease watcher:
/// the first trigger runs the registered action, later ones do nothing.
final class StopSignal: Sendable {
    private struct State {
        var fired = false
        var action: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// Registers what stopping does; runs it at once if a trigger came first.
    func onTrigger(_ action: @escaping @Sendable () -> Void) {
        let fireNow = state.withLock { state -> Bool in
            state.action = action
            return state.fired
        }
        if fireNow { action() }
    }

    func trigger() {
        let action = state.withLock { state -> (@Sendable () -> Void)? in
            if state.fired { return nil }
            state.fired = true
            return state.action
        }
        action?()
    }
}
