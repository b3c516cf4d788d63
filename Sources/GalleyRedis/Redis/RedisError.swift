import GalleyCore

/// Why a Redis call failed. `description` names the kind only; details (hiredis' message,
/// the server's message, which may quote keys or values) are in `debugDescription`.
public struct RedisError: Error, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    private enum Code: Equatable {
        case connectionFailed
        case connectionLost
        case server
        case unexpectedReply
        case invalidArgument
        case checkoutTimeout
        case poolShutDown
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = detail
    }

    /// Connecting, authenticating or selecting the database failed.
    public static let connectionFailed = RedisError(.connectionFailed)
    /// The connection broke mid-command (I/O error, timeout, server closed it); the pool reconnects.
    public static let connectionLost = RedisError(.connectionLost)
    /// The server answered with an error reply.
    public static let server = RedisError(.server)
    /// A reply did not have the shape the command promises.
    public static let unexpectedReply = RedisError(.unexpectedReply)
    /// The caller passed something the command cannot take.
    public static let invalidArgument = RedisError(.invalidArgument)
    /// No pooled connection became free in time.
    public static let checkoutTimeout = RedisError(.checkoutTimeout)
    /// The pool was shut down.
    public static let poolShutDown = RedisError(.poolShutDown)

    static func connectionFailed(_ detail: String) -> RedisError { RedisError(.connectionFailed, detail) }
    static func connectionLost(_ detail: String) -> RedisError { RedisError(.connectionLost, detail) }
    static func server(message: String) -> RedisError { RedisError(.server, message) }
    static func unexpectedReply(_ detail: String) -> RedisError { RedisError(.unexpectedReply, detail) }
    static func invalidArgument(_ detail: String) -> RedisError { RedisError(.invalidArgument, detail) }

    /// Compares the kind only, so `error == .connectionLost` works whatever the detail.
    public static func == (lhs: RedisError, rhs: RedisError) -> Bool { lhs.code == rhs.code }

    /// True when the connection is unusable (or could not be made): worth a retry on a new one.
    public var isConnectionError: Bool { code == .connectionFailed || code == .connectionLost }

    /// The error reply's leading code word (`WRONGTYPE`, `NOGROUP`, `BUSYGROUP`, `ERR`), for
    /// callers that branch on it. The word is fixed by the server, never data.
    public var serverCode: String? {
        guard code == .server else { return nil }
        let word = detail.prefix { $0 != " " }
        guard !word.isEmpty, word.allSatisfy({ ($0 >= "A" && $0 <= "Z") || $0 == "_" }) else { return nil }
        return String(word)
    }

    public var description: String {
        switch code {
        case .connectionFailed: "redis connection failed"
        case .connectionLost: "redis connection lost"
        case .server: serverCode.map { "redis server error (\($0))" } ?? "redis server error"
        case .unexpectedReply: "unexpected redis reply"
        case .invalidArgument: "invalid redis command argument"
        case .checkoutTimeout: "timed out waiting for a redis connection"
        case .poolShutDown: "redis pool is shut down"
        }
    }

    public var debugDescription: String { detail.isEmpty ? description : "\(description): \(detail)" }
}
