import Synchronization
import GalleyCore
import GalleyRedis
import GalleyRuntime
import GalleyRewards

/// Set by a signal (or a lost Snowflake lease), read by the run between batches.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .relaxed) }

    func set() { value.store(true, ordering: .relaxed) }
}
