import Synchronization
public import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime

/// Which tasks this process is working on, and the loop that keeps their database leases
/// alive: one UPDATE per renewal for all of them, however many are in flight, instead
/// of one per task per poll. It also stops two entries for the same task (a duplicate
/// enqueue) from being worked on twice inside one process.
public final class EmojiLeaseKeeper: Sendable {
    private let store: EmojiTaskStore
    private let worker: String
    private let lease: Duration
    private let logger: Logger
    private let held = Mutex<Set<Int64>>([])

    public init(store: EmojiTaskStore, worker: String, lease: Duration, logger: Logger) {
        self.store = store
        self.worker = worker
        self.lease = lease
        self.logger = logger
    }

    /// Starts holding `taskID`; false when another handler of this process holds it.
    public func hold(_ taskID: Int64) -> Bool {
        held.withLock { $0.insert(taskID).inserted }
    }

    public func drop(_ taskID: Int64) {
        _ = held.withLock { $0.remove(taskID) }
    }

    public func isHeld(_ taskID: Int64) -> Bool { held.withLock { $0.contains(taskID) } }

    public var count: Int { held.withLock { $0.count } }

    /// Renews every held lease each third of the lease length until cancelled.
    public func run() async {
        let interval = max(.milliseconds(50), lease / 3)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await renewNow()
        }
    }

    /// One renewal round; a failure is logged and the next round tries again (a lease
    /// lasts three rounds).
    public func renewNow() async {
        let ids = held.withLock { Array($0) }
        if ids.isEmpty { return }
        do {
            var kept = 0
            for chunk in stride(from: 0, to: ids.count, by: 1000).map({ Array(ids[$0..<min($0 + 1000, ids.count)]) }) {
                kept += try await store.renewLeases(taskIDs: chunk, worker: worker, lease: lease).count
            }
            if kept < ids.count {
                logger.debug("some held tasks were not renewed", ["held": String(ids.count), "renewed": String(kept)])
            }
        } catch {
            logger.warning("lease renewal failed", ["error": String(describing: error)])
        }
    }
}
