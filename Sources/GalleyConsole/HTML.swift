/// A piece of HTML. Interpolating a `String` (or any value) escapes it; only another
/// `HTML` goes in as markup, so text from the database can never become markup.
public struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var markup: String

    public init(stringLiteral value: String) { markup = value }

    public init(stringInterpolation: Interpolation) { markup = stringInterpolation.markup }

    /// Markup written by the console itself (never data).
    init(trusted markup: String) { self.markup = markup }

    public var description: String { markup }

    public struct Interpolation: StringInterpolationProtocol {
        var markup = ""

        public init(literalCapacity: Int, interpolationCount: Int) {
            markup.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        public mutating func appendLiteral(_ literal: String) { markup += literal }

        /// Text: escaped.
        public mutating func appendInterpolation(_ text: String) { markup += HTML.escape(text) }

        /// Any other value: its description, escaped.
        public mutating func appendInterpolation<T>(_ value: T) { markup += HTML.escape(String(describing: value)) }

        /// Markup: as is.
        public mutating func appendInterpolation(_ html: HTML) { markup += html.markup }

        /// Several pieces of markup, in order.
        public mutating func appendInterpolation(_ pieces: [HTML]) { for piece in pieces { markup += piece.markup } }

        /// Nothing for nil.
        public mutating func appendInterpolation(_ html: HTML?) { if let html { markup += html.markup } }
    }

    /// Escapes the five characters that matter in text and in quoted attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Pieces joined in order.
    public static func join(_ pieces: [HTML]) -> HTML {
        HTML(trusted: pieces.map(\.markup).joined())
    }

    public static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(trusted: lhs.markup + rhs.markup) }
}
