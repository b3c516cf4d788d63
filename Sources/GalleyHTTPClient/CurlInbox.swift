import Synchronization
import GalleyCore

/// What callers send the loop thread: start a job, or cancel it.
enum CurlCommand: Sendable {
    case start(HTTPClientJob)
    case cancel(HTTPClientJob)
}

/// The queue between callers and the loop thread. A sender wakes the loop only when the
/// queue was empty (the loop takes everything at once), and never after the multi handle
/// is gone: the wakeup happens under the same lock that ``close()`` takes.
final class CurlInbox: Sendable {
    private struct State {
        var commands: [CurlCommand] = []
        var stopping = false
        var closed = false
    }

    private let multi: CurlMultiHandle
    private let state = Mutex(State())

    init(multi: CurlMultiHandle) {
        self.multi = multi
    }

    /// False once the client is stopping: the command was not queued.
    @discardableResult
    func send(_ command: CurlCommand) -> Bool {
        state.withLock { state in
            guard !state.stopping, !state.closed else { return false }
            state.commands.append(command)
            if state.commands.count == 1 { multi.wakeup() }
            return true
        }
    }

    /// Everything queued, and whether the loop should stop.
    func take() -> (commands: [CurlCommand], stopping: Bool) {
        state.withLock { state in
            let commands = state.commands
            state.commands = []
            return (commands, state.stopping)
        }
    }

    func stop() {
        state.withLock { state in
            guard !state.stopping, !state.closed else { return }
            state.stopping = true
            multi.wakeup()
        }
    }

    /// The loop is about to free the multi handle: no wakeups from here on.
    func close() -> [CurlCommand] {
        state.withLock { state in
            state.closed = true
            defer { state.commands = [] }
            return state.commands
        }
    }
}
