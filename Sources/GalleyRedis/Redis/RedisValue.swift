import GalleyCore

/// One RESP2 reply, copied out of hiredis so it outlives `freeReplyObject`.
///
/// Server errors are a value here (`.error`), not a throw, so pipelines keep every
/// other reply; ``checked()`` turns one into a ``RedisError/server`` throw.
public enum RedisValue: Sendable, Hashable {
    case string([UInt8])
    case integer(Int64)
    case array([RedisValue])
    case null
    case status(String)
    case error(String)

    /// Bulk strings and status replies as UTF-8 text (invalid bytes replaced).
    public var stringValue: String? {
        switch self {
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    /// The raw bytes of a bulk string or status reply.
    public var bytesValue: [UInt8]? {
        switch self {
        case .string(let bytes): bytes
        case .status(let text): Array(text.utf8)
        default: nil
        }
    }

    /// Integer replies, and bulk strings that hold a decimal integer (XINFO, XPENDING use both).
    public var integerValue: Int64? {
        switch self {
        case .integer(let value): value
        case .string(let bytes): Int64(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    public var arrayValue: [RedisValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The reply itself, or a ``RedisError/server`` throw when it is an error reply.
    public func checked() throws -> RedisValue {
        if case .error(let message) = self { throw RedisError.server(message: message) }
        return self
    }
}
