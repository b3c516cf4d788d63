import GalleyCore
import GalleyPostgres
import GalleyRedis

/// Why a process stops with a non-zero status: the exit code of its kind and the one
/// line printed on stderr. `message` never carries a setting's value or a secret.
public struct ProcessFailure: Error, CustomStringConvertible, CustomDebugStringConvertible {
    public let exitCode: ExitCode
    private let message: String
    /// The error behind it, for the debug log.
    public let underlying: (any Error)?

    public init(_ exitCode: ExitCode, _ message: String, underlying: (any Error)? = nil) {
        self.exitCode = exitCode
        self.message = message
        self.underlying = underlying
    }

    public static func usage(_ message: String) -> ProcessFailure { ProcessFailure(.usage, message) }

    /// A dependency that is not there at start: `what` says which ("PostgreSQL", "Redis", "METRICS_PORT 9101").
    public static func unavailable(_ what: String, _ error: any Error) -> ProcessFailure {
        ProcessFailure(.unavailable, "\(what) unavailable: \(error)", underlying: error)
    }

    public var description: String { message }

    public var debugDescription: String {
        underlying.map { "\(message) (\(String(reflecting: $0)))" } ?? message
    }

    /// Sorts any error into its kind: settings → 78, a node id in use → 75, a connection
    /// refused at start → 69, everything else → 70.
    public static func classify(_ error: any Error, during step: String) -> ProcessFailure {
        switch error {
        case let failure as ProcessFailure:
            return failure
        case let error as ConfigurationError:
            return ProcessFailure(.configuration, error.description, underlying: error)
        case let error as SnowflakeError where error == .invalidNodeID:
            return ProcessFailure(.configuration, error.description, underlying: error)
        case let error as SnowflakeError:
            return ProcessFailure(.temporaryFailure, error.description, underlying: error)
        case let error as RedisError where error.isConnectionError:
            return .unavailable("Redis (\(step))", error)
        case let error as PostgresError where error.isConnectionError:
            return .unavailable("PostgreSQL (\(step))", error)
        default:
            return ProcessFailure(.software, "\(step) failed: \(error)", underlying: error)
        }
    }
}
