import Foundation
import GalleyAdmin

/// RevenueCat events by user, event id, transaction id or status; the parked and failed
/// ones waiting for an operator (the default list); replay through the applier.
enum EventsPage {
    static let kinds: [(String, String)] = [("waiting", "parked and failed"), ("user", "user id"), ("event", "event id"),
                                            ("transaction", "transaction id"), ("status", "status")]

    static func search(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsolePage {
        let by = request.query["by"] ?? "waiting"
        let text = request.query["q"]
        let options = kinds.map { value, label -> HTML in
            "<option value=\"\(value)\"\(value == by ? HTML(trusted: " selected") : "")>\(label)</option>"
        }
        let form: HTML = """
        <form class="search" method="get" action="/admin/events"><label>by<select name="by">\(options)</select></label>
        <label>value<input name="q" value="\(text ?? "")" size="32"></label><button type="submit">Search</button></form>
        """
        let query: AdminEventQuery
        switch (by, text) {
        case ("user", let text?):
            guard let id = Int64(text) else { throw AdminError.invalid("a user id is a number") }
            query = .user(id)
        case ("event", let text?): query = .event(text)
        case ("transaction", let text?): query = .transaction(text)
        case ("status", let text?): query = .status(text)
        default: query = .waiting
        }
        let page = try admin.searchEvents(query, page: AdminPageRequest(limit: 50, cursor: request.query["cursor"]))
        let rows = page.items.map { event -> HTML in
            """
            <tr><td><a href="\(ConsoleFormat.link("/admin/events/show", [("id", event.eventID)]))"><code>\(event.eventID)</code></a></td>
            <td>\(event.eventType)</td><td>\(ConsoleFormat.status(event.status))</td><td>\(event.reason ?? "")</td><td class="num">\(event.attempts)</td>
            <td>\(event.userID.map { id -> HTML in "<a href=\"\(ConsoleFormat.link("/admin/users", [("q", String(id))]))\">\(id)</a>" } ?? "—")</td>
            <td><code>\(event.transactionID ?? "—")</code></td><td>\(ConsoleFormat.time(event.receivedAt))</td></tr>
            """
        }
        let next: HTML = page.nextCursor.map {
            "<div class=\"pager\"><a href=\"\(ConsoleFormat.link("/admin/events", [("by", by), ("q", text), ("cursor", $0)]))\">Older →</a></div>"
        } ?? ""
        let table: HTML = page.items.isEmpty ? "<p class=\"muted\">No event matches.</p>" : """
        <table id="events"><thead><tr><th>event</th><th>type</th><th>status</th><th>reason</th><th class="num">attempts</th><th>user</th>
        <th>transaction</th><th>received</th></tr></thead><tbody>\(rows)</tbody></table>
        """
        return ConsolePage(title: "Webhook events", section: .events, lead: form, content: table + next)
    }

    static func show(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsolePage {
        guard let id = request.query["id"] else { throw AdminError.invalid("an event id is required") }
        guard let event = try admin.event(id: id) else { throw AdminError.notFound("event \(id)") }
        let fields: HTML = """
        <dl class="fields"><dt>type</dt><dd>\(event.eventType)</dd><dt>status</dt><dd id="event-status">\(ConsoleFormat.status(event.status))</dd>
        <dt>reason</dt><dd>\(event.reason ?? "—")</dd><dt>attempts</dt><dd>\(event.attempts)</dd>
        <dt>next attempt</dt><dd>\(ConsoleFormat.time(event.nextAttemptAt))</dd><dt>app user id</dt><dd><code>\(event.appUserID ?? "—")</code></dd>
        <dt>user</dt><dd>\(event.userID.map { id -> HTML in "<a href=\"\(ConsoleFormat.link("/admin/users", [("q", String(id))]))\">\(id)</a>" } ?? "—")</dd>
        <dt>product</dt><dd>\(event.productID ?? "—")</dd><dt>transaction</dt><dd><code>\(event.transactionID ?? "—")</code></dd>
        <dt>received</dt><dd>\(ConsoleFormat.time(event.receivedAt))</dd><dt>processed</dt><dd>\(ConsoleFormat.time(event.processedAt))</dd></dl>
        <h2>Payload</h2><pre>\(ConsoleFormat.json(event.payload))</pre>
        """
        let replay: HTML = """
        <form class="panel" method="post" action="/admin/events/replay" data-confirm="Apply event \(event.eventID) again? It takes effect at most once.">\(request.csrfField)
        <input type="hidden" name="id" value="\(event.eventID)"><button type="submit">Replay through the applier</button>
        <span class="muted">An event takes effect once: replaying a processed one changes nothing.</span></form>
        """
        return ConsolePage(title: "Event \(event.eventID)", section: .events, lead: replay, content: fields)
    }

    static func replay(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsoleAnswer {
        guard let id = request.form["id"] else { throw AdminError.invalid("an event id is required") }
        let result = try admin.replayEvent(id: id, by: AdminOperator(request.user))
        let message = "Event \(id): \(result.outcome)" + (result.reason.map { " (\($0))" } ?? "")
        let good: Set<String> = ["processed", "ignored", "alreadyDone"]
        return .seeOther(path: ConsoleFormat.link("/admin/events/show", [("id", id)]),
                         flash: good.contains(result.outcome) ? .ok(message) : .bad(message))
    }
}
