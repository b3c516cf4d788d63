import Foundation
import Synchronization
public import GalleyCore

/// Runs a process's services together and stops them in order, in the shape of
/// swift-service-lifecycle's `ServiceGroup` (written here: no packages).
///
/// Services start in the given order. The group stops on SIGTERM/SIGINT, on
/// ``triggerShutdown(_:reason:)``, or when any service returns or throws. Stopping
/// goes in reverse order, one service at a time (a consumer drains before the lease
/// keeper and the status server it relies on stop), all within one deadline from the
/// moment stopping began; past it, what still runs is cancelled, and after a short
/// grace the group returns anyway, so a stuck service never keeps the process up.
public final class ServiceGroup: Sendable {
    private enum Event: Sendable {
        case finished(Int, (any Error)?)
        case shutdown(ExitCode?, String)
        case deadline
        case abandon
    }

    private struct State {
        var continuation: AsyncStream<Event>.Continuation?
        var pending: [Event] = []
        var stopping = false
        var failure: ProcessFailure?
    }

    public let shutdownDeadline: Duration
    /// How long cancelled services get after the deadline before the group gives up on them.
    public let cancellationGrace: Duration
    private let watchesSignals: Bool
    private let logger: Logger
    private let state = Mutex(State())

    public init(shutdownDeadline: Duration, cancellationGrace: Duration = .seconds(2), watchesSignals: Bool = true,
                logger: Logger = Logger(label: "services")) {
        self.shutdownDeadline = shutdownDeadline
        self.cancellationGrace = cancellationGrace
        self.watchesSignals = watchesSignals
        self.logger = logger
    }

    /// The first service failure of the last ``run(_:)``, for the process's one-line error.
    public var failure: ProcessFailure? { state.withLock { $0.failure } }

    /// True from the moment stopping began (a worker's `/ready` answers 503 from then on).
    public var isStopping: Bool { state.withLock { $0.stopping } }

    /// Stops the group from anywhere; `exitCode`, if given, is what the process exits with
    /// unless a service already failed.
    public func triggerShutdown(_ exitCode: ExitCode? = nil, reason: String) {
        send(.shutdown(exitCode, reason))
    }

    private func send(_ event: Event) {
        state.withLock { state in
            if case .shutdown = event { state.stopping = true }
            if let continuation = state.continuation {
                continuation.yield(event)
            } else {
                state.pending.append(event)
            }
        }
    }

    /// Runs `services` until they have all stopped; answers the exit status: the first
    /// failure's kind, a code given to ``triggerShutdown(_:reason:)``, or success.
    public func run(_ services: [any Service]) async -> ExitCode {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        state.withLock { state in
            state.continuation = continuation
            state.pending.forEach { continuation.yield($0) }
            state.pending = []
        }
        let tasks = services.enumerated().map { index, service in
            Task {
                do {
                    try await service.run()
                    self.send(.finished(index, nil))
                } catch {
                    self.send(.finished(index, error))
                }
            }
        }
        let watcher = watchesSignals ? Signals.onTermination { [self] signal in
            triggerShutdown(reason: "signal \(signal)")
        } : nil

        var running = Set(services.indices)
        var asked = Set<Int>()
        var code: ExitCode?
        var stopping = false
        var timers: [Task<Void, Never>] = []

        func startStopping(_ reason: String) {
            guard !stopping else { return }
            stopping = true
            state.withLock { $0.stopping = true }
            logger.info("stopping", ["reason": reason, "deadline_seconds": String(shutdownDeadline.components.seconds)])
            let deadline = shutdownDeadline
            timers.append(Task {
                guard (try? await Task.sleep(for: deadline)) != nil else { return }
                self.send(.deadline)
            })
        }

        /// Asks the last running service to stop, once; the next one is asked when it has.
        func askNext() {
            guard stopping, let last = running.max(), !asked.contains(last) else { return }
            asked.insert(last)
            if !services[last].beginShutdown() { tasks[last].cancel() }
        }

        if services.isEmpty { continuation.finish() }
        for await event in events {
            switch event {
            case .finished(let index, let error):
                running.remove(index)
                let name = services[index].name
                if let error, !(stopping && error is CancellationError) {
                    let failure = ProcessFailure.classify(error, during: name)
                    logger.error("service failed", ["service": name, "error": failure.debugDescription])
                    if code == nil {
                        code = failure.exitCode
                        state.withLock { $0.failure = failure }
                    }
                    startStopping("\(name) failed")
                } else if !stopping {
                    logger.info("service finished", ["service": name])
                    startStopping("\(name) finished")
                }
            case .shutdown(let given, let reason):
                if code == nil, let given { code = given }
                startStopping(reason)
            case .deadline:
                logger.warning("shutdown deadline passed; cancelling", ["running": running.map { services[$0].name }.sorted().joined(separator: ",")])
                running.forEach { tasks[$0].cancel() }
                let grace = cancellationGrace
                timers.append(Task {
                    guard (try? await Task.sleep(for: grace)) != nil else { return }
                    self.send(.abandon)
                })
            case .abandon:
                logger.error("services ignored cancellation; exiting without them",
                             ["running": running.map { services[$0].name }.sorted().joined(separator: ",")])
                running.removeAll()
            }
            askNext()
            if running.isEmpty { break }
        }
        state.withLock { $0.continuation = nil }
        continuation.finish()
        timers.forEach { $0.cancel() }
        withExtendedLifetime(watcher) {}
        return code ?? .success
    }
}
