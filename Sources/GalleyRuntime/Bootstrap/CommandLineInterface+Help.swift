/// `--help`: usage, subcommands, exit statuses and the settings the executable reads,
/// all from the command list and ``SettingsTable``.
extension CommandLineInterface {
    public var usage: String {
        let name = executable.rawValue
        var lines: [String] = []
        for (index, command) in commands.enumerated() {
            let isDefault = command.name == defaultCommand
            let words = [isDefault ? "[\(command.name)]" : command.name, command.synopsis].filter { !$0.isEmpty }
            lines.append("\(index == 0 ? "usage:" : "      ") \(name) \(words.joined(separator: " "))")
        }
        lines.append("       \(name) settings [--markdown]")
        lines.append("       \(name) --help | --version")
        return lines.joined(separator: "\n")
    }

    public var help: String {
        var lines = [usage, "", "commands:"]
        let width = (commands.map(\.name.count) + [8]).max() ?? 8
        for command in commands {
            let suffix = command.name == defaultCommand ? " (the default)" : ""
            lines.append("  \(command.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(command.summary)\(suffix)")
            lines.append(contentsOf: command.details)
        }
        lines.append("  \("settings".padding(toLength: width, withPad: " ", startingAt: 0))  print the settings below (--markdown: as docs/settings.md)")
        lines.append("")
        lines.append("settings (environment variables; empty counts as unset):")
        let definitions = SettingsTable.definitions(readBy: executable)
        let nameWidth = definitions.map(\.name.count).max() ?? 0
        for definition in definitions {
            let padded = definition.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            lines.append("  \(padded)  \(definition.summary) [default: \(definition.defaultDescription)]")
        }
        lines.append("")
        lines.append(ExitCode.legend)
        return lines.joined(separator: "\n")
    }
}
