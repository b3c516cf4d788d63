import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime

/// Exponential backoff with jitter for retrying the provider: waits grow
/// `initial × multiplier^attempt` up to `maximum`, and half of each wait is random so
/// a fleet of workers throttled together does not retry together.
public struct Backoff: Sendable, Hashable {
    public var initial: Duration = .milliseconds(500)
    public var maximum: Duration = .seconds(30)
    public var multiplier: Double = 2

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30), multiplier: Double = 2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The ceiling for `attempt` (0 for the first retry), before jitter.
    public func ceiling(forAttempt attempt: Int) -> Double {
        let initialSeconds = initial.seconds
        let maximumSeconds = max(initialSeconds, maximum.seconds)
        let exponent = Double(max(0, min(attempt, 60)))
        return min(maximumSeconds, initialSeconds * Foundation.pow(max(1, multiplier), exponent))
    }

    /// A wait in `[ceiling/2, ceiling]` ("equal jitter": never zero, never above the cap).
    public func delay(forAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(forAttempt: attempt, using: &generator)
    }

    public func delay(forAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(forAttempt: attempt)
        let half = ceiling / 2
        // 53 random bits as a fraction in [0, 1]: one draw, no rejection loop.
        let fraction = Double(generator.next() >> 11) / Double((1 as UInt64) << 53 - 1)
        let seconds = half + half * fraction
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
