import GalleyCore

/// Redis Cluster's key → hash slot mapping: CRC16 (XMODEM: polynomial 0x1021, initial 0)
/// of the key, or of its hash tag, modulo 16384, as the cluster specification defines it.
public enum RedisSlot {
    /// Hash slots in a cluster.
    public static let count = 16384

    /// The slot of `key`. Only the hash tag counts when the key has one: the part between
    /// the first `{` and the first `}` after it, if that part is not empty.
    public static func of(_ key: some Collection<UInt8>) -> Int {
        Int(crc16(hashedPart(of: Array(key))) % UInt16(count))
    }

    /// The slot of a text key.
    public static func of(_ key: String) -> Int { of(Array(key.utf8)) }

    /// A hash tag that puts another key in `key`'s slot: `"{" + the hashed part + "}"`.
    /// Nil when that part holds a `}` (the tag would end early and hash something else).
    public static func tag(sameSlotAs key: String) -> String? {
        let part = hashedPart(of: Array(key.utf8))
        guard !part.contains(UInt8(ascii: "}")) else { return nil }
        return "{" + String(decoding: part, as: UTF8.self) + "}"
    }

    /// The bytes that are hashed: the hash tag's content when there is one, else the key.
    static func hashedPart(of key: [UInt8]) -> ArraySlice<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
              let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
              close > open + 1
        else { return key[...] }
        return key[(open + 1)..<close]
    }

    /// CRC16-CCITT (XMODEM), bitwise: 16384 slots need no table to be fast enough beside a
    /// network round trip.
    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }
}
