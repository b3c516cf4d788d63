import Foundation
import GalleyAdmin

/// Reward runs: history with counts and duration, a running one's progress (live), and
/// starting a run for a week: a dry run first, then the start form with a confirmation.
enum RewardsPage {
    static func render(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsolePage {
        let page = try admin.rewardRuns(week: nil, page: AdminPageRequest(limit: 50, cursor: request.query["cursor"]))
        let rows = page.items.map { run -> HTML in
            """
            <tr><td>\(run.id)</td><td>\(run.week)</td><td>\(ConsoleFormat.status(run.outcome))</td><td class="num">\(run.batches)</td>
            <td class="num">\(ConsoleFormat.number(run.eligible))</td><td class="num">\(ConsoleFormat.number(run.credited))</td>
            <td class="num">\(ConsoleFormat.number(run.alreadyCredited))</td><td class="num">\(ConsoleFormat.number(run.points))</td>
            <td class="num">\(ConsoleFormat.age(seconds: run.durationSeconds))</td><td>\(run.host)</td><td>\(ConsoleFormat.time(run.startedAt))</td></tr>
            """
        }
        let next: HTML = page.nextCursor.map { "<div class=\"pager\"><a href=\"\(ConsoleFormat.link("/admin/rewards", [("cursor", $0)]))\">Older →</a></div>" } ?? ""
        let table: HTML = page.items.isEmpty ? "<p class=\"muted\">No reward run yet.</p>" : """
        <table id="runs"><thead><tr><th>run</th><th>week</th><th>outcome</th><th class="num">batches</th><th class="num">eligible</th><th class="num">credited</th>
        <th class="num">already credited</th><th class="num">points</th><th class="num">duration</th><th>host</th><th>started</th></tr></thead><tbody>\(rows)</tbody></table>
        """
        let dry: HTML = """
        <form class="panel" method="get" action="/admin/rewards/dry-run"><strong>Start a run</strong>
        <label>ISO week (empty: the last finished week)<input name="week" placeholder="2026-W48" pattern="[0-9]{4}-W[0-9]{2}"></label>
        <button type="submit">Dry run first</button><span class="muted">A dry run counts who would be credited and writes nothing.</span></form>
        """
        return ConsolePage(title: "Reward runs", section: .rewards, lead: dry, content: table + next, live: true)
    }

    /// The dry run's counts, and the form that really starts the run for that week.
    static func dryRun(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsolePage {
        let result = try admin.rewardDryRun(week: request.query["week"])
        let content: HTML = """
        <dl class="fields" id="dry-run"><dt>week</dt><dd>\(result.week)</dd><dt>eligible users</dt><dd>\(ConsoleFormat.number(result.eligible))</dd>
        <dt>already credited</dt><dd>\(ConsoleFormat.number(result.alreadyCredited))</dd><dt>would credit</dt><dd>\(ConsoleFormat.number(result.credited)) users,
        \(ConsoleFormat.number(result.points)) points</dd><dt>dry run took</dt><dd>\(ConsoleFormat.age(seconds: result.seconds))</dd></dl>
        <form class="panel" method="post" action="/admin/rewards/start" data-confirm="Credit \(result.points) points for \(result.week)?">\(request.csrfField)
        <input type="hidden" name="week" value="\(result.week)">
        <label class="check"><input type="checkbox" name="confirm" value="yes" required> I confirm the run for \(result.week)</label>
        <button type="submit">Start the run</button><span class="muted">Users already credited for the week are skipped.</span></form>
        """
        return ConsolePage(title: "Dry run for \(result.week)", section: .rewards, content: content)
    }

    /// Starts the run on a thread of its own (it takes minutes on a large table); the
    /// history shows its progress from its `reward_runs` row meanwhile.
    static func start(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsoleAnswer {
        guard let week = request.form["week"] else { throw AdminError.invalid("a week is required") }
        guard request.form["confirm"] == "yes" else {
            return .seeOther(path: "/admin/rewards", flash: .bad("Not started: tick the confirmation after the dry run."))
        }
        let actor = AdminOperator(request.user)
        let thread = Thread {
            _ = try? admin.startRewardRun(week: week, confirm: true, by: actor)
        }
        thread.name = "console reward run"
        thread.start()
        return .seeOther(path: "/admin/rewards", flash: .ok("Reward run for \(week) started; its progress shows below."))
    }
}
