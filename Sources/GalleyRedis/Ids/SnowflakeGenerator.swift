import Foundation
import Synchronization

/// Unique, increasing 63-bit ids: 41-bit milliseconds since 2024-01-01T00:00:00Z, 10-bit
/// node id, 12-bit sequence (the contract's layout).
///
/// Never hands out a duplicate or a smaller id, even when the wall clock steps back: it
/// keeps the last timestamp and uses the later of the two. When 4096 ids were used in one
/// millisecond it moves its logical clock one millisecond ahead instead of sleeping, so
/// callers never wait; the logical clock falls back in step once the load drops.
public final class SnowflakeGenerator: Sendable {
    /// 2024-01-01T00:00:00Z in Unix milliseconds.
    public static let epochMilliseconds: Int64 = 1_704_067_200_000
    public static let nodeIDRange: ClosedRange<Int> = 0...1023
    static let sequenceBits: Int64 = 12
    static let nodeBits: Int64 = 10
    static let maxSequence: Int64 = (1 << sequenceBits) - 1

    private struct State {
        /// Milliseconds since the epoch of the last id; -1 before the first.
        var lastTimestamp: Int64 = -1
        var sequence: Int64 = 0
    }

    public let nodeID: Int
    private let clock: @Sendable () -> Int64
    private let state = Mutex(State())

    /// Unix time in milliseconds from the system clock.
    public static let systemClock: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// - Parameter clock: Unix milliseconds; injected so tests can step time backwards.
    public init(nodeID: Int, clock: @escaping @Sendable () -> Int64 = SnowflakeGenerator.systemClock) throws {
        guard SnowflakeGenerator.nodeIDRange.contains(nodeID) else { throw SnowflakeError.invalidNodeID }
        self.nodeID = nodeID
        self.clock = clock
    }

    /// The next id; thread-safe, never blocks beyond a short lock.
    public func next() -> Int64 {
        let now = max(0, clock() - SnowflakeGenerator.epochMilliseconds)
        let node = Int64(nodeID) << SnowflakeGenerator.sequenceBits
        return state.withLock { state in
            if now > state.lastTimestamp {
                state.lastTimestamp = now
                state.sequence = 0
            } else if state.sequence < SnowflakeGenerator.maxSequence {
                state.sequence += 1  // same (or an earlier) millisecond: stay on the last timestamp
            } else {
                state.lastTimestamp += 1  // this millisecond is used up: borrow the next one
                state.sequence = 0
            }
            return state.lastTimestamp << (SnowflakeGenerator.sequenceBits + SnowflakeGenerator.nodeBits)
                | node | state.sequence
        }
    }

    /// Splits an id into its parts (timestamp in Unix milliseconds), for logs and tests.
    public static func components(of id: Int64) -> (unixMilliseconds: Int64, nodeID: Int, sequence: Int) {
        let timestamp = id >> (sequenceBits + nodeBits)
        let node = (id >> sequenceBits) & ((1 << nodeBits) - 1)
        return (timestamp + epochMilliseconds, Int(node), Int(id & maxSequence))
    }
}
