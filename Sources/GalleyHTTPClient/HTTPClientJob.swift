import Synchronization
import GalleyCore

/// One call of ``HTTPClient/execute(_:timeout:)`` as the loop thread sees it: the request
/// and the caller's continuation, resumed exactly once by whoever finishes first.
final class HTTPClientJob: Sendable {
    private struct State {
        var continuation: CheckedContinuation<HTTPClientResponse, any Error>?
        var finished = false
        var cancelled = false
    }

    let request: HTTPClientRequest
    let timeout: Duration
    private let state = Mutex(State())

    init(request: HTTPClientRequest, timeout: Duration) {
        self.request = request
        self.timeout = timeout
    }

    func attach(_ continuation: CheckedContinuation<HTTPClientResponse, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// The caller's task was cancelled; a start seen after this fails at once.
    func markCancelled() {
        state.withLock { $0.cancelled = true }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Resumes the caller unless it was resumed already.
    func finish(_ result: Result<HTTPClientResponse, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<HTTPClientResponse, any Error>? in
            guard !state.finished else { return nil }
            state.finished = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}
