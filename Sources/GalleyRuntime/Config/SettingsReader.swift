import GalleyCore

/// Reads the environment through ``SettingsTable``: each read takes its default and range
/// from the setting's one definition. Reading a name the table lacks is a configuration
/// error naming it, so a setting cannot be read without being documented.
struct SettingsReader {
    let environment: EnvironmentReader

    private func definition(_ name: String) throws(ConfigurationError) -> SettingDefinition {
        guard let definition = SettingsTable.definition(name) else {
            throw .invalid(name, expected: "a setting defined in SettingsTable")
        }
        return definition
    }

    /// The raw value, nil when unset (empty counts as unset).
    func text(_ name: String) throws(ConfigurationError) -> String? {
        let definition = try definition(name)
        return environment.string(name) ?? definition.defaultValue
    }

    func text(_ name: String, computed: String) throws(ConfigurationError) -> String {
        try text(name) ?? computed
    }

    func required(_ name: String) throws(ConfigurationError) -> String {
        guard let value = try text(name) else { throw .missing(name) }
        return value
    }

    func int(_ name: String, computed: Int? = nil) throws(ConfigurationError) -> Int {
        guard let value = try optionalInt(name) ?? computed else { throw .missing(name) }
        return value
    }

    func optionalInt(_ name: String) throws(ConfigurationError) -> Int? {
        let definition = try definition(name)
        guard let text = environment.string(name) ?? definition.defaultValue else { return nil }
        switch definition.kind {
        case .integer(let range), .wholeSeconds(let range), .milliseconds(let range), .days(let range):
            return try EnvironmentReader([name: text]).int(name, default: 0, in: range)
        default:
            throw .invalid(name, expected: "an integer setting")
        }
    }

    func number(_ name: String, computed: Double? = nil) throws(ConfigurationError) -> Double {
        guard let value = try optionalNumber(name) ?? computed else { throw .missing(name) }
        return value
    }

    private func optionalNumber(_ name: String) throws(ConfigurationError) -> Double? {
        let definition = try definition(name)
        guard let text = environment.string(name) ?? definition.defaultValue else { return nil }
        switch definition.kind {
        case .number(let range), .seconds(let range):
            return try EnvironmentReader([name: text]).double(name, default: 0, in: range)
        default:
            throw .invalid(name, expected: "a number setting")
        }
    }

    func flag(_ name: String, computed: Bool? = nil) throws(ConfigurationError) -> Bool {
        let definition = try definition(name)
        guard let text = environment.string(name) ?? definition.defaultValue else {
            guard let computed else { throw .missing(name) }
            return computed
        }
        return try EnvironmentReader([name: text]).bool(name, default: false)
    }

    func choice(_ name: String) throws(ConfigurationError) -> String {
        let definition = try definition(name)
        guard case .choice(let allowed) = definition.kind else { throw .invalid(name, expected: "a choice setting") }
        guard let text = environment.string(name) ?? definition.defaultValue else { throw .missing(name) }
        return try EnvironmentReader([name: text]).oneOf(name, allowed, default: "")
    }

    /// A time setting as a `Duration`, in the unit its definition names.
    func duration(_ name: String, computed: Duration? = nil) throws(ConfigurationError) -> Duration {
        guard let value = try optionalDuration(name) ?? computed else { throw .missing(name) }
        return value
    }

    func optionalDuration(_ name: String) throws(ConfigurationError) -> Duration? {
        let definition = try definition(name)
        switch definition.kind {
        case .seconds: return try optionalNumber(name).map { .milliseconds(Int64(($0 * 1000).rounded())) }
        case .wholeSeconds: return try optionalInt(name).map { .seconds($0) }
        case .milliseconds: return try optionalInt(name).map { .milliseconds($0) }
        case .days: return try optionalInt(name).map { .seconds($0 * 86_400) }
        default: throw .invalid(name, expected: "a time setting")
        }
    }
}
