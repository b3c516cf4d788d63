
/// A setting that is missing or invalid. The process prints `description` (one line
/// naming the setting, never its value: it may be a secret) and exits.
public struct ConfigurationError: Error, CustomStringConvertible, CustomDebugStringConvertible {
    private enum Code { case missing, invalid }
    private let code: Code
    /// The environment variable (or file setting) at fault.
    public let setting: String
    private let expectation: String

    public static func missing(_ setting: String) -> ConfigurationError {
        ConfigurationError(code: .missing, setting: setting, expectation: "")
    }

    /// `expectation` says what a valid value looks like, e.g. "an integer from 1 to 65535".
    public static func invalid(_ setting: String, expected expectation: String) -> ConfigurationError {
        ConfigurationError(code: .invalid, setting: setting, expectation: expectation)
    }

    public var description: String {
        switch code {
        case .missing: "configuration error: \(setting) is required but not set"
        case .invalid: "configuration error: \(setting) is invalid: expected \(expectation)"
        }
    }

    public var debugDescription: String { description }
}
