public import Foundation
public import GalleyCore

// Text-format conformances of the standard types. Each type encodes to what the
// server's input function parses and decodes what its output function prints.

extension Int: PostgresArrayElement {
    public var postgresText: String? { String(self) }
    public init?(postgresText text: String) { self.init(text) }
}

extension Int32: PostgresArrayElement {
    public var postgresText: String? { String(self) }
    public init?(postgresText text: String) { self.init(text) }
}

extension Int64: PostgresArrayElement {
    public var postgresText: String? { String(self) }
    public init?(postgresText text: String) { self.init(text) }
}

/// Strings also decode `numeric` columns exactly (`9.99`), which is how money is read.
extension String: PostgresArrayElement {
    public var postgresText: String? { self }
    public init?(postgresText text: String) { self = text }
}

extension Bool: PostgresArrayElement {
    public var postgresText: String? { self ? "t" : "f" }
    public init?(postgresText text: String) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension Double: PostgresArrayElement {
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return "\(self)"
    }

    public init?(postgresText text: String) {
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text), value.isFinite else { return nil }
            self = value
        }
    }
}

/// Sent as ISO 8601 UTC with microseconds (what `timestamptz` stores), so a value read
/// back and written again keeps its exact instant; read through `Timestamp.parse`.
extension Date: PostgresArrayElement {
    public var postgresText: String? {
        let micros = (timeIntervalSince1970 * 1_000_000).rounded()
        if micros.isNaN { return "NaN" }  // the server refuses it: an error, not a silent NULL
        if micros >= 9.2e18 { return "infinity" }
        if micros <= -9.2e18 { return "-infinity" }
        let total = Int64(micros)
        let millis = total.floorDiv(1000)
        let rest = Int(total - millis * 1000)
        var text = Timestamp.iso8601(millisecondsSince1970: millis)
        text.removeLast()  // "Z"
        text += rest < 10 ? "00\(rest)Z" : rest < 100 ? "0\(rest)Z" : "\(rest)Z"
        return text
    }

    public init?(postgresText text: String) {
        guard let date = Timestamp.parse(text) else { return nil }
        self = date
    }
}

/// For `json` / `jsonb` columns and binds (`$1::jsonb`).
extension JSONValue: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { JSONWriter.string(self) }
    public init?(postgresText text: String) {
        guard let value = try? JSONParser.parse(text) else { return nil }
        self = value
    }
}

/// `nil` is SQL NULL both ways.
extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { flatMap { $0.postgresText } }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let value = Wrapped(postgresText: text) else { return nil }
        self = .some(value)
    }
    public static var postgresNull: Wrapped?? { .some(.none) }
}

/// One-dimensional arrays (`bigint[]`, `text[]`) as array literals; NULL elements are refused.
extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public var postgresText: String? { PostgresArrayLiteral.encode(map { $0.postgresText }) }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public init?(postgresText text: String) {
        guard let texts = PostgresArrayLiteral.parse(text) else { return nil }
        var elements: [Element] = []
        elements.reserveCapacity(texts.count)
        for text in texts {
            guard let text, let element = Element(postgresText: text) else { return nil }
            elements.append(element)
        }
        self = elements
    }
}
