import Foundation
import GalleyCore
import GalleyRuntime
import GalleyAdmin

/// The business config in force, where it came from, when it was read, the last
/// validation error; and the gateway's settings with every secret redacted.
enum ConfigPage {
    static func render(_ request: ConsoleRequest, admin: AdminOperations, environment: [String: String]) -> ConsolePage {
        let status = admin.configStatus()
        let fields: HTML = """
        <dl class="fields"><dt>source</dt><dd id="config-source">\(status.source)</dd><dt>path</dt><dd><code>\(status.path ?? "—")</code></dd>
        <dt>last reload</dt><dd>\(ConsoleFormat.time(status.loadedAt))</dd>
        <dt>last validation error</dt><dd>\(status.lastError.map { error -> HTML in "<span class=\"bad\">\(error)</span>" } ?? "none")</dd></dl>
        <h2>Business config in force</h2><pre id="config-document">\(ConsoleFormat.json(status.document))</pre>
        """
        let rows = SettingsTable.definitions(readBy: .apiGateway).map { definition -> HTML in
            let value: HTML
            if let set = environment[definition.name], !set.isEmpty {
                value = isSecret(definition) ? "<span class=\"muted\">set (hidden)</span>" : "<code>\(set)</code>"
            } else {
                value = "<span class=\"muted\">default</span> <code>\(definition.defaultValue ?? "")</code>"
            }
            return "<tr><td><code>\(definition.name)</code></td><td>\(value)</td></tr>"
        }
        let settings: HTML = """
        <h2>Gateway settings</h2><p class="muted">From this process's environment; secrets are never shown.</p>
        <table id="settings"><thead><tr><th>setting</th><th>value</th></tr></thead><tbody>\(rows)</tbody></table>
        """
        return ConsolePage(title: "Config", section: .config, content: fields + settings)
    }

    /// Secret by kind, or by a name that says so (belt and braces: a secret declared as text stays hidden).
    static func isSecret(_ definition: SettingDefinition) -> Bool {
        definition.kind.isSecret || ["PASSWORD", "SECRET", "API_KEY", "TOKEN"].contains { definition.name.contains($0) }
    }
}
