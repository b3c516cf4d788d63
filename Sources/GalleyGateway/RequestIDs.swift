import Synchronization
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyEmoji
import GalleyWebhooks

/// Request ids: the client's `X-Request-Id` when it is 1–128 characters of
/// `[A-Za-z0-9._-]` (safe to log and echo), else a new one: a random per-process
/// prefix and a counter, unique without a syscall per request.
final class RequestIDs: Sendable {
    private let prefix: [UInt8]
    private let counter = Atomic<UInt64>(0)
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    init() {
        prefix = Array(Crypto.hex(Crypto.randomBytes(8)).utf8)
    }

    /// 32 hex characters: 16 of process prefix, 16 of counter.
    func id(for request: HTTPRequest) -> String {
        if let given = request.headers["X-Request-Id"], RequestIDs.isSane(given) { return given }
        var next = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<16 { buffer[index] = prefix[index] }
            for index in stride(from: 31, through: 16, by: -1) {
                buffer[index] = RequestIDs.digits[Int(next & 0xF)]
                next >>= 4
            }
            return 32
        }
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
