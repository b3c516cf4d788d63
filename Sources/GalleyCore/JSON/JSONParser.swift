
/// A strict RFC 8259 parser over bytes: rejects invalid UTF-8, trailing garbage,
/// lone surrogates and nesting deeper than ``maxDepth``, so bad bodies become a 422,
/// never a crash. Work is linear in the input for every shape: duplicate keys are found
/// through a hash index, never by scanning the members already read.
public struct JSONParser {
    /// Deepest nesting accepted. The original (Python's `json`) failed near 1 000 with a
    /// bare 400; no request model nests deeper than 3, so 64 refuses nothing real.
    public static let maxDepth = 64
    /// Most members in one object or array. A 1 MiB body holds at most ~260 000 values;
    /// this bounds what one container costs without refusing a body the original took.
    public static let maxMembers = 100_000

    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try parse(bytes, maxMembers: maxMembers)
    }

    /// Parses with a chosen member cap (tests measure the parser without it).
    public static func parse(_ bytes: [UInt8], maxMembers: Int) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            var parser = JSONParser(buffer: buffer, maxMembers: maxMembers)
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.error("Extra data") }
            return value
        }
    }

    public static func parse(_ string: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(string.utf8))
    }

    private let buffer: UnsafeBufferPointer<UInt8>
    private let maxMembers: Int
    private var index = 0

    private init(buffer: UnsafeBufferPointer<UInt8>, maxMembers: Int) {
        self.buffer = buffer
        self.maxMembers = maxMembers
    }

    private func error(_ reason: String, kind: JSONParseError.Kind = .syntax) -> JSONParseError {
        JSONParseError(offset: index, reason: reason, kind: kind)
    }

    private mutating func skipWhitespace() {
        while index < buffer.count {
            switch buffer[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        // pydantic-core's words for the same refusal.
        guard depth < JSONParser.maxDepth else { throw error("recursion limit exceeded", kind: .tooDeep) }
        guard index < buffer.count else { throw error("Expecting value") }
        switch buffer[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("Expecting value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= buffer.count else { throw error("Expecting value") }
        let start = literal.utf8Start
        for offset in 0..<count where buffer[index + offset] != start[offset] {
            throw error("Expecting value")
        }
        index += count
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        index += 1
        var entries: [JSONObject.Entry] = []
        // Built once an object outgrows a short linear scan: key → position in `entries`.
        var positions = KeyIndex()
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject(uniqueEntries: entries))
        }
        while true {
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else {
                throw error("Expecting property name enclosed in double quotes")
            }
            let key = try parseString()
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { throw error("Expecting ':' delimiter") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            // Python's dict: a repeated key keeps its first place and takes the last value.
            if let existing = position(of: key, in: entries, index: &positions) {
                entries[existing].value = value
            } else {
                guard entries.count < maxMembers else { throw error("Too many members", kind: .tooLarge) }
                if !positions.isEmpty { positions.insert(key, at: entries.count, entries: entries) }
                entries.append(JSONObject.Entry(key: key, value: value))
            }
            skipWhitespace()
            guard index < buffer.count else { throw error("Expecting ',' delimiter") }
            if buffer[index] == UInt8(ascii: ",") { index += 1; continue }
            if buffer[index] == UInt8(ascii: "}") { index += 1; return .object(JSONObject(uniqueEntries: entries)) }
            throw error("Expecting ',' delimiter")
        }
    }

    /// Short objects are scanned (cheaper than hashing); from 16 members on, a hash index
    /// answers in constant time, so an object costs linear time whatever its size.
    private func position(of key: String, in entries: [JSONObject.Entry], index positions: inout KeyIndex) -> Int? {
        if positions.isEmpty {
            if entries.count < 16 { return entries.firstIndex { $0.key == key } }
            positions.build(entries)
        }
        return positions.find(key, entries: entries)
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        index += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "]") {
            index += 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            guard array.count < maxMembers else { throw error("Too many members", kind: .tooLarge) }
            array.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < buffer.count else { throw error("Expecting ',' delimiter") }
            if buffer[index] == UInt8(ascii: ",") { index += 1; continue }
            if buffer[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
            throw error("Expecting ',' delimiter")
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: buffer[start..<index])
                guard let string = String(validating: slice, as: UTF8.self) else { throw error("Invalid UTF-8") }
                index += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("Invalid control character") }
            index += 1
        }
        var bytes = Array(buffer[start..<index])
        while index < buffer.count {
            let byte = buffer[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let string = String(validating: bytes, as: UTF8.self) else { throw error("Invalid UTF-8") }
                return string
            case UInt8(ascii: "\\"):
                index += 1
                guard index < buffer.count else { throw error("Unterminated string") }
                let escape = buffer[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < buffer.count, buffer[index] == UInt8(ascii: "\\"), buffer[index + 1] == UInt8(ascii: "u")
                        else { throw error("Invalid \\uXXXX escape") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("Invalid \\uXXXX escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("Invalid \\uXXXX escape")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("Invalid \\uXXXX escape") }
                    // Straight into the buffer: no String or Array per escape.
                    UTF8.encode(unicode) { bytes.append($0) }
                default:
                    throw error("Invalid \\escape")
                }
            default:
                if byte < 0x20 { throw error("Invalid control character") }
                bytes.append(byte)
                index += 1
            }
        }
        throw error("Unterminated string")
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= buffer.count else { throw error("Invalid \\uXXXX escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = buffer[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("Invalid \\uXXXX escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if buffer[index] == UInt8(ascii: "-") { index += 1 }
        guard index < buffer.count, isDigit(buffer[index]) else { throw error("Expecting value") }
        if buffer[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < buffer.count, isDigit(buffer[index]) else { throw error("Invalid number") }
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < buffer.count, buffer[index] == UInt8(ascii: "+") || buffer[index] == UInt8(ascii: "-") { index += 1 }
            guard index < buffer.count, isDigit(buffer[index]) else { throw error("Invalid number") }
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        // Up to 18 digits cannot overflow Int64: read them in place, no String on the way.
        let digitsStart = buffer[start] == UInt8(ascii: "-") ? start + 1 : start
        if isInteger, index - digitsStart <= 18 {
            var magnitude: Int64 = 0
            for position in digitsStart..<index { magnitude = magnitude * 10 + Int64(buffer[position] &- 48) }
            return .int(digitsStart == start ? magnitude : -magnitude)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .int(integer) }
        guard let double = Double(text), double.isFinite else { throw error("Number out of range") }
        return .double(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

/// Where and why a document is not JSON. The reason is generic and safe to show a client.
public struct JSONParseError: Error, CustomStringConvertible {
    /// Broken syntax, nesting over ``JSONParser/maxDepth`` (a 422), or a container over
    /// ``JSONParser/maxMembers`` (a 413: the body is too large, not wrong).
    public enum Kind: Sendable, Equatable { case syntax, tooDeep, tooLarge }

    public let offset: Int
    public let reason: String
    public var kind: Kind = .syntax
    public var description: String { "JSON decode error: \(reason) at offset \(offset)" }
}

/// Key → position in an object's entries: open addressing over the keys' UTF-8 with the
/// standard library's per-process seeded hash (so colliding keys cannot be precomputed),
/// hashes kept beside the positions so growing never rehashes a string.
private struct KeyIndex {
    /// Slot: position + 1 (0 = empty) in the low 32 bits, the key's hash in the high 32.
    private var slots: [UInt64] = []
    private var count = 0

    var isEmpty: Bool { slots.isEmpty }

    private static func hash(_ key: String) -> UInt32 {
        var key = key
        return key.withUTF8 { bytes in
            var hasher = Hasher()
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
            return UInt32(truncatingIfNeeded: hasher.finalize())
        }
    }

    mutating func build(_ entries: [JSONObject.Entry]) {
        slots = [UInt64](repeating: 0, count: 64)
        for (position, entry) in entries.enumerated() { insert(entry.key, at: position, entries: entries) }
    }

    func find(_ key: String, entries: [JSONObject.Entry]) -> Int? {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        while true {
            let value = slots[slot]
            if value == 0 { return nil }
            if UInt32(truncatingIfNeeded: value >> 32) == hash {
                let position = Int(UInt32(truncatingIfNeeded: value)) - 1
                if entries[position].key == key { return position }
            }
            slot = (slot + 1) & mask
        }
    }

    mutating func insert(_ key: String, at position: Int, entries: [JSONObject.Entry]) {
        if (count + 1) * 2 > slots.count { grow() }
        place(UInt64(Self.hash(key)) << 32 | UInt64(position + 1))
        count += 1
    }

    private mutating func place(_ value: UInt64) {
        let mask = slots.count - 1
        var slot = Int(UInt32(truncatingIfNeeded: value >> 32)) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = value
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: Swift.max(64, old.count * 2))
        for value in old where value != 0 { place(value) }
    }
}
