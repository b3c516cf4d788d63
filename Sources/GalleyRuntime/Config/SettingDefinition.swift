public import GalleyCore

/// One setting of the fleet, declared once: its name, the values it takes, its default,
/// its doc line and the executables that read it. `Settings.load` reads through these,
/// `--help` and docs/settings.md are printed from them, so none of it is repeated.
public struct SettingDefinition: Sendable {
    /// What a value looks like; times are parsed into `Duration`.
    public enum Kind: Sendable {
        case text
        /// Never printed, not even its default.
        case secret
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case flag
        case choice([String])
        /// A `Duration` written as (fractional) seconds.
        case seconds(ClosedRange<Double>)
        /// A `Duration` written as whole seconds.
        case wholeSeconds(ClosedRange<Int>)
        case milliseconds(ClosedRange<Int>)
        case days(ClosedRange<Int>)

        public var isSecret: Bool {
            if case .secret = self { return true }
            return false
        }
    }

    public let name: String
    public let kind: Kind
    /// The value used when the variable is unset, written as it would be in the
    /// environment; nil when there is none (optional, required, or computed at start).
    public let defaultValue: String?
    /// A default computed at start (cores, host name, `ENVIRONMENT`), said in words.
    public let computedDefault: String?
    public let isRequired: Bool
    /// One line for `--help` and the docs.
    public let summary: String
    public let readBy: Set<GalleyExecutable>

    public init(_ name: String, _ kind: Kind, default defaultValue: String? = nil, computed computedDefault: String? = nil,
                required isRequired: Bool = false, _ summary: String, readBy: Set<GalleyExecutable>) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.computedDefault = computedDefault
        self.isRequired = isRequired
        self.summary = summary
        self.readBy = readBy
    }

    /// Checks `text` against the kind (the environment reader's rules and error wording).
    public func validate(_ text: String) throws(ConfigurationError) {
        let env = EnvironmentReader([name: text])
        switch kind {
        case .text, .secret: break
        case .integer(let range), .wholeSeconds(let range), .milliseconds(let range), .days(let range):
            _ = try env.int(name, default: 0, in: range)
        case .number(let range), .seconds(let range):
            _ = try env.double(name, default: 0, in: range)
        case .flag:
            _ = try env.bool(name, default: false)
        case .choice(let allowed):
            _ = try env.oneOf(name, allowed, default: "")
        }
    }

    /// The allowed values in words, for the docs.
    public var allowed: String {
        switch kind {
        case .text: "text"
        case .secret: "secret text"
        case .integer(let range): "\(range.lowerBound)…\(range.upperBound)"
        case .number(let range): "\(Self.format(range.lowerBound))…\(Self.format(range.upperBound))"
        case .flag: "true / false"
        case .choice(let allowed): allowed.joined(separator: " / ")
        case .seconds(let range): "\(Self.format(range.lowerBound))…\(Self.format(range.upperBound)) s"
        case .wholeSeconds(let range): "\(range.lowerBound)…\(range.upperBound) s (whole)"
        case .milliseconds(let range): "\(range.lowerBound)…\(range.upperBound) ms"
        case .days(let range): "\(range.lowerBound)…\(range.upperBound) days"
        }
    }

    /// The default in words: the literal, the computed rule, "required" or "unset".
    public var defaultDescription: String {
        if case .secret = kind, let defaultValue, !defaultValue.isEmpty { return "(built in)" }
        if let defaultValue { return defaultValue.isEmpty ? "(empty)" : defaultValue }
        if let computedDefault { return computedDefault }
        return isRequired ? "required" : "unset"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
