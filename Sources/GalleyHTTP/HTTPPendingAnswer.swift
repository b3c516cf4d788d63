import Synchronization
import GalleyCore

/// The meeting point of a suspended request and the handler thread answering it.
///
/// Exactly one side wins `fulfil`: the handler with its response, or shutdown with
/// a 503 when the deadline passes; only the winner resumes the connection, so a
/// connection is never resumed twice or after the daemon stopped.
final class HTTPPendingAnswer: Sendable {
    private enum State {
        case waiting
        case ready(HTTPResponse)
        case taken
    }

    let connection: MHDConnectionHandle
    private let state = Mutex(State.waiting)

    init(connection: MHDConnectionHandle) {
        self.connection = connection
    }

    /// True while no answer has been given (a handler may skip work otherwise).
    var isWaiting: Bool {
        state.withLock { if case .waiting = $0 { true } else { false } }
    }

    /// Stores the answer if none was given yet; true means the caller must resume.
    func fulfil(_ response: HTTPResponse) -> Bool {
        state.withLock { current in
            guard case .waiting = current else { return false }
            current = .ready(response)
            return true
        }
    }

    /// The answer, once, on the libmicrohttpd thread after the resume.
    func take() -> HTTPResponse? {
        state.withLock { current in
            guard case .ready(let response) = current else { return nil }
            current = .taken
            return response
        }
    }
}
