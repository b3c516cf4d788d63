import GalleyCore
import GalleyPostgres
import GalleyRedis

/// A command line `RewardWorker` cannot run (exit status 2). The message names the
/// option at fault but never repeats the value given.
public struct RewardUsageError: Error, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
