public import Foundation
public import GalleyCore
public import GalleyHTTP

/// The console under `/admin/`: HTTP Basic (failed logins throttled), then for a POST the
/// same-origin check and the CSRF token, then the route. Every page and action calls the
/// admin layer; this type only authenticates, parses forms and renders.
public struct ConsoleResponder: HTTPResponder {
    typealias Handler = @Sendable (ConsoleRequest) throws -> ConsoleAnswer

    static let mount = "/admin"

    let configuration: ConsoleConfiguration
    let throttle: any ConsoleLoginThrottle
    let clientAddress: @Sendable (HTTPRequest) -> String
    let csrf: ConsoleCSRF
    let logger: Logger
    let clock: @Sendable () -> Date
    private(set) var routes: [String: Handler] = [:]

    public init(configuration: ConsoleConfiguration, throttle: any ConsoleLoginThrottle,
         clientAddress: @escaping @Sendable (HTTPRequest) -> String, logger: Logger,
         clock: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.throttle = throttle
        self.clientAddress = clientAddress
        self.csrf = ConsoleCSRF(key: configuration.csrfKey)
        self.logger = logger
        self.clock = clock
    }

    /// True for the paths this responder answers (`/admin` and below).
    public static func serves(_ path: String) -> Bool {
        path == mount || path.hasPrefix(mount + "/")
    }

    mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes["\(method) \(path)"] = handler
    }

    // MARK: - HTTPResponder

    public func bodyLimit(method: String, path: String) -> Int { 64 * 1024 }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        var response = answer(request)
        Self.secure(&response)
        return response
    }

    private func answer(_ request: HTTPRequest) -> HTTPResponse {
        if request.path == Self.mount { return Self.redirect(to: "/admin/") }
        let address = clientAddress(request)
        if let wait = throttle.retryAfter(address: address) {
            return HTTPResponse(status: 429, headers: [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", String(wait))],
                                body: Array("Too many failed logins from this address; try again in \(wait) s.\n".utf8))
        }
        let user: String
        switch ConsoleCredentials.check(request, configuration) {
        case .absent:
            return Self.challenge()
        case .refused:
            throttle.failed(address: address)
            logger.warning("console login refused", ["address": address])
            return Self.challenge()
        case .accepted(let name):
            user = name
        }
        if request.method == "GET", request.path.hasPrefix("/admin/assets/"),
           let asset = ConsoleAssets.named(String(request.path.dropFirst("/admin/assets/".count))) {
            return HTTPResponse(status: 200, headers: [("Content-Type", asset.contentType), ("Cache-Control", "private, max-age=300")],
                                body: asset.body)
        }
        let now = clock()
        let method = request.method == "HEAD" ? "GET" : request.method
        guard let handler = routes["\(method) \(request.path)"] else {
            let known = routes.keys.contains { $0.hasSuffix(" \(request.path)") }
            return known ? Self.text(405, "Method not allowed.\n") : Self.text(404, "No console page here.\n")
        }
        var form = ConsoleForm("")
        if method == "POST" {
            guard ConsoleOrigin.isSameOrigin(request) else {
                logger.warning("console POST refused: not same-origin", ["address": address, "path": request.path])
                return Self.text(403, "Refused: the request did not come from this console's own pages.\n")
            }
            form = ConsoleForm(request.body)
            guard csrf.verify(form["csrf"], user: user, now: now) else {
                logger.warning("console POST refused: bad CSRF token", ["address": address, "path": request.path])
                return Self.text(403, "Refused: the form's token is missing or expired; reload the page and try again.\n")
            }
        }
        let consoleRequest = ConsoleRequest(
            http: request, user: user, csrfToken: csrf.token(user: user, now: now), query: ConsoleForm(request.rawQuery),
            form: form, now: now, wantsFragment: request.headers["X-Console-Fragment"] == "live")
        let result: ConsoleAnswer
        do {
            result = try handler(consoleRequest)
        } catch {
            logger.error("console page failed", ["path": request.path, "error": String(reflecting: error)])
            if method == "POST" {
                result = .seeOther(path: Self.returnPath(consoleRequest), flash: .bad("Failed: \(error)"))
            } else {
                let section = ConsoleSection.allCases.first { request.path == $0.path } ?? .overview
                result = .page(ConsolePage(title: section.title, section: section,
                                           content: "<div class=\"flash bad\">This page could not be built: \(String(describing: error))</div>"))
            }
        }
        return render(result, consoleRequest)
    }

    private func render(_ answer: ConsoleAnswer, _ request: ConsoleRequest) -> HTTPResponse {
        switch answer {
        case .raw(let status, let contentType, let body):
            return HTTPResponse(status: status, headers: [("Content-Type", contentType)], body: body)
        case .seeOther(let path, let flash):
            var location = path
            if let flash {
                let value = "\(flash.kind.rawValue):\(flash.message)"
                location += (path.contains("?") ? "&" : "?") + "flash=\(ConsoleForm.encode(value))&sig=\(flashSignature(value))"
            }
            return Self.redirect(to: location, status: 303)
        case .page(let page):
            if request.wantsFragment {
                // The content alone; a page that stopped being live (a task that finished) says so once.
                var response = HTTPResponse(status: 200, text: page.content.markup, contentType: "text/html; charset=utf-8")
                if !page.live { response.headers.append(("X-Console-Live", "done")) }
                return response
            }
            let html = ConsoleLayout.render(page, user: request.user, flash: flash(request.query),
                                            refreshSeconds: configuration.refreshSeconds)
            return HTTPResponse(status: 200, text: html.markup, contentType: "text/html; charset=utf-8")
        }
    }

    /// Where an action returns: the form's `back` field when it is a console path, else the page posted to.
    static func returnPath(_ request: ConsoleRequest) -> String {
        if let back = request.form["back"], back.hasPrefix("/admin/"), !back.hasPrefix("//"), !back.contains("\\") { return back }
        return request.http.path
    }

    // MARK: - Flash messages (signed: a link cannot make the console claim an action it did not take)

    private func flashSignature(_ value: String) -> String {
        Base64URL.encode(Crypto.hmacSHA256(key: configuration.csrfKey, data: "flash\u{0}" + value))
    }

    private func flash(_ query: ConsoleForm) -> ConsoleFlash? {
        guard let value = query["flash"], let signature = query["sig"],
              Crypto.constantTimeEquals(signature, flashSignature(value)),
              let colon = value.firstIndex(of: ":"),
              let kind = ConsoleFlash.Kind(rawValue: String(value[..<colon])) else { return nil }
        return ConsoleFlash(kind: kind, message: String(value[value.index(after: colon)...]))
    }

    // MARK: - Answers

    private static func challenge() -> HTTPResponse {
        HTTPResponse(status: 401, headers: [("Content-Type", "text/plain; charset=utf-8"),
                                            ("WWW-Authenticate", "Basic realm=\"Galley console\", charset=\"UTF-8\"")],
                     body: Array("Log in with ADMIN_USERNAME and ADMIN_PASSWORD.\n".utf8))
    }

    private static func redirect(to location: String, status: Int = 307) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Location", location), ("Content-Type", "text/plain; charset=utf-8")],
                     body: Array("See \(location)\n".utf8))
    }

    private static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, text: text)
    }

    /// Headers on every console answer: no framing, no caching of pages, no inline script.
    static func secure(_ response: inout HTTPResponse) {
        response.headers += [
            ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
        ]
        if response.header("Cache-Control") == nil { response.headers.append(("Cache-Control", "no-store")) }
    }
}
