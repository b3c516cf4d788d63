import Dispatch
import Foundation
import Synchronization

/// Process signals for the executables: SIGPIPE ignored (a client that hangs up must
/// not kill the server), SIGTERM/SIGINT turned into a graceful-shutdown callback.
public enum Signals {
    /// Call first thing in `main`.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
        // A parent that started us from a thread may pass down a mask blocking SIGTERM
        // (Foundation's Process does): unblock it, or `kill` would never reach us.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Runs `handler` once on the first SIGTERM or SIGINT; a second signal exits at once.
    /// The default action is replaced before the dispatch source exists (Linux needs
    /// SIG_IGN first, and never after the source is created).
    public static func onTermination(_ handler: @escaping @Sendable (Int32) -> Void) -> TerminationWatcher {
        TerminationWatcher(handler: handler)
    }
}

/// Keeps the signal sources alive; release it to stop watching.
public final class TerminationWatcher {
    private let sources: [any DispatchSourceSignal]

    fileprivate init(handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "galley.signals")
        let fired = SignalLatch()
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if fired.fire() {
                    handler(number)
                } else {
                    exit(128 + number)
                }
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    deinit { sources.forEach { $0.cancel() } }
}

/// True the first time only.
private final class SignalLatch: Sendable {
    private let state = Atomic<Bool>(false)
    func fire() -> Bool { !state.exchange(true, ordering: .relaxed) }
}
