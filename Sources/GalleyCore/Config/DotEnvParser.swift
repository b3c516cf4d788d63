/// python-dotenv's grammar, one binding at a time: optional `export `, a key (bare or
/// in single quotes), optionally `=` and a value, an optional comment, end of line.
/// A binding that breaks the grammar is skipped up to the end of its line.
struct DotEnvParser {
    enum Binding {
        /// `value` nil for a bare `KEY`; `expands` false for single-quoted values.
        case binding(key: String, value: String?, expands: Bool)
        case error(line: Int)
    }

    private struct Failure: Error {}

    private let text: [Unicode.Scalar]
    private var position = 0
    private var line = 1

    init(_ text: [Unicode.Scalar]) { self.text = text }

    private var atEnd: Bool { position >= text.count }
    private var peek: Unicode.Scalar? { atEnd ? nil : text[position] }

    private static func isNewline(_ c: Unicode.Scalar) -> Bool { c == "\n" || c == "\r" }
    private static func isBlank(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace && !isNewline(c) }

    private mutating func advance() {
        let c = text[position]
        position += 1
        // \r\n counts as one line break.
        if c == "\n" || (c == "\r" && peek != "\n") { line += 1 }
    }

    private mutating func skip(while predicate: (Unicode.Scalar) -> Bool) {
        while let c = peek, predicate(c) { advance() }
    }

    private mutating func take(while predicate: (Unicode.Scalar) -> Bool) -> String {
        let start = position
        skip(while: predicate)
        return String(String.UnicodeScalarView(text[start..<position]))
    }

    mutating func nextBinding() -> Binding? {
        while true {
            skip(while: { $0.properties.isWhitespace })
            guard let c = peek else { return nil }
            if c == "#" {
                skip(while: { !DotEnvParser.isNewline($0) })
                continue
            }
            let start = position
            let startLine = line
            do {
                return try binding()
            } catch {
                position = start
                line = startLine
                skip(while: { !DotEnvParser.isNewline($0) })
                return .error(line: startLine)
            }
        }
    }

    private mutating func binding() throws(Failure) -> Binding {
        exportPrefix()
        let key = try self.key()
        skip(while: DotEnvParser.isBlank)
        var value: String? = nil
        var expands = true
        if peek == "=" {
            advance()
            skip(while: DotEnvParser.isBlank)
            (value, expands) = try self.value()
        }
        // Optional comment, then blanks and the end of the line.
        skip(while: DotEnvParser.isBlank)
        if peek == "#" { skip(while: { !DotEnvParser.isNewline($0) }) }
        guard atEnd || DotEnvParser.isNewline(text[position]) else { throw Failure() }
        return .binding(key: key, value: value, expands: expands)
    }

    /// `export` followed by blanks; otherwise nothing is consumed (a key may be `export`).
    private mutating func exportPrefix() {
        let word = Array("export".unicodeScalars)
        guard position + word.count < text.count, Array(text[position..<(position + word.count)]) == word,
              DotEnvParser.isBlank(text[position + word.count]) else { return }
        position += word.count
        skip(while: DotEnvParser.isBlank)
    }

    private mutating func key() throws(Failure) -> String {
        if peek == "'" {
            advance()
            let key = take(while: { $0 != "'" })
            guard peek == "'" else { throw Failure() }
            advance()
            return key
        }
        let key = take(while: { $0 != "=" && $0 != "#" && !$0.properties.isWhitespace })
        guard !key.isEmpty else { throw Failure() }
        return key
    }

    private mutating func value() throws(Failure) -> (String, Bool) {
        switch peek {
        case "'":
            return (try quoted("'", escapes: ["\\": "\\", "'": "'"]), false)
        case "\"":
            let escapes: [Unicode.Scalar: Unicode.Scalar] = [
                "\\": "\\", "'": "'", "\"": "\"", "a": "\u{07}", "b": "\u{08}", "f": "\u{0C}",
                "n": "\n", "r": "\r", "t": "\t", "v": "\u{0B}",
            ]
            return (try quoted("\"", escapes: escapes), true)
        default:
            // Up to the end of the line, without a ` #comment` and trailing blanks.
            var scalars = Array(take(while: { !DotEnvParser.isNewline($0) }).unicodeScalars)
            if let hash = scalars.indices.first(where: { $0 > 0 && scalars[$0] == "#" && scalars[$0 - 1].properties.isWhitespace }) {
                scalars = Array(scalars[..<hash])
            }
            while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
            return (String(String.UnicodeScalarView(scalars)), true)
        }
    }

    /// A quoted value; `\<quote>` does not end it. Only the listed escapes are decoded.
    private mutating func quoted(_ quote: Unicode.Scalar, escapes: [Unicode.Scalar: Unicode.Scalar]) throws(Failure) -> String {
        advance()
        var out = String.UnicodeScalarView()
        while let c = peek {
            if c == quote {
                advance()
                return String(out)
            }
            if c == "\\", position + 1 < text.count {
                let next = text[position + 1]
                if let decoded = escapes[next] {
                    out.append(decoded)
                    advance()
                    advance()
                    continue
                }
            }
            out.append(c)
            advance()
        }
        throw Failure()
    }
}
