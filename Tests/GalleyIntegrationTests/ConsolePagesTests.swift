import Foundation
import Testing
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyRuntime
import GalleyAdmin
@testable import GalleyConsole
import GalleyTestSupport

/// Every console page over real PostgreSQL and Redis through ``ConsoleResponder`` (no
/// socket): each renders, actions go through GalleyAdmin and land in `admin_audit`, and
/// text from the stores is escaped. Redis database 12 is this suite's own (flushed).
@Suite(.serialized) final class ConsolePagesTests {
    let harness: WebhookHarness
    let redis = RedisPool(configuration: .testStack(database: 12), size: 4, logger: Logger(label: "test"))
    let console: ConsoleResponder
    let user: Int64 = 7_000_123
    let secret = "do-not-show-" + Base64URL.encode(Crypto.randomBytes(9))

    struct NoThrottle: ConsoleLoginThrottle {
        func retryAfter(address: String) -> Int? { nil }
        func failed(address: String) {}
    }

    init() throws {
        harness = try WebhookHarness()
        try harness.createUser(user)
        try TestEnvironment.flushRedis(redis)
        let ids = harness.ids
        let admin = AdminOperations(postgres: harness.pool, redis: redis, config: try BusinessConfigStore(path: nil, workingDirectory: NSTemporaryDirectory()), applySandboxEvents: true,
                                    ids: { ids })
        console = ConsoleResponder(configuration: ConsoleConfiguration(username: "ops", password: "pw", secretKey: Array("k".utf8)),
                                   admin: admin, throttle: NoThrottle(), clientAddress: { $0.remoteAddress },
                                   logger: Logger(label: "test"),
                                   environment: ["ADMIN_PASSWORD": secret, "DASHSCOPE_API_KEY": secret, "PORT": "8123"])
    }

    deinit {
        try? TestEnvironment.flushRedis(redis)
        redis.shutdown()
    }

    func send(_ method: String, _ target: String, body: String = "") -> (status: Int, text: String, location: String?) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "console.test")
        headers.add(name: "Authorization", value: "Basic " + Data("ops:pw".utf8).base64EncodedString())
        if method == "POST" { headers.add(name: "Sec-Fetch-Site", value: "same-origin") }
        let parts = target.split(separator: "?", maxSplits: 1)
        let response = console.respond(to: HTTPRequest(method: method, path: String(parts[0]), rawQuery: parts.count > 1 ? String(parts[1]) : "",
                                                       headers: headers, body: Array(body.utf8), remoteAddress: "127.0.0.1"))
        return (response.status, String(decoding: response.body, as: UTF8.self), response.header("Location"))
    }

    func token() throws -> String {
        let page = send("GET", "/admin/users?q=\(user)").text
        let start = try #require(page.range(of: "name=\"csrf\" value=\"")).upperBound
        return String(page[start...].prefix { $0 != "\"" })
    }

    @Test func everyPageRenders() {
        let pages: [(String, String)] = [
            ("/admin/", "<h1>Overview</h1>"), ("/admin/dead", "<h1>Dead letters</h1>"),
            ("/admin/dead?stream=webhook_events", "webhook_events:dead"), ("/admin/tasks", "<h1>Tasks</h1>"),
            ("/admin/tasks?by=user&q=\(user)", "No task matches."), ("/admin/events", "<h1>Webhook events</h1>"),
            ("/admin/users", "<h1>Users</h1>"), ("/admin/users?q=\(user)", "<h1>User \(user)</h1>"),
            ("/admin/users?q=device-\(user)", "<h1>User \(user)</h1>"), ("/admin/rewards", "<h1>Reward runs</h1>"),
            ("/admin/config", "<h1>Config</h1>"), ("/admin/audit", "<h1>Audit</h1>"),
        ]
        for (path, marker) in pages {
            let answer = send("GET", path)
            #expect(answer.status == 200, "\(path)")
            #expect(answer.text.contains(marker), "\(path) lacks \(marker)")
            #expect(!answer.text.contains("could not be built"), "\(path): \(answer.text)")
        }
        // Errors are shown, not thrown: an unknown task is a message on the page.
        #expect(send("GET", "/admin/tasks/show?id=42").text.contains("task 42 not found"))
        // A live page's fragment is the live region alone.
        #expect(!send("GET", "/admin/").text.isEmpty)
    }

    @Test func theSettingsTableHidesSecrets() {
        let page = send("GET", "/admin/config").text
        #expect(!page.contains(secret))
        #expect(page.contains("<code>ADMIN_PASSWORD</code></td><td><span class=\"muted\">set (hidden)</span>"))
        #expect(page.contains("<code>8123</code>"))
    }

    @Test func adjustingPointsWritesTheLedgerAndTheAudit() throws {
        let done = send("POST", "/admin/users/adjust", body: "csrf=\(try token())&user=\(user)&amount=750&reason=%3Cb%3Esorry%3C%2Fb%3E&key=k1")
        #expect(done.status == 303)
        let next = send("GET", try #require(done.location))
        #expect(next.text.contains("Credited 750 points: balance 0 → 750."))
        #expect(next.text.contains("<strong>750</strong>"))
        // The same form twice applies once.
        let again = send("POST", "/admin/users/adjust", body: "csrf=\(try token())&user=\(user)&amount=750&reason=x&key=k1")
        #expect(send("GET", try #require(again.location)).text.contains("already applied"))
        // A debit past the balance is refused with the admin layer's message.
        let over = send("POST", "/admin/users/adjust", body: "csrf=\(try token())&user=\(user)&amount=-9999&reason=x&key=k2")
        #expect(send("GET", try #require(over.location)).text.contains("flash bad"))
        let audit = send("GET", "/admin/audit?action=points.adjust").text
        #expect(audit.contains("user:\(user)"))
        #expect(audit.contains("&lt;b&gt;sorry&lt;/b&gt;"))
        #expect(!audit.contains("<b>sorry</b>"))
    }

    @Test func aDeadLetterIsListedReplayedAndGone() throws {
        let id = try redis.withConnection { connection in
            try connection.xadd("emoji_tasks:dead", maxLength: nil, fields: [
                ("task_id", "555"), ("user_id", String(user)), ("reason", "delivered 6 times <script>"), ("deliveries", "6"),
                ("original_id", "1-0"),
            ])
        }
        let list = send("GET", "/admin/dead?stream=emoji_tasks").text
        #expect(list.contains("data-dead-id=\"\(id)\""))
        #expect(list.contains("delivered 6 times &lt;script&gt;"))
        let replay = send("POST", "/admin/dead/replay", body: "csrf=\(try token())&stream=emoji_tasks&one=\(id)&back=%2Fadmin%2Fdead")
        #expect(replay.status == 303)
        #expect(replay.location?.hasPrefix("/admin/dead?flash=") == true)
        #expect(try redis.withConnection { try $0.xlen("emoji_tasks:dead") } == 0)
        #expect(try redis.withConnection { try $0.xlen("emoji_tasks") } == 1)
        #expect(send("GET", "/admin/audit?action=dead.replay").text.contains(id))
    }
}
