import Foundation
import Synchronization
import Testing
import GalleyCore
import GalleyHTTP
@testable import GalleyConsole

/// The console's gate, without services: HTTP Basic compared in constant time, failed
/// logins counted and then refused, POSTs needing the same origin and a CSRF token,
/// escaping of every interpolated text, and the security headers.
@Suite struct ConsoleSecurityTests {
    /// Counts failures per address like the gateway's limiter, in memory.
    final class CountingThrottle: ConsoleLoginThrottle {
        let failures = Mutex<[String: Int]>([:])
        let limit: Int
        init(limit: Int) { self.limit = limit }
        func retryAfter(address: String) -> Int? { failures.withLock { ($0[address] ?? 0) >= limit ? 42 : nil } }
        func failed(address: String) { failures.withLock { $0[address, default: 0] += 1 } }
    }

    static let configuration = ConsoleConfiguration(username: "admin", password: "correct horse battery",
                                                    secretKey: Array("a test key of enough length!!!!!".utf8))

    func responder(_ throttle: CountingThrottle = CountingThrottle(limit: 5)) -> ConsoleResponder {
        var responder = ConsoleResponder(configuration: Self.configuration, throttle: throttle,
                                         clientAddress: { $0.remoteAddress }, logger: Logger(label: "test"))
        responder.add("GET", "/admin/", { request in
            .page(ConsolePage(title: "Overview", section: .overview,
                              content: "<form method=\"post\">\(request.csrfField)</form><p>\(request.query["name"] ?? "")</p>"))
        })
        responder.add("POST", "/admin/act", { request in
            .seeOther(path: "/admin/", flash: .ok("did \(request.form["what"] ?? "?")"))
        })
        return responder
    }

    func request(_ method: String, _ path: String, user: String? = "admin", password: String = "correct horse battery",
                 headers extra: [(String, String)] = [], body: String = "", from address: String = "192.0.2.1") -> HTTPRequest {
        var headers = HTTPHeaders(extra)
        headers.add(name: "Host", value: "galley.example:8000")
        if let user {
            headers.add(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
        }
        let parts = path.split(separator: "?", maxSplits: 1)
        return HTTPRequest(method: method, path: String(parts[0]), rawQuery: parts.count > 1 ? String(parts[1]) : "",
                           headers: headers, body: Array(body.utf8), remoteAddress: address)
    }

    func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    func csrfToken(_ responder: ConsoleResponder) throws -> String {
        let page = text(responder.respond(to: request("GET", "/admin/")))
        let marker = "name=\"csrf\" value=\""
        let start = try #require(page.range(of: marker)).upperBound
        return String(page[start...].prefix { $0 != "\"" })
    }

    @Test func withoutCredentialsTheBrowserIsAskedForThem() {
        let response = responder().respond(to: request("GET", "/admin/", user: nil))
        #expect(response.status == 401)
        #expect(response.header("WWW-Authenticate")?.hasPrefix("Basic realm=") == true)
        #expect(response.header("X-Frame-Options") == "DENY")
    }

    @Test func theRightCredentialsOpenThePageAndItsAssets() {
        let responder = responder()
        let page = responder.respond(to: request("GET", "/admin/"))
        #expect(page.status == 200)
        #expect(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        #expect(page.header("Cache-Control") == "no-store")
        #expect(text(page).contains("<link rel=\"stylesheet\" href=\"/admin/assets/console.css\">"))
        let css = responder.respond(to: request("GET", "/admin/assets/console.css"))
        #expect(css.status == 200 && css.header("Content-Type")?.hasPrefix("text/css") == true && !css.body.isEmpty)
        #expect(responder.respond(to: request("GET", "/admin/assets/secret.txt")).status == 404)
        #expect(responder.respond(to: request("GET", "/admin")).header("Location") == "/admin/")
    }

    @Test func failedLoginsAreCountedThenEveryAttemptWaits() {
        let throttle = CountingThrottle(limit: 3)
        let responder = responder(throttle)
        for _ in 0..<2 {
            #expect(responder.respond(to: request("GET", "/admin/", password: "guess")).status == 401)
        }
        #expect(responder.respond(to: request("GET", "/admin/", user: "root")).status == 401)  // the third failure
        // Now even the right password waits: a guesser cannot tell a hit from a miss.
        let refused = responder.respond(to: request("GET", "/admin/"))
        #expect(refused.status == 429)
        #expect(refused.header("Retry-After") == "42")
        // Another address is not affected.
        #expect(responder.respond(to: request("GET", "/admin/", from: "192.0.2.2")).status == 200)
    }

    @Test func aPostNeedsTheSameOriginAndTheToken() throws {
        let responder = responder()
        let token = try csrfToken(responder)
        let sameOrigin = [("Origin", "http://galley.example:8000"), ("Sec-Fetch-Site", "same-origin")]
        let done = responder.respond(to: request("POST", "/admin/act", headers: sameOrigin, body: "csrf=\(token)&what=replay"))
        #expect(done.status == 303)
        let location = try #require(done.header("Location"))
        #expect(location.hasPrefix("/admin/?flash=ok%3Adid%20replay&sig="))
        // The flash shows on the page it leads to, and a forged one does not.
        #expect(text(responder.respond(to: request("GET", location))).contains("did replay"))
        let forged = responder.respond(to: request("GET", "/admin/?flash=ok%3Apoints%20granted&sig=AAAA"))
        #expect(!text(forged).contains("points granted"))

        // No token, a wrong token: refused.
        #expect(responder.respond(to: request("POST", "/admin/act", headers: sameOrigin, body: "what=x")).status == 403)
        #expect(responder.respond(to: request("POST", "/admin/act", headers: sameOrigin, body: "csrf=\(token)x")).status == 403)
        // A cross-site POST with a valid token: refused by the origin check.
        let crossSite = [("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site")]
        #expect(responder.respond(to: request("POST", "/admin/act", headers: crossSite, body: "csrf=\(token)")).status == 403)
        // Without Sec-Fetch-Site, Origin decides; without both, Referer; without any, refused.
        #expect(responder.respond(to: request("POST", "/admin/act", headers: [("Origin", "http://galley.example:8000")],
                                              body: "csrf=\(token)")).status == 303)
        #expect(responder.respond(to: request("POST", "/admin/act", headers: [("Origin", "http://galley.example.evil:8000")],
                                              body: "csrf=\(token)")).status == 403)
        #expect(responder.respond(to: request("POST", "/admin/act", headers: [("Referer", "http://galley.example:8000/admin/")],
                                              body: "csrf=\(token)")).status == 303)
        #expect(responder.respond(to: request("POST", "/admin/act", body: "csrf=\(token)")).status == 403)
        // GET is not an action.
        #expect(responder.respond(to: request("GET", "/admin/act")).status == 405)
    }

    @Test func aTokenIsBoundToTheUserAndTheDayAndTheKey() {
        let csrf = ConsoleCSRF(key: Self.configuration.csrfKey)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = csrf.token(user: "admin", now: now)
        #expect(csrf.verify(token, user: "admin", now: now))
        #expect(csrf.verify(token, user: "admin", now: now.addingTimeInterval(86_400)))  // yesterday's form still posts
        #expect(!csrf.verify(token, user: "admin", now: now.addingTimeInterval(2 * 86_400)))
        #expect(!csrf.verify(token, user: "other", now: now))
        let otherPassword = ConsoleConfiguration(username: "admin", password: "another password",
                                                 secretKey: Array("a test key of enough length!!!!!".utf8))
        #expect(!ConsoleCSRF(key: otherPassword.csrfKey).verify(token, user: "admin", now: now))
        #expect(!csrf.verify(nil, user: "admin", now: now) && !csrf.verify("", user: "admin", now: now))
    }

    @Test func textIsEscapedEverywhere() {
        let responder = responder()
        let page = text(responder.respond(to: request("GET", "/admin/?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22'")))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;"))
        #expect(!page.contains("<script>alert"))
        let name = "<b>\"&'"
        let html: HTML = "<td title=\"\(name)\">\(name)</td>"
        #expect(html.markup == "<td title=\"&lt;b&gt;&quot;&amp;&#39;\">&lt;b&gt;&quot;&amp;&#39;</td>")
    }

    @Test func credentialsCompareWholeValues() {
        func outcome(_ user: String, _ password: String) -> ConsoleCredentials.Outcome {
            ConsoleCredentials.check(request("GET", "/admin/", user: user, password: password), Self.configuration)
        }
        #expect(outcome("admin", "correct horse battery") == .accepted(user: "admin"))
        #expect(outcome("admin", "correct horse batter") == .refused)
        #expect(outcome("admin", "correct horse battery!") == .refused)
        #expect(outcome("Admin", "correct horse battery") == .refused)
        #expect(outcome("admin", "") == .refused)
        var garbled = request("GET", "/admin/", user: nil)
        garbled.headers.add(name: "Authorization", value: "Basic !!!")
        #expect(ConsoleCredentials.check(garbled, Self.configuration) == .refused)
    }
}
