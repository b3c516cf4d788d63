import Foundation
import Glibc
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyHTTP
@testable import GalleyRuntime
@testable import GalleyGateway
import GalleyTestSupport

/// Real server on 127.0.0.1 with port 0, real sockets, no HTTP client library in between:
/// the tests see exactly what goes over the wire.
@Suite struct HTTPServerTests {
    init() { Signals.ignoreSIGPIPE() }

    // MARK: Keep-alive and concurrency

    @Test func getIsAnsweredAndOneKeepAliveConnectionServes200Requests() throws {
        try withServer { server, _ in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            for index in 0..<200 {
                let response = try client.request("GET", "/hello?n=\(index)")
                #expect(response.status == 200)
                #expect(response.text == "hello")
                #expect(response.header("Connection")?.lowercased() != "close")
            }
        }
    }

    @Test func hundredConcurrentSlowRequestsAllCompleteAndOverlap() throws {
        try withServer { server, responder in
            var clients: [TestHTTPClient] = []
            defer { clients.forEach { $0.close() } }
            for _ in 0..<100 {
                let client = try TestHTTPClient(port: server.port)
                try client.send(TestHTTPClient.requestBytes("GET", "/sleep"))
                clients.append(client)
            }
            var completed = 0
            for client in clients {
                if try client.readResponse().status == 200 { completed += 1 }
            }
            #expect(completed == 100)
            #expect(responder.highestConcurrency > 1)
        }
    }

    // MARK: Bodies

    @Test func postBodyIsEchoedByteForByte() throws {
        try withServer { server, _ in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            let body = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let response = try client.request("POST", "/echo", headers: [("Content-Type", "application/octet-stream")],
                                              body: body)
            #expect(response.status == 200)
            #expect(response.body == body)
            // The connection still serves after a body.
            #expect(try client.request("GET", "/hello").status == 200)
        }
    }

    @Test func chunkedBodyOverTheLimitGets413AndTheConnectionKeepsServing() throws {
        try withServer { server, responder in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            var bytes = Array("POST /small HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            for _ in 0..<8 {
                bytes += Array("200\r\n".utf8) + [UInt8](repeating: 0x61, count: 0x200) + Array("\r\n".utf8)
            }
            bytes += Array("0\r\n\r\n".utf8)
            try client.send(bytes)
            let refused = try client.readResponse()
            #expect(refused.status == 413)
            #expect(refused.text == "too large: /small")
            #expect(responder.requests(for: "/small").isEmpty)
            #expect(try client.request("GET", "/hello").status == 200)
            // A body under the limit on the same route is fine.
            #expect(try client.request("POST", "/small", body: [UInt8](repeating: 1, count: 1000)).status == 200)
        }
    }

    @Test func declaredContentLengthOverTheLimitIsRefusedBeforeTheBodyIsSent() throws {
        try withServer { server, responder in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            // Only the head: a server waiting for the 10 MB would time the client out.
            try client.send(Array("POST /small HTTP/1.1\r\nHost: test\r\nContent-Length: 10000000\r\n\r\n".utf8))
            let refused = try client.readResponse()
            #expect(refused.status == 413)
            #expect(responder.requests(for: "/small").isEmpty)
            let next = try TestHTTPClient(port: server.port)
            defer { next.close() }
            #expect(try next.request("GET", "/hello").status == 200)
        }
    }

    @Test func multipartFormIsParsedIntoPartsWithExactBytes() throws {
        try withServer { server, responder in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            // Bytes that look like line ends and boundaries, NUL and 0xFF, long enough
            // to arrive in several upload chunks.
            var file: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A, 0x2D, 0x2D, 0x00, 0xFF]
            file += (0..<150_000).map { UInt8(truncatingIfNeeded: ($0 &* 31) ^ ($0 >> 3)) }
            file += [0x0D, 0x0A, 0x2D, 0x2D, 0xFF, 0x00]
            let boundary = "----galleyBoundary7MA4YWxkTrZu0gW"
            var body: [UInt8] = []
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello wörld\r\n".utf8)
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"pic.png\"\r\n".utf8)
            body += Array("Content-Type: image/png\r\n\r\n".utf8)
            body += file
            body += Array("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n".utf8)
            body += Array("--\(boundary)--\r\n".utf8)
            let response = try client.request(
                "POST", "/form", headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: body)
            #expect(response.status == 200)
            let request = try #require(responder.requests(for: "/form").first)
            #expect(request.formParts.map(\.name) == ["title", "file", "empty"])
            #expect(request.formPart("title")?.text == "hello wörld")
            #expect(request.formPart("title")?.filename == nil)
            let part = try #require(request.formPart("file"))
            #expect(part.filename == "pic.png")
            #expect(part.contentType == "image/png")
            #expect(part.data.count == file.count)
            #expect(part.data == file)
            #expect(request.formPart("empty")?.data == [])
            #expect(request.body.isEmpty)
        }
    }

    @Test func truncatedMultipartGivesNoParts() throws {
        try withServer { server, responder in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            let body = Array("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\nabc".utf8)
            let response = try client.request("POST", "/form", headers: [("Content-Type", "multipart/form-data; boundary=b")],
                                              body: body)
            #expect(response.status == 200)
            let request = try #require(responder.requests(for: "/form").first)
            #expect(request.formParts.isEmpty)
        }
    }

    // MARK: Request head

    @Test func queryHeadersPathAndRemoteAddressAreDecoded() throws {
        try withServer { server, responder in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            let response = try client.request("GET", "/files/a%20b?a=1&b=x%20y&c=+z&a=2&flag",
                                              headers: [("X-Custom-Thing", "Value 1"), ("x-multi", "one"), ("X-Multi", "two")])
            #expect(response.status == 200)
            let request = try #require(responder.requests(for: "/files/a b").first)
            #expect(request.method == "GET")
            #expect(request.rawQuery == "a=1&b=x%20y&c=+z&a=2&flag")
            #expect(request.query == ["a": "1", "b": "x y", "c": " z", "flag": ""])
            #expect(request.headers["x-custom-thing"] == "Value 1")
            #expect(request.headers["X-CUSTOM-THING"] == "Value 1")
            #expect(request.headers.values(for: "X-MULTI") == ["one", "two"])
            #expect(request.headers["missing"] == nil)
            #expect(request.remoteAddress == "127.0.0.1")
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/net/if_inet6")))
    func dualStackListenerShowsIPv4ClientsAsIPv4() throws {
        var configuration = Self.configuration
        configuration.host = "::"
        let responder = TestResponder()
        let server = HTTPServer(configuration: configuration, responder: responder)
        try server.start()
        defer { server.shutdown(deadline: .seconds(1)) }
        let client = try TestHTTPClient(port: server.port)
        defer { client.close() }
        #expect(try client.request("GET", "/where").status == 200)
        #expect(responder.requests(for: "/where").first?.remoteAddress == "127.0.0.1")
    }

    @Test func invalidUTF8InPathAndQueryStillReachesTheResponder() throws {
        try withServer { server, responder in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            let response = try client.request("GET", "/bad%FF%FE?q=%FF&r=%zz")
            #expect(response.status == 200)
            let request = try #require(responder.allRequests().first { $0.path.hasPrefix("/bad") })
            #expect(request.path == "/bad\u{FFFD}\u{FFFD}")
            #expect(request.query["q"] == "\u{FFFD}")
            #expect(request.query["r"] == "%zz")
        }
    }

    @Test func headGetsHeadersWithoutBodyAndTheConnectionStaysUsable() throws {
        try withServer { server, _ in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            let head = try client.request("HEAD", "/hello")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "5")
            #expect(head.body.isEmpty)
            let get = try client.request("GET", "/hello")
            #expect(get.text == "hello")
        }
    }

    @Test func inlineRoutesAnswerAndTheCompletionHookSeesEveryRequest() throws {
        let seen = Mutex<[String]>([])
        try withServer(onRequestCompleted: { method, path, status, seconds in
            seen.withLock { $0.append("\(method) \(path) \(status) \(seconds >= 0)") }
        }) { server, responder in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            let inline = try client.request("GET", "/inline")
            #expect(inline.status == 200)
            #expect(inline.text == "inline")
            #expect(inline.header("X-Inline") == "yes")
            #expect(try client.request("GET", "/missing").status == 404)
            #expect(responder.inlineCount == 1)
            // The hook runs after the response went out; wait for it briefly.
            for _ in 0..<500 where seen.withLock({ $0.count }) < 2 { usleep(2_000) }
        }
        #expect(seen.withLock { $0 } == ["GET /inline 200 true", "GET /missing 404 true"])
    }

    @Test func laneAnswersComeFromLibmicrohttpdsThreadsNumberedBelowTheirCount() throws {
        try withServer { server, responder in
            let clients = try (0..<6).map { _ in try TestHTTPClient(port: server.port) }
            defer { clients.forEach { $0.close() } }
            for _ in 0..<20 {
                for client in clients {
                    let answer = try client.request("GET", "/lane")
                    #expect(answer.status == 200 && answer.text == "lane")
                    let lane = try #require(answer.header("X-Lane").flatMap { Int($0) })
                    #expect((0..<Self.configuration.threads).contains(lane))
                }
            }
            // Declined on the lane: a handler thread answers, on the same keep-alive connection.
            #expect(try clients[0].request("GET", "/hello").text == "hello")
            #expect(try clients[0].request("GET", "/lane").status == 200)
            #expect(responder.requests(for: "/lane").isEmpty)
            #expect(responder.requests(for: "/hello").count == 1)
            #expect(!responder.lanesSeen.isEmpty)
        }
    }

    @Test func emptyBodiesOddStatusesAndInjectedHeadersAreHandled() throws {
        try withServer { server, _ in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            let noContent = try client.request("GET", "/empty")
            #expect(noContent.status == 204)
            #expect(noContent.body.isEmpty)
            let nothing = try client.request("GET", "/nothing")
            #expect(nothing.status == 200)
            #expect(nothing.header("Content-Length") == "0")
            #expect(try client.request("GET", "/weird-status").status == 500)
            let injected = try client.request("GET", "/inject")
            #expect(injected.status == 200)
            #expect(injected.header("Injected") == nil)
            #expect(injected.header("X-Good") == "fine")
            #expect(try client.request("GET", "/hello").text == "hello")
        }
    }

    // MARK: Hostile input

    @Test func hugeHeadersAreRefusedWith4xxAndTheServerKeepsServing() throws {
        try withServer { server, _ in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            let filler = String(repeating: "x", count: 100_000)
            let sent = (try? client.send(Array("GET /hello HTTP/1.1\r\nHost: test\r\nX-Big: \(filler)\r\n\r\n".utf8))) != nil
            let response = try client.readResponse()
            #expect((400...499).contains(response.status), "sent fully: \(sent)")
            let next = try TestHTTPClient(port: server.port)
            defer { next.close() }
            #expect(try next.request("GET", "/hello").status == 200)
        }
    }

    @Test func garbageRequestLineIsRejectedAndTheServerKeepsServing() throws {
        try withServer { server, _ in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            try client.send(Array("GARBAGE\r\n\r\n".utf8))
            if let response = try client.readResponseOrEOF() {
                #expect(response.status == 400)
            }
            let next = try TestHTTPClient(port: server.port)
            defer { next.close() }
            #expect(try next.request("GET", "/hello").status == 200)
        }
    }

    // MARK: Lifecycle

    @Test func shutdownLetsTheSlowRequestFinishThenRefusesConnections() throws {
        let responder = TestResponder()
        let server = HTTPServer(configuration: Self.configuration, responder: responder)
        try server.start()
        let port = server.port
        let client = try TestHTTPClient(port: port)
        defer { client.close() }
        try client.send(TestHTTPClient.requestBytes("GET", "/slow"))
        #expect(responder.waitUntilSlowStarted())
        #expect(server.inFlight == 1)
        server.shutdown(deadline: .seconds(10))
        #expect(responder.slowHasFinished)
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "slow done")
        #expect(server.inFlight == 0)
        #expect(!TestHTTPClient.canConnect(port: port))
        server.shutdown(deadline: .seconds(1))  // a second call is harmless
    }

    @Test func shutdownPastTheDeadlineAnswers503AndStops() throws {
        let responder = TestResponder()
        let server = HTTPServer(configuration: Self.configuration, responder: responder)
        try server.start()
        let client = try TestHTTPClient(port: server.port)
        defer { client.close() }
        try client.send(TestHTTPClient.requestBytes("GET", "/stuck"))
        #expect(responder.waitUntilSlowStarted())
        server.shutdown(deadline: .milliseconds(100))
        #expect(!responder.slowHasFinished)
        let response = try client.readResponse()
        #expect(response.status == 503)
        #expect(response.header("Connection")?.lowercased() == "close")
        // The handler finishes after the daemon stopped: that must be harmless.
        responder.releaseStuck.store(true, ordering: .releasing)
        for _ in 0..<1_000 where !responder.slowHasFinished { usleep(5_000) }
        #expect(responder.slowHasFinished)
        usleep(20_000)
    }

    @Test func aPortInUseIsReportedAsSuch() throws {
        try withServer { server, responder in
            var configuration = Self.configuration
            configuration.port = server.port
            let second = HTTPServer(configuration: configuration, responder: responder)
            #expect(throws: HTTPServerError.addressInUse) { try second.start() }
            #expect(throws: HTTPServerError.alreadyStarted) { try server.start() }
            #expect(HTTPServerError.addressInUse.description == "HTTP server address already in use")
        }
    }

    @Test func anUnresolvableHostIsAnInvalidAddress() {
        var configuration = Self.configuration
        configuration.host = "no-such-host.invalid"
        let server = HTTPServer(configuration: configuration, responder: TestResponder())
        #expect(throws: HTTPServerError.invalidAddress) { try server.start() }
    }

    // MARK: Helpers

    static var configuration: HTTPServerConfiguration {
        HTTPServerConfiguration(host: "127.0.0.1", port: 0, threads: 2, handlerThreads: 8,
                                connectionTimeoutSeconds: 10, defaultBodyLimit: 1024 * 1024)
    }

    private func withServer(onRequestCompleted: HTTPServer.CompletionHook? = nil,
                            _ body: (HTTPServer, TestResponder) throws -> Void) throws {
        let responder = TestResponder()
        let server = HTTPServer(configuration: Self.configuration, responder: responder,
                                onRequestCompleted: onRequestCompleted)
        try server.start()
        defer { server.shutdown(deadline: .seconds(2)) }
        #expect(server.port > 0)
        try body(server, responder)
    }
}

/// Routes for the tests; records what it saw.
final class TestResponder: HTTPResponder {
    let seen = Mutex<[HTTPRequest]>([])
    let current = Atomic<Int>(0)
    let maxConcurrent = Atomic<Int>(0)
    let inlineCalls = Atomic<Int>(0)
    let slowStarted = Atomic<Bool>(false)
    let slowFinished = Atomic<Bool>(false)
    let releaseStuck = Atomic<Bool>(false)

    func bodyLimit(method: String, path: String) -> Int { path == "/small" ? 1024 : -1 }

    func answersInline(method: String, path: String) -> Bool { path == "/inline" }

    let lanes = Mutex<Set<Int>>([])
    var lanesSeen: Set<Int> { lanes.withLock { $0 } }

    func respondInline(to request: HTTPRequest, lane: Int) -> HTTPResponse? {
        guard request.path == "/lane" else { return nil }
        lanes.withLock { _ = $0.insert(lane) }
        return HTTPResponse(status: 200, headers: [("X-Lane", String(lane))], body: Array("lane".utf8))
    }

    func bodyTooLarge(_ head: HTTPRequest) -> HTTPResponse {
        HTTPResponse(status: 413, text: "too large: \(head.path)")
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        seen.withLock { $0.append(request) }
        switch request.path {
        case "/hello":
            return HTTPResponse(text: "hello")
        case "/echo":
            return HTTPResponse(status: 200, headers: [("Content-Type", "application/octet-stream")], body: request.body)
        case "/inline":
            inlineCalls.add(1, ordering: .relaxed)
            return HTTPResponse(status: 200, headers: [("X-Inline", "yes")], body: Array("inline".utf8))
        case "/sleep":
            let now = current.add(1, ordering: .relaxed).newValue
            var seenMax = maxConcurrent.load(ordering: .relaxed)
            while now > seenMax {
                let (exchanged, original) = maxConcurrent.compareExchange(expected: seenMax, desired: now, ordering: .relaxed)
                if exchanged { break }
                seenMax = original
            }
            usleep(50_000)
            current.subtract(1, ordering: .relaxed)
            return HTTPResponse(text: "slept")
        case "/slow", "/stuck":
            slowStarted.store(true, ordering: .releasing)
            if request.path == "/slow" {
                usleep(300_000)
            } else {
                // Held until the test lets go, so "still running at the deadline" is certain.
                for _ in 0..<2_000 where !releaseStuck.load(ordering: .acquiring) { usleep(5_000) }
            }
            slowFinished.store(true, ordering: .releasing)
            return HTTPResponse(text: "slow done")
        case "/empty":
            return HTTPResponse(status: 204)
        case "/nothing":
            return HTTPResponse()
        case "/weird-status":
            return HTTPResponse(status: 42, text: "?")
        case "/inject":
            return HTTPResponse(status: 200, headers: [("X-Bad", "a\r\nInjected: yes"), ("X-Good", "fine")], body: [])
        case "/missing":
            return HTTPResponse(status: 404, text: "not found")
        default:
            return HTTPResponse(text: "ok")
        }
    }

    var slowHasFinished: Bool { slowFinished.load(ordering: .acquiring) }
    var inlineCount: Int { inlineCalls.load(ordering: .relaxed) }
    var highestConcurrency: Int { maxConcurrent.load(ordering: .relaxed) }

    func requests(for path: String) -> [HTTPRequest] {
        seen.withLock { $0.filter { $0.path == path } }
    }

    func allRequests() -> [HTTPRequest] { seen.withLock { $0 } }

    func waitUntilSlowStarted() -> Bool {
        for _ in 0..<2_000 where !slowStarted.load(ordering: .acquiring) { usleep(5_000) }
        return slowStarted.load(ordering: .acquiring)
    }
}

struct TestHTTPResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

struct TestHTTPClientError: Error, CustomStringConvertible {
    var description: String
}

/// A blocking HTTP/1.1 client over one socket, with a receive timeout so a broken
/// server fails the test instead of hanging it.
final class TestHTTPClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var lastMethod = "GET"

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestHTTPClientError(description: "socket failed") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard Self.connect(fd, port: port) else {
            Glibc.close(fd)
            throw TestHTTPClientError(description: "connect failed: \(String(cString: strerror(errno)))")
        }
    }

    func close() { Glibc.close(fd) }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        return connect(fd, port: port)
    }

    private static func connect(_ fd: Int32, port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    static func requestBytes(_ method: String, _ target: String, headers: [(String, String)] = [],
                             body: [UInt8] = []) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    func request(_ method: String, _ target: String, headers: [(String, String)] = [],
                 body: [UInt8] = []) throws -> TestHTTPResponse {
        try send(Self.requestBytes(method, target, headers: headers, body: body))
        lastMethod = method
        return try readResponse()
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { throw TestHTTPClientError(description: "send failed: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    func readResponse() throws -> TestHTTPResponse {
        guard let response = try readResponseOrEOF() else {
            throw TestHTTPClientError(description: "connection closed before a response")
        }
        return response
    }

    /// The next response, or nil when the server closed the connection first.
    func readResponseOrEOF() throws -> TestHTTPResponse? {
        let isHead = lastMethod == "HEAD"
        lastMethod = "GET"
        var headEnd: Int?
        while true {
            if let end = Self.find([13, 10, 13, 10], in: buffer) { headEnd = end; break }
            if try !fill() { break }
        }
        guard let headEnd else {
            if buffer.isEmpty { return nil }
            throw TestHTTPClientError(description: "incomplete head")
        }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw TestHTTPClientError(description: "bad status line")
        }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = TestHTTPResponse(status: status, headers: headers, body: [])
        if isHead || status == 204 || status == 304 { return response }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            while buffer.count < length {
                if try !fill() { throw TestHTTPClientError(description: "short body") }
            }
            response.body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else {
            while try fill() {}
            response.body = buffer
            buffer = []
        }
        return response
    }

    /// Reads more; false at end of stream (or a reset after the server closed).
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer += chunk[..<count]
            return true
        }
        if count == 0 || errno == ECONNRESET { return false }
        throw TestHTTPClientError(description: "recv failed: \(String(cString: strerror(errno)))")
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }
}
