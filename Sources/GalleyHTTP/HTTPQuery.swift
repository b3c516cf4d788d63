import GalleyCore

/// Query-string decoding as browsers and FastAPI do it: `&`-separated `name=value`
/// pairs, `%HH` escapes and `+` as space. Malformed escapes stay as written and
/// invalid UTF-8 is repaired, so odd input never stops a request.
enum HTTPQuery {
    /// Parses a raw query (without "?"); the first value of a repeated name wins.
    static func parse(_ raw: [UInt8]) -> [String: String] {
        var result: [String: String] = [:]
        if raw.isEmpty { return result }
        raw.withUnsafeBufferPointer { bytes in
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
                if end > start {
                    let pair = UnsafeBufferPointer(rebasing: bytes[start..<end])
                    let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.count
                    let name = decode(UnsafeBufferPointer(rebasing: pair[0..<equals]))
                    if !name.isEmpty && result[name] == nil {
                        let value = equals < pair.count
                            ? decode(UnsafeBufferPointer(rebasing: pair[(equals + 1)...])) : ""
                        result[name] = value
                    }
                }
                start = end + 1
            }
        }
        return result
    }

    /// Percent-decodes one component, `+` meaning space.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var needsWork = false
        for byte in bytes where byte == UInt8(ascii: "%") || byte == UInt8(ascii: "+") {
            needsWork = true
            break
        }
        if !needsWork { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
