import Foundation
import GalleyAdmin

/// Each stream's dead letters with reason, deliveries, payload and the row they name;
/// replay one, replay selected, delete (``AdminOperations`` says what each did).
enum DeadLettersPage {
    static func stream(_ request: ConsoleRequest) -> AdminStream {
        request.query["stream"].flatMap { AdminStream(name: $0) } ?? .emojiTasks
    }

    static func render(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsolePage {
        let stream = stream(request)
        let page = try admin.deadLetters(stream, page: AdminPageRequest(limit: 50, cursor: request.query["cursor"]))
        let tabs = AdminStream.allCases.map { candidate -> HTML in
            let here: HTML = candidate == stream ? " class=\"here\"" : ""
            return "<a href=\"\(ConsoleFormat.link("/admin/dead", [("stream", candidate.rawValue)]))\"\(here)><code>\(candidate.deadLetterStream)</code></a>"
        }
        let back = ConsoleFormat.link("/admin/dead", [("stream", stream.rawValue)])
        let rows = page.items.map { letter -> HTML in
            let payload = letter.payload.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
            let target: HTML = letter.target.map { target in
                let path = target.kind == "task" ? ConsoleFormat.link("/admin/tasks/show", [("id", target.id)])
                                                 : ConsoleFormat.link("/admin/events/show", [("id", target.id)])
                let user: HTML = target.userID.map { "<br>user <a href=\"\(ConsoleFormat.link("/admin/users", [("q", String($0))]))\">\($0)</a>" } ?? ""
                let detail: HTML = target.detail.map { "<br><span class=\"muted\">\($0)</span>" } ?? ""
                return "\(target.kind) <a href=\"\(path)\">\(target.id)</a> \(ConsoleFormat.status(target.status))\(user)\(detail)"
            } ?? "<span class=\"muted\">no row</span>"
            return """
            <tr data-dead-id="\(letter.id)"><td><input type="checkbox" name="id" value="\(letter.id)" aria-label="select \(letter.id)"></td>
            <td><code>\(letter.id)</code><br><span class="muted">\(ConsoleFormat.time(letter.deadAt))</span></td>
            <td>\(letter.reason ?? "—")</td><td class="num">\(ConsoleFormat.number(letter.deliveries))</td>
            <td>\(target)</td><td><pre>\(payload)</pre></td>
            <td><button name="one" value="\(letter.id)" formaction="/admin/dead/replay" class="secondary">Replay</button>
            <button name="one" value="\(letter.id)" formaction="/admin/dead/delete" class="danger" data-confirm="Delete dead letter \(letter.id)? It cannot be replayed afterwards.">Delete</button></td></tr>
            """
        }
        let next: HTML = page.nextCursor.map {
            "<div class=\"pager\"><a href=\"\(ConsoleFormat.link("/admin/dead", [("stream", stream.rawValue), ("cursor", $0)]))\">Older →</a></div>"
        } ?? ""
        let table: HTML = page.items.isEmpty ? "<p class=\"muted\" id=\"no-dead\">No dead letters in <code>\(stream.deadLetterStream)</code>.</p>" : """
        <form method="post" action="/admin/dead/replay" id="dead-form">\(request.csrfField)
        <input type="hidden" name="stream" value="\(stream.rawValue)"><input type="hidden" name="back" value="\(back)">
        <p><button type="submit" formaction="/admin/dead/replay">Replay selected</button>
        <button type="submit" formaction="/admin/dead/delete" class="danger" data-confirm="Delete the selected dead letters?">Delete selected</button></p>
        <table id="dead"><thead><tr><th><input type="checkbox" data-select-all="id" aria-label="select all"></th><th>entry</th><th>reason</th>
        <th class="num">deliveries</th><th>row</th><th>payload</th><th></th></tr></thead><tbody>\(rows)</tbody></table></form>
        """
        return ConsolePage(title: "Dead letters", section: .dead,
                           lead: "<p class=\"pager\">\(tabs)</p>", content: table + next)
    }

    /// Replays or deletes the ticked entries (or the one whose button was pressed).
    static func act(_ request: ConsoleRequest, admin: AdminOperations, delete: Bool) throws -> ConsoleAnswer {
        guard let stream = request.form["stream"].flatMap({ AdminStream(name: $0) }) else {
            return .seeOther(path: ConsoleResponder.returnPath(request), flash: .bad("Unknown stream."))
        }
        let ids = request.form["one"].map { [$0] } ?? request.form.all("id")
        guard !ids.isEmpty else {
            return .seeOther(path: ConsoleResponder.returnPath(request), flash: .bad("Nothing selected."))
        }
        let actor = AdminOperator(request.user)
        let results = delete ? try admin.deleteDeadLetters(stream, ids: ids, by: actor)
                             : try admin.replayDeadLetters(stream, ids: ids, by: actor)
        let summary = results.map { result in
            "\(result.id): \(result.outcome.rawValue)" + (result.newID.map { " as \($0)" } ?? "") + (result.detail.map { " (\($0))" } ?? "")
        }.joined(separator: "; ")
        let allDone = results.allSatisfy { $0.outcome == .replayed || $0.outcome == .deleted || $0.outcome == .gone }
        return .seeOther(path: ConsoleResponder.returnPath(request), flash: allDone ? .ok(summary) : .bad(summary))
    }
}
