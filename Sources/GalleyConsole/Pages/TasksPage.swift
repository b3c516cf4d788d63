import Foundation
import GalleyAdmin

/// Find tasks by user, device, task or DashScope task id; a task's timeline from its rows;
/// retry a failed one as a new charged task, only with the operator's explicit confirmation.
enum TasksPage {
    static let kinds: [(String, String)] = [("user", "user id"), ("device", "device id"), ("task", "task id"), ("provider", "DashScope task id")]

    static func search(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsolePage {
        let by = request.query["by"] ?? "user"
        let text = request.query["q"]
        let options = kinds.map { value, label -> HTML in
            "<option value=\"\(value)\"\(value == by ? HTML(trusted: " selected") : "")>\(label)</option>"
        }
        let form: HTML = """
        <form class="search" method="get" action="/admin/tasks"><label>by<select name="by">\(options)</select></label>
        <label>value<input name="q" value="\(text ?? "")" size="28" required></label><button type="submit">Search</button></form>
        """
        guard let text else {
            return ConsolePage(title: "Tasks", section: .tasks, lead: form, content: "<p class=\"muted\">Search by one of the keys above.</p>")
        }
        let query: AdminTaskQuery
        switch by {
        case "device": query = .device(text)
        case "provider": query = .providerTask(text)
        case "task":
            guard let id = Int64(text) else { throw AdminError.invalid("a task id is a number") }
            query = .task(id)
        default:
            guard let id = Int64(text) else { throw AdminError.invalid("a user id is a number") }
            query = .user(id)
        }
        let page = try admin.searchTasks(query, page: AdminPageRequest(limit: 50, cursor: request.query["cursor"]))
        let rows = page.items.map { task -> HTML in
            """
            <tr><td><a href="\(ConsoleFormat.link("/admin/tasks/show", [("id", String(task.id))]))">\(task.id)</a></td>
            <td><a href="\(ConsoleFormat.link("/admin/users", [("q", String(task.userID))]))">\(task.userID)</a></td>
            <td>\(ConsoleFormat.status(task.status))</td><td class="num">\(task.pointsCost)</td><td><code>\(task.providerTaskID ?? "—")</code></td>
            <td>\(task.errorCode ?? "")\(task.errorMessage.map { " " + $0 } ?? "")</td>
            <td>\(ConsoleFormat.time(task.createdAt))</td><td>\(ConsoleFormat.time(task.completedAt))</td><td>\(ConsoleFormat.time(task.refundedAt))</td></tr>
            """
        }
        let next: HTML = page.nextCursor.map {
            "<div class=\"pager\"><a href=\"\(ConsoleFormat.link("/admin/tasks", [("by", by), ("q", text), ("cursor", $0)]))\">Older →</a></div>"
        } ?? ""
        let table: HTML = page.items.isEmpty ? "<p class=\"muted\">No task matches.</p>" : """
        <table id="tasks"><thead><tr><th>task</th><th>user</th><th>status</th><th class="num">cost</th><th>DashScope task</th><th>error</th>
        <th>created</th><th>completed</th><th>refunded</th></tr></thead><tbody>\(rows)</tbody></table>
        """
        return ConsolePage(title: "Tasks", section: .tasks, lead: form, content: table + next)
    }

    static func show(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsolePage {
        guard let id = request.query["id"].flatMap({ Int64($0) }) else { throw AdminError.invalid("a task id is a number") }
        guard let detail = try admin.task(id: id) else { throw AdminError.notFound("task \(id)") }
        let task = detail.task
        let steps = detail.timeline.map { step -> HTML in
            "<li data-step=\"\(step.step)\"><strong>\(step.step.replacingOccurrences(of: "_", with: " "))</strong> <span class=\"muted\">\(ConsoleFormat.time(step.at))</span>\(step.detail.map { detail -> HTML in "<br>\(detail)" })</li>"
        }
        let ledger = detail.ledger.map { row -> HTML in
            "<tr><td>\(row.id)</td><td>\(row.kind)</td><td class=\"num\">\(row.amount)</td><td class=\"num\">\(row.balanceAfter)</td><td>\(ConsoleFormat.time(row.createdAt))</td></tr>"
        }
        let fields: HTML = """
        <dl class="fields"><dt>status</dt><dd id="task-status">\(ConsoleFormat.status(task.status))</dd>
        <dt>user</dt><dd><a href="\(ConsoleFormat.link("/admin/users", [("q", String(task.userID))]))">\(task.userID)</a></dd>
        <dt>cost</dt><dd>\(task.pointsCost) points</dd><dt>DashScope task</dt><dd><code>\(task.providerTaskID ?? "—")</code> \(detail.providerStatus ?? "")</dd>
        <dt>worker</dt><dd>\(detail.worker ?? "—") \(detail.leaseUntil.map { "(lease until \(ConsoleFormat.time($0)))" } ?? "")</dd>
        <dt>error</dt><dd>\(task.errorCode ?? "—") \(task.errorMessage ?? "")</dd>
        <dt>source image</dt><dd><code>\(detail.sourceImageURL)</code></dd><dt>result</dt><dd><code>\(detail.resultURL ?? "—")</code></dd>
        <dt>hidden by the user</dt><dd>\(task.hidden ? "yes" : "no")</dd></dl>
        """
        let content: HTML = """
        \(fields)<h2>Timeline</h2><ol class="timeline" id="timeline">\(steps)</ol>
        <h2>Ledger rows</h2><table><thead><tr><th>id</th><th>type</th><th class="num">amount</th><th class="num">balance after</th><th>at</th></tr></thead><tbody>\(ledger)</tbody></table>
        """
        let retry: HTML? = task.status == "failed" ? """
        <form class="panel" method="post" action="/admin/tasks/retry" data-confirm="Create a NEW task for user \(task.userID), charged now?">\(request.csrfField)
        <input type="hidden" name="id" value="\(task.id)"><strong>Retry as a new task</strong>
        <label class="check"><input type="checkbox" name="confirm" value="yes"> I confirm: a new task is created and charged at today's price</label>
        <button type="submit">Retry</button></form>
        """ : nil
        let final: Set<String> = ["completed", "failed"]
        return ConsolePage(title: "Task \(task.id)", section: .tasks, lead: retry ?? "", content: content, live: !final.contains(task.status))
    }

    static func retry(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsoleAnswer {
        guard let id = request.form["id"].flatMap({ Int64($0) }) else { throw AdminError.invalid("a task id is a number") }
        let back = ConsoleFormat.link("/admin/tasks/show", [("id", String(id))])
        do {
            let retry = try admin.retryTask(id: id, confirm: request.form["confirm"] == "yes", by: AdminOperator(request.user))
            return .seeOther(path: ConsoleFormat.link("/admin/tasks/show", [("id", String(retry.newTaskID))]),
                             flash: .ok("Task \(id) retried as task \(retry.newTaskID), charged \(retry.pointsCharged) points."))
        } catch let error as AdminError {
            return .seeOther(path: back, flash: .bad(error.description))
        }
    }
}
