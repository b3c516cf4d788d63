import Foundation
import GalleyAdmin

/// A user's profile, balance, VIP and subscriptions, ledger and orders; the points
/// adjustment form (a credit or a debit with a reason, through the ledger).
enum UsersPage {
    static func render(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsolePage {
        let text = request.query["q"]
        let form: HTML = """
        <form class="search" method="get" action="/admin/users"><label>user id or device id<input name="q" value="\(text ?? "")" size="36" required></label>
        <button type="submit">Find</button></form>
        """
        guard let text else {
            return ConsolePage(title: "Users", section: .users, lead: form, content: "<p class=\"muted\">Find a user by id or device id.</p>")
        }
        let found = try Int64(text).flatMap { try admin.user(id: $0) } ?? admin.user(deviceID: text)
        guard let user = found else {
            return ConsolePage(title: "Users", section: .users, lead: form, content: "<p class=\"muted\">No user with id or device id \(text).</p>")
        }
        let ledger = try admin.ledger(userID: user.id, page: AdminPageRequest(limit: 25, cursor: request.query["ledger_cursor"]))
        let orders = try admin.orders(userID: user.id, page: AdminPageRequest(limit: 25))
        let profile: HTML = """
        <dl class="fields"><dt>user id</dt><dd>\(user.id)</dd><dt>device id</dt><dd><code>\(user.deviceID)</code></dd>
        <dt>nickname</dt><dd>\(user.nickname ?? "—")</dd><dt>balance</dt><dd id="balance"><strong>\(user.balance)</strong> points</dd>
        <dt>VIP</dt><dd>\(user.isVIP ? "yes" : "no") \(user.vipType ?? "") \(user.vipExpireTime.map { "until \(ConsoleFormat.time($0))" } ?? "")</dd>
        <dt>created</dt><dd>\(ConsoleFormat.time(user.createdAt))</dd>
        <dt>tasks</dt><dd><a href="\(ConsoleFormat.link("/admin/tasks", [("by", "user"), ("q", String(user.id))]))">this user's tasks</a> ·
        <a href="\(ConsoleFormat.link("/admin/events", [("by", "user"), ("q", String(user.id))]))">webhook events</a></dd></dl>
        """
        let adjust: HTML = """
        <h2>Adjust points</h2>
        <form class="panel" method="post" action="/admin/users/adjust" id="adjust-form">\(request.csrfField)
        <input type="hidden" name="user" value="\(user.id)"><input type="hidden" name="key" value="\(ConsoleFormat.requestKey())">
        <label>amount (negative debits)<input name="amount" type="number" required step="1"></label>
        <label>reason<input name="reason" size="40" maxlength="500" required></label>
        <button type="submit">Apply</button><span class="muted">A ledger row of type reward (credit) or consume (debit); the balance never goes below 0.</span></form>
        """
        let subscriptionRows = user.subscriptions.map { sub -> HTML in
            "<tr><td>\(sub.productID)</td><td>\(sub.planType)</td><td>\(ConsoleFormat.status(sub.status))</td><td>\(sub.willRenew ? "yes" : "no")</td><td>\(ConsoleFormat.time(sub.currentPeriodEnd))</td><td>\(sub.environment ?? "—")</td></tr>"
        }
        let subscriptions: HTML = user.subscriptions.isEmpty ? "<h2>Subscriptions</h2><p class=\"muted\">None.</p>" : """
        <h2>Subscriptions</h2><table><thead><tr><th>product</th><th>plan</th><th>status</th><th>renews</th><th>period ends</th><th>environment</th></tr></thead>
        <tbody>\(subscriptionRows)</tbody></table>
        """
        let ledgerRows = ledger.items.map { row -> HTML in
            """
            <tr><td>\(row.id)</td><td>\(row.kind)</td><td class="num">\(row.amount)</td><td class="num">\(row.balanceAfter)</td>
            <td>\(row.taskType ?? "")\(row.orderNo ?? "")\(row.rewardWeek ?? "")</td><td><code>\(row.reference ?? "")</code></td><td>\(ConsoleFormat.time(row.createdAt))</td></tr>
            """
        }
        let ledgerNext: HTML = ledger.nextCursor.map {
            "<div class=\"pager\"><a href=\"\(ConsoleFormat.link("/admin/users", [("q", text), ("ledger_cursor", $0)]))\">Older ledger rows →</a></div>"
        } ?? ""
        let ledgerTable: HTML = """
        <h2>Ledger</h2><table id="ledger"><thead><tr><th>id</th><th>type</th><th class="num">amount</th><th class="num">balance after</th><th>for</th><th>reference</th><th>at</th></tr></thead>
        <tbody>\(ledgerRows)</tbody></table>\(ledgerNext)
        """
        let orderRows = orders.items.map { order -> HTML in
            """
            <tr><td><code>\(order.orderNo)</code></td><td>\(order.productType)</td><td>\(order.productID)</td><td class="num">\(order.amount) \(order.currency)</td>
            <td>\(ConsoleFormat.status(order.status))</td><td>\(order.paymentChannel ?? "—")</td><td><code>\(order.transactionID ?? "—")</code></td>
            <td>\(ConsoleFormat.time(order.createdAt))</td><td>\(ConsoleFormat.time(order.paidAt))</td></tr>
            """
        }
        let orderTable: HTML = orders.items.isEmpty ? "<h2>Orders</h2><p class=\"muted\">None.</p>" : """
        <h2>Orders</h2><table><thead><tr><th>order</th><th>type</th><th>product</th><th class="num">amount</th><th>status</th><th>channel</th><th>transaction</th><th>created</th><th>paid</th></tr></thead>
        <tbody>\(orderRows)</tbody></table>
        """
        return ConsolePage(title: "User \(user.id)", section: .users, lead: form,
                           content: profile + adjust + subscriptions + ledgerTable + orderTable)
    }

    static func adjust(_ request: ConsoleRequest, admin: AdminOperations) throws -> ConsoleAnswer {
        guard let userID = request.form["user"].flatMap({ Int64($0) }) else { throw AdminError.invalid("a user id is a number") }
        let back = ConsoleFormat.link("/admin/users", [("q", String(userID))])
        guard let amount = request.form["amount"].flatMap({ Int($0) }) else {
            return .seeOther(path: back, flash: .bad("The amount must be a whole number."))
        }
        do {
            let result = try admin.adjustPoints(userID: userID, amount: amount, reason: request.form["reason"] ?? "",
                                                requestKey: request.form["key"], by: AdminOperator(request.user))
            let message = result.duplicate
                ? "This form was already applied; nothing changed (balance \(result.balanceAfter))."
                : "\(result.amount > 0 ? "Credited" : "Debited") \(abs(result.amount)) points: balance \(result.balanceBefore) → \(result.balanceAfter)."
            return .seeOther(path: back, flash: .ok(message))
        } catch let error as AdminError {
            return .seeOther(path: back, flash: .bad(error.description))
        }
    }
}
