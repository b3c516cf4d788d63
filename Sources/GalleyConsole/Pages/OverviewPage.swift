import Foundation
import GalleyAdmin

/// Queues, consumers, node ids, the outbox, PostgreSQL and Redis, and the last hour's
/// throughput, from ``AdminOperations/overview(now:)``; live.
enum OverviewPage {
    static func render(_ overview: AdminOverview, now: Date) -> ConsolePage {
        let up: (Bool) -> HTML = { $0 ? "<span class=\"ok\">up</span>" : "<span class=\"bad\">down</span>" }
        let cards: HTML = """
        <div class="cards">
        <div class="card"><div class="label">PostgreSQL</div><div class="value" id="pg-up">\(up(overview.postgresUp))</div></div>
        <div class="card"><div class="label">Redis</div><div class="value" id="redis-up">\(up(overview.redisUp))</div></div>
        <div class="card"><div class="label">Outbox backlog</div><div class="value">\(ConsoleFormat.number(overview.outboxBacklog))</div>
        <div class="muted">oldest \(ConsoleFormat.age(seconds: overview.oldestOutboxAgeSeconds))</div></div>
        <div class="card"><div class="label">Dead letters</div><div class="value" id="dead-total">\(ConsoleFormat.number(overview.streams.reduce(0) { $0 + $1.deadLetters }))</div></div>
        </div>
        """
        let streamRows = overview.streams.map { stream -> HTML in
            """
            <tr><td><code>\(stream.stream.rawValue)</code></td><td class="num">\(ConsoleFormat.number(stream.length))</td>
            <td class="num">\(ConsoleFormat.number(stream.lag))</td><td class="num">\(ConsoleFormat.number(stream.pending))</td>
            <td class="num">\(ConsoleFormat.age(seconds: stream.oldestPendingAgeSeconds))</td>
            <td class="num"><a href="\(ConsoleFormat.link("/admin/dead", [("stream", stream.stream.rawValue)]))" data-dead="\(stream.stream.rawValue)">\(ConsoleFormat.number(stream.deadLetters))</a></td>
            <td class="num">\(ConsoleFormat.number(stream.consumers))</td></tr>
            """
        }
        let streams: HTML = """
        <h2>Streams</h2><table id="streams"><thead><tr><th>stream</th><th class="num">length</th><th class="num">lag</th>
        <th class="num">pending</th><th class="num">oldest pending</th><th class="num">dead letters</th><th class="num">consumers</th></tr></thead>
        <tbody>\(streamRows)</tbody></table>
        """
        let buckets = overview.throughput
        let first = ConsoleFormat.time(buckets.first?.minute).dropFirst(11).prefix(5)
        let last = ConsoleFormat.time(buckets.last?.minute).dropFirst(11).prefix(5)
        func chart(_ title: String, _ values: [Int], failures: Bool = false) -> HTML {
            ConsoleChart.bars(title: title, values: values, failures: failures, firstLabel: String(first), lastLabel: String(last))
        }
        let charts: HTML = """
        <h2>Last hour, per minute</h2><div class="charts">
        \(chart("Tasks created", buckets.map(\.tasksCreated)))
        \(chart("Tasks completed", buckets.map(\.tasksCompleted)))
        \(chart("Tasks failed", buckets.map(\.tasksFailed), failures: true))
        \(chart("Webhook events received", buckets.map(\.eventsReceived)))
        \(chart("Webhook events processed", buckets.map(\.eventsProcessed)))
        \(chart("Webhook events failed or parked", buckets.map(\.eventsFailed), failures: true))
        </div>
        """
        let consumerRows = overview.consumers.map { consumer -> HTML in
            """
            <tr><td><code>\(consumer.stream.rawValue)</code></td><td>\(consumer.name)</td><td class="num">\(ConsoleFormat.number(consumer.pending))</td>
            <td>\(ConsoleFormat.age(seconds: Double(consumer.idleMilliseconds) / 1000)) ago</td><td>\(ConsoleFormat.time(consumer.lastSeen))</td></tr>
            """
        }
        let consumers: HTML = overview.consumers.isEmpty ? "<h2>Consumers</h2><p class=\"muted\">No consumer has joined a group.</p>" : """
        <h2>Consumers</h2><table><thead><tr><th>stream</th><th>consumer</th><th class="num">pending</th><th>last heartbeat</th><th>at</th></tr></thead>
        <tbody>\(consumerRows)</tbody></table>
        """
        let nodeRows = overview.snowflakeNodes.map { node -> HTML in
            "<tr><td class=\"num\">\(node.nodeID)</td><td><code>\(node.holder)</code></td><td>\(ConsoleFormat.age(seconds: Double(node.expiresInMilliseconds) / 1000))</td></tr>"
        }
        let nodes: HTML = """
        <h2>Leased Snowflake node ids</h2><table><thead><tr><th class="num">node</th><th>holder</th><th>lease expires in</th></tr></thead>
        <tbody>\(nodeRows)</tbody></table>
        """
        let stamp: HTML = "<p class=\"muted\">As of \(ConsoleFormat.time(overview.generatedAt)).</p>"
        return ConsolePage(title: "Overview", section: .overview, content: cards + streams + charts + consumers + nodes + stamp, live: true)
    }
}
