import Foundation
import GalleyCore
import GalleyAdmin

/// Every operator action from `admin_audit`: who, when, what, before and after.
enum AuditPage {
    static func render(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsolePage {
        let query = AdminAuditQuery(actor: request.query["actor"], action: request.query["action"], target: request.query["target"])
        let page = try admin.audit(query, page: AdminPageRequest(limit: 50, cursor: request.query["cursor"]))
        let form: HTML = """
        <form class="search" method="get" action="/admin/audit"><label>who<input name="actor" value="\(query.actor ?? "")"></label>
        <label>action<input name="action" value="\(query.action ?? "")" placeholder="points.adjust"></label>
        <label>target<input name="target" value="\(query.target ?? "")" placeholder="user:123"></label><button type="submit">Filter</button></form>
        """
        let rows = page.items.map { entry -> HTML in
            """
            <tr><td>\(entry.id)</td><td>\(ConsoleFormat.time(entry.at))</td><td>\(entry.actor)</td><td><code>\(entry.action)</code></td>
            <td><code>\(entry.target)</code></td><td><pre>\(ConsoleFormat.json(entry.before))</pre></td><td><pre>\(ConsoleFormat.json(entry.after))</pre></td></tr>
            """
        }
        let next: HTML = page.nextCursor.map {
            "<div class=\"pager\"><a href=\"\(ConsoleFormat.link("/admin/audit", [("actor", query.actor), ("action", query.action), ("target", query.target), ("cursor", $0)]))\">Older →</a></div>"
        } ?? ""
        let table: HTML = page.items.isEmpty ? "<p class=\"muted\">No action recorded.</p>" : """
        <table id="audit"><thead><tr><th>id</th><th>when</th><th>who</th><th>action</th><th>target</th><th>before</th><th>after</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """
        return ConsolePage(title: "Audit", section: .audit, lead: form, content: table + next)
    }
}
