import Foundation
import GalleyCore
import GalleyHTTP
import GalleyRuntime
import GalleyConsole

/// Serves `/admin` and below from the console and everything else from `base`.
struct ConsoleMount: HTTPResponder {
    let console: ConsoleResponder
    let base: any HTTPResponder

    func bodyLimit(method: String, path: String) -> Int {
        ConsoleResponder.serves(path) ? console.bodyLimit(method: method, path: path) : base.bodyLimit(method: method, path: path)
    }
    func answersInline(method: String, path: String) -> Bool {
        !ConsoleResponder.serves(path) && base.answersInline(method: method, path: path)
    }
    func respond(to request: HTTPRequest) -> HTTPResponse {
        ConsoleResponder.serves(request.path) ? console.respond(to: request) : base.respond(to: request)
    }
    func respondInline(to request: HTTPRequest, lane: Int) -> HTTPResponse? {
        ConsoleResponder.serves(request.path) ? nil : base.respondInline(to: request, lane: lane)
    }
    func bodyTooLarge(_ head: HTTPRequest) -> HTTPResponse {
        ConsoleResponder.serves(head.path) ? console.bodyTooLarge(head) : base.bodyTooLarge(head)
    }
    func admit(head: HTTPRequest) -> HTTPResponse? {
        ConsoleResponder.serves(head.path) ? console.admit(head: head) : base.admit(head: head)
    }
}

/// The console's own listener (`ADMIN_PORT`) answers nothing but the console.
struct ConsoleOnly: HTTPResponder {
    func respond(to request: HTTPRequest) -> HTTPResponse {
        HTTPResponse(status: 404, text: "Only the operator console (/admin/) answers on this port.\n")
    }
}

/// Failed console logins counted by the gateway's one ``RateLimiter`` (kind `admin_login`).
struct ConsoleLoginLimits: ConsoleLoginThrottle {
    let limiter: RateLimiter
    let limit: Int

    func retryAfter(address: String) -> Int? {
        limiter.retryAfter(.adminLogin, who: address, limit: limit, now: Date())
    }

    func failed(address: String) {
        try? limiter.check(.adminLogin, who: address, limit: limit, now: Date())
    }
}
