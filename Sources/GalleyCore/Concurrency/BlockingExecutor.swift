import Dispatch
import Foundation
import Synchronization

/// A fixed set of OS threads for blocking C calls (libpq, hiredis, file I/O).
///
/// Swift's cooperative pool has one thread per core; one blocking call there stalls
/// every task on that thread. Async code hops here with ``run(_:)`` instead, and
/// plain threads (the HTTP server's) may ``submit(_:)`` fire-and-forget jobs.
public final class BlockingExecutor: Sendable {
    private struct Queue {
        var incoming: [@Sendable () -> Void] = []
        var outgoing: [@Sendable () -> Void] = []
        var stopped = false
        var count: Int { incoming.count + outgoing.count }

        mutating func pop() -> (@Sendable () -> Void)? {
            if outgoing.isEmpty {
                if incoming.isEmpty { return nil }
                outgoing = incoming.reversed()
                incoming.removeAll(keepingCapacity: true)
            }
            return outgoing.popLast()
        }
    }

    /// The name threads carry, for debuggers and logs.
    public let name: String
    /// How many threads run jobs.
    public let threadCount: Int
    private let queue = Mutex(Queue())
    private let available = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)

    public init(name: String, threads: Int) {
        self.name = name
        self.threadCount = max(1, threads)
        for index in 0..<threadCount {
            let thread = Thread { [self] in self.workLoop() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Jobs waiting for a thread.
    public var queuedJobs: Int { queue.withLock { $0.count } }

    /// Queues a job; returns false once the executor is shut down.
    @discardableResult
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = queue.withLock { state -> Bool in
            if state.stopped { return false }
            state.incoming.append(job)
            return true
        }
        if accepted { available.signal() }
        return accepted
    }

    /// Runs `body` on one of the executor's threads and resumes the caller with its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = submit {
                continuation.resume(with: Result { try body() })
            }
            if !accepted { continuation.resume(throwing: BlockingExecutorError.shutDown) }
        }
    }

    /// Stops accepting jobs; threads finish what is queued, then exit. Waits for them.
    public func shutdown() {
        let alreadyStopped = queue.withLock { state -> Bool in
            defer { state.stopped = true }
            return state.stopped
        }
        if alreadyStopped { return }
        for _ in 0..<threadCount { available.signal() }
        for _ in 0..<threadCount { exited.wait() }
    }

    private func workLoop() {
        while true {
            available.wait()
            let next = queue.withLock { state -> (job: (@Sendable () -> Void)?, stop: Bool) in
                let job = state.pop()
                return (job, job == nil && state.stopped)
            }
            if let job = next.job {
                job()
            } else if next.stop {
                exited.signal()
                return
            }
        }
    }
}

/// Why a job could not run.
public struct BlockingExecutorError: Error, CustomStringConvertible {
    private enum Code { case shutDown }
    private let code: Code
    /// The executor no longer accepts jobs.
    public static let shutDown = BlockingExecutorError(code: .shutDown)
    public var description: String { "blocking executor is shut down" }
}
