import Foundation

/// docs/settings.md, generated from the table (`APIGateway settings --markdown`); a test
/// fails when the file and the table drift apart.
extension SettingsTable {
    public static func markdown() -> String {
        var lines = [
            "# Settings",
            "",
            "Generated from `Sources/GalleyRuntime/Config/SettingsTable.swift` by",
            "`APIGateway settings --markdown > docs/settings.md`; do not edit by hand.",
            "Every setting is an environment variable; an empty value counts as unset.",
            "Times are parsed into `Duration` in the unit the name says.",
            "",
            "| setting | default | allowed | read by | meaning |",
            "| --- | --- | --- | --- | --- |",
        ]
        for definition in definitions {
            let readers = definition.readBy.count == GalleyExecutable.allCases.count
                ? "all" : definition.readBy.sorted().map(\.rawValue).joined(separator: ", ")
            let cells = ["`\(definition.name)`", definition.defaultDescription, definition.allowed, readers, definition.summary]
            lines.append("| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A plain table for a terminal.
    public static func text(for executable: GalleyExecutable) -> String {
        definitions(readBy: executable).map { definition in
            let value = definition.kind.isSecret ? "" : definition.defaultValue ?? ""
            return "\(definition.name)=\(value)  # \(definition.summary) [default: \(definition.defaultDescription)]"
        }
            .joined(separator: "\n")
    }
}
