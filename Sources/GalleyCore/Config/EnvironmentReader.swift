
/// Typed reads of environment variables, each failing with a ``ConfigurationError``
/// that names the variable. Empty values count as unset, as pydantic-settings did
/// for the original (`env_ignore_empty=True`).
public struct EnvironmentReader: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    public func string(_ name: String) -> String? {
        guard let value = values[name]?.trimmingWhitespace(), !value.isEmpty else { return nil }
        return value
    }

    public func string(_ name: String, default fallback: String) -> String { string(name) ?? fallback }

    public func required(_ name: String) throws(ConfigurationError) -> String {
        guard let value = string(name) else { throw .missing(name) }
        return value
    }

    public func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = string(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw .invalid(name, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func optionalInt(_ name: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw .invalid(name, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func double(_ name: String, default fallback: Double, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard let text = string(name) else { return fallback }
        guard let value = Double(text), range.contains(value) else {
            throw .invalid(name, expected: "a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// true/false, 1/0, yes/no, on/off (case-insensitive), as pydantic accepts.
    public func bool(_ name: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        guard let text = string(name) else { return fallback }
        switch text.lowercased() {
        case "1", "true", "yes", "on", "t", "y": return true
        case "0", "false", "no", "off", "f", "n": return false
        default: throw .invalid(name, expected: "true or false")
        }
    }

    public func oneOf(_ name: String, _ allowed: [String], default fallback: String) throws(ConfigurationError) -> String {
        guard let text = string(name) else { return fallback }
        guard allowed.contains(text) else { throw .invalid(name, expected: "one of \(allowed.joined(separator: ", "))") }
        return text
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) ?? first
        return String(scalars[first...last])
    }

    /// Without leading and trailing `/`, so prefixes join with exactly one slash.
    package func trimmingSlashes() -> String {
        var s = Substring(self)
        while s.hasPrefix("/") { s = s.dropFirst() }
        while s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }
}
