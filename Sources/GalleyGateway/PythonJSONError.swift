/// Where and why Python 3.11's `json.loads` stops on a document it refuses, so the
/// 422 `json_invalid` item carries the original's `loc` offset and `ctx.error`.
///
/// Only run after Galley's parser refused the body. It follows CPython's C scanner
/// step by step over Unicode scalars (Python counts offsets in characters). nil means
/// Python would have accepted the document (`NaN`, a lone surrogate, a huge number):
/// Galley still refuses those, with its own reason.
struct PythonJSONError: Equatable {
    let position: Int
    let message: String

    static func locate(_ text: [Unicode.Scalar]) -> PythonJSONError? {
        let scanner = Scanner(s: text)
        do {
            let end = try scanner.value(at: scanner.skip(0), depth: 0)
            let rest = scanner.skip(end)
            return rest == text.count ? nil : PythonJSONError(position: rest, message: "Extra data")
        } catch let error as PythonJSONError {
            return error
        } catch {
            return nil
        }
    }

    /// Deeper than this, Python would hit its recursion limit (not a decode error).
    private struct TooDeep: Error {}

    private struct Scanner {
        let s: [Unicode.Scalar]
        var n: Int { s.count }

        func skip(_ i: Int) -> Int {
            var i = i
            while i < n, s[i] == " " || s[i] == "\t" || s[i] == "\n" || s[i] == "\r" { i += 1 }
            return i
        }

        func fail(_ position: Int, _ message: String) -> PythonJSONError {
            PythonJSONError(position: position, message: message)
        }

        func has(_ word: String, at i: Int) -> Bool {
            let scalars = Array(word.unicodeScalars)
            guard i + scalars.count <= n else { return false }
            return Array(s[i..<(i + scalars.count)]) == scalars
        }

        func isDigit(_ i: Int) -> Bool { i < n && s[i].value >= 0x30 && s[i].value <= 0x39 }

        /// The end of the value starting at `i`.
        func value(at i: Int, depth: Int) throws -> Int {
            guard depth < 900 else { throw TooDeep() }
            guard i < n else { throw fail(i, "Expecting value") }
            switch s[i] {
            case "\"": return try string(from: i + 1)
            case "{": return try object(from: i + 1, depth: depth)
            case "[": return try array(from: i + 1, depth: depth)
            case "n" where has("null", at: i): return i + 4
            case "t" where has("true", at: i): return i + 4
            case "f" where has("false", at: i): return i + 5
            case "N" where has("NaN", at: i): return i + 3
            case "I" where has("Infinity", at: i): return i + 8
            case "-" where has("-Infinity", at: i): return i + 9
            default: return try number(at: i)
            }
        }

        func number(at start: Int) throws -> Int {
            var i = start
            if s[i] == "-" {
                i += 1
                guard i < n else { throw fail(start, "Expecting value") }
            }
            if isDigit(i) && s[i] != "0" {
                while isDigit(i) { i += 1 }
            } else if isDigit(i) {
                i += 1
            } else {
                throw fail(start, "Expecting value")
            }
            if i + 1 < n, s[i] == ".", isDigit(i + 1) {
                i += 2
                while isDigit(i) { i += 1 }
            }
            if i + 1 < n, s[i] == "e" || s[i] == "E" {
                let exponentStart = i
                i += 1
                if i < n, s[i] == "-" || s[i] == "+" { i += 1 }
                let digitsStart = i
                while isDigit(i) { i += 1 }
                if i == digitsStart { i = exponentStart }
            }
            return i
        }

        /// `i` is just after the opening quote.
        func string(from i: Int) throws -> Int {
            let begin = i - 1
            var end = i
            while true {
                var next = end
                var c: Unicode.Scalar = "\u{0}"
                while next < n {
                    c = s[next]
                    if c == "\"" || c == "\\" { break }
                    if c.value <= 0x1F { throw fail(next, "Invalid control character at") }
                    next += 1
                }
                guard next < n else { throw fail(begin, "Unterminated string starting at") }
                if c == "\"" { return next + 1 }
                next += 1
                guard next < n else { throw fail(begin, "Unterminated string starting at") }
                c = s[next]
                if c != "u" {
                    end = next + 1
                    guard "\"\\/bfnrt".unicodeScalars.contains(c) else { throw fail(end - 2, "Invalid \\escape") }
                    continue
                }
                next += 1
                end = next + 4
                guard end < n else { throw fail(next - 1, "Invalid \\uXXXX escape") }
                guard let unit = hex4(at: next) else { throw fail(end - 5, "Invalid \\uXXXX escape") }
                if (0xD800...0xDBFF).contains(unit), end + 6 < n, s[end] == "\\", s[end + 1] == "u" {
                    end += 6
                    guard hex4(at: end - 4) != nil else { throw fail(end - 5, "Invalid \\uXXXX escape") }
                }
            }
        }

        func hex4(at i: Int) -> UInt32? {
            guard i + 4 <= n else { return nil }
            var value: UInt32 = 0
            for scalar in s[i..<(i + 4)] {
                guard let digit = asciiDigit(scalar) ?? hexLetter(scalar) else { return nil }
                value = value * 16 + digit
            }
            return value
        }

        func asciiDigit(_ c: Unicode.Scalar) -> UInt32? { (0x30...0x39).contains(c.value) ? c.value - 0x30 : nil }
        func hexLetter(_ c: Unicode.Scalar) -> UInt32? {
            switch c.value {
            case 0x61...0x66: c.value - 0x61 + 10
            case 0x41...0x46: c.value - 0x41 + 10
            default: nil
            }
        }

        /// `i` is just after `{`.
        func object(from start: Int, depth: Int) throws -> Int {
            var i = skip(start)
            if i < n, s[i] == "}" { return i + 1 }
            while i < n {
                guard s[i] == "\"" else { throw fail(i, "Expecting property name enclosed in double quotes") }
                i = skip(try string(from: i + 1))
                guard i < n, s[i] == ":" else { throw fail(i, "Expecting ':' delimiter") }
                i = skip(try value(at: skip(i + 1), depth: depth + 1))
                if i < n, s[i] == "}" { return i + 1 }
                guard i < n, s[i] == "," else { throw fail(i, "Expecting ',' delimiter") }
                i = skip(i + 1)
            }
            throw fail(i, "Expecting property name enclosed in double quotes")
        }

        /// `i` is just after `[`.
        func array(from start: Int, depth: Int) throws -> Int {
            var i = skip(start)
            if i < n, s[i] == "]" { return i + 1 }
            while i < n {
                i = skip(try value(at: i, depth: depth + 1))
                if i < n, s[i] == "]" { return i + 1 }
                guard i < n, s[i] == "," else { throw fail(i, "Expecting ',' delimiter") }
                i = skip(i + 1)
            }
            throw fail(i, "Expecting value")
        }
    }
}

extension PythonJSONError: Error {}
