import GalleyCore

/// PostgreSQL's array text form (`{1,2}`, `{"a b","c\"d"}`), written and read by hand
/// so arrays can travel as text binds like every other value.
enum PostgresArrayLiteral {
    /// Every element quoted, `"` and `\` escaped: valid for any element type.
    static func encode(_ elements: [String?]) -> String {
        var out = "{"
        for (offset, element) in elements.enumerated() {
            if offset > 0 { out.append(",") }
            guard let element else {
                out.append("NULL")
                continue
            }
            out.append("\"")
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { out.append("\\") }
                out.unicodeScalars.append(character)
            }
            out.append("\"")
        }
        out.append("}")
        return out
    }

    /// The elements of a one-dimensional array (nil for NULL); nil for anything else.
    static func parse(_ text: String) -> [String?]? {
        let bytes = Array(text.utf8)
        var index = 0
        // Non-default lower bounds come first: `[0:1]={a,b}`.
        if bytes.first == UInt8(ascii: "[") {
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            index = equals + 1
        }
        func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || (0x09...0x0D).contains(bytes[index]) { index += 1 }
        }
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        skipSpace()
        var elements: [String?] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            skipSpace()
            return index == bytes.count ? elements : nil
        }
        while true {
            skipSpace()
            guard index < bytes.count else { return nil }
            var element: [UInt8] = []
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\\") {
                        index += 1
                        guard index < bytes.count else { return nil }
                        element.append(bytes[index])
                    } else if byte == UInt8(ascii: "\"") {
                        closed = true
                        index += 1
                        break
                    } else {
                        element.append(byte)
                    }
                    index += 1
                }
                guard closed else { return nil }
                elements.append(String(decoding: element, as: UTF8.self))
            } else {
                guard bytes[index] != UInt8(ascii: "{") else { return nil }  // multidimensional
                var escaped = false
                while index < bytes.count, bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "}") {
                    if bytes[index] == UInt8(ascii: "\\") {
                        index += 1
                        guard index < bytes.count else { return nil }
                        escaped = true
                    }
                    element.append(bytes[index])
                    index += 1
                }
                while let last = element.last, last == 0x20 || (0x09...0x0D).contains(last) { element.removeLast() }
                guard !element.isEmpty else { return nil }
                let word = String(decoding: element, as: UTF8.self)
                elements.append(!escaped && word.uppercased() == "NULL" ? nil : word)
            }
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                skipSpace()
                return index == bytes.count ? elements : nil
            } else {
                return nil
            }
        }
    }
}
