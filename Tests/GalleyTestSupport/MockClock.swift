import Foundation
import Synchronization

/// A settable clock for the mock provider.
package final class MockClock: Sendable {
    package init() {}
    private let seconds = Mutex<Double>(1_800_000_000)
    package var now: Date { Date(timeIntervalSince1970: seconds.withLock { $0 }) }
    package func advance(_ by: Double) { seconds.withLock { $0 += by } }
}
