import Shared
import Synchronization

/// Request ids: the client's `X-Request-Id` when it is 1–128 characters of
/// `[A-Za-z0-9._-]` (safe to log and echo), else a new one: a random per-process
/// prefix and a counter, unique without a syscall per request.
final class RequestIDs: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    init() {
        prefix = Crypto.hex(Crypto.randomBytes(8))
    }

    func id(for request: HTTPRequest) -> String {
        if let given = request.headers["X-Request-Id"], RequestIDs.isSane(given) { return given }
        let next = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let hex = String(next, radix: 16)
        return prefix + String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }

    static func isSane(_ value: String) -> Bool {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}
