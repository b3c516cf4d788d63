import Dispatch
import Foundation
import Synchronization

/// OS threads for the reward tests: runs and the scheduler block (libpq, hiredis, sleeps)
/// and must not sit on the cooperative pool, which has only a thread per core.
package enum RewardThreads {
    /// Runs `body(i)` on `count` threads released at the same moment; answers the results
    /// in index order.
    package static func run<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) async
        -> [Result<T, any Error>]
    {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Result<T, any Error>], Never>) in
            let results = Mutex<[Result<T, any Error>?]>(Array(repeating: nil, count: count))
            let gate = DispatchSemaphore(value: 0)
            let group = DispatchGroup()
            for index in 0..<count {
                group.enter()
                Thread.detachNewThread {
                    gate.wait()
                    let result = Result { try body(index) }
                    results.withLock { $0[index] = result }
                    group.leave()
                }
            }
            for _ in 0..<count { gate.signal() }
            group.notify(queue: .global()) {
                continuation.resume(returning: results.withLock { $0.compactMap { $0 } })
            }
        }
    }
}
