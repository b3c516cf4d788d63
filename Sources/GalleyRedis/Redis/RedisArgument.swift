import GalleyCore

/// One command argument. Sent with an explicit length, so any bytes (NUL, CR LF) are safe.
///
/// Literals work directly: `["SET", key, 42]`; `.bytes(...)` for binary payloads.
public enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByStringInterpolation
{
    case string(String)
    case bytes([UInt8])
    case integer(Int64)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(_ value: String) { self = .string(value) }
    public init(_ value: [UInt8]) { self = .bytes(value) }
    public init(_ value: Int) { self = .integer(Int64(value)) }
    public init(_ value: Int64) { self = .integer(value) }

    /// The bytes that go on the wire.
    public var encoded: [UInt8] {
        switch self {
        case .string(let text): Array(text.utf8)
        case .bytes(let bytes): bytes
        case .integer(let value): Array(String(value).utf8)
        }
    }
}
