import Foundation
import Glibc
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyHTTP
@testable import GalleyHTTPClient
@testable import GalleyEmoji
import GalleyTestSupport

/// The libcurl client against real loopback servers: Galley's own HTTP server for answers,
/// a listener that never accepts for requests that never get one.
@Suite struct HTTPClientTests {
    init() { Signals.ignoreSIGPIPE() }

    /// Echoes what it got; `/big` answers 64 KiB; `/slow` answers after 2 ms and counts overlap.
    final class Responder: HTTPResponder {
        let current = Atomic<Int>(0)
        let peak = Atomic<Int>(0)

        func respond(to request: HTTPRequest) -> HTTPResponse {
            switch request.path {
            case "/big":
                return HTTPResponse(status: 200, headers: [("Content-Type", "application/octet-stream")],
                                    body: [UInt8](repeating: 7, count: 64 * 1024))
            case "/slow":
                let now = current.wrappingAdd(1, ordering: .relaxed).newValue
                var seen = peak.load(ordering: .relaxed)
                while now > seen, !peak.compareExchange(expected: seen, desired: now, ordering: .relaxed).exchanged {
                    seen = peak.load(ordering: .relaxed)
                }
                usleep(2000)
                current.wrappingSubtract(1, ordering: .relaxed)
                return HTTPResponse(status: 200, text: request.rawQuery)
            case "/redirect":
                return HTTPResponse(status: 302, headers: [("Location", "/echo?moved")])
            default:
                let echo: JSONValue = [
                    "method": .string(request.method), "query": .string(request.rawQuery),
                    "body": .string(String(decoding: request.body, as: UTF8.self)),
                    "x_test": .string(request.headers["X-Test"] ?? ""),
                    "content_type": .string(request.headers["Content-Type"] ?? ""),
                ]
                return HTTPResponse(status: 201, headers: [("Content-Type", "application/json"), ("X-Answer", "yes")],
                                    body: JSONWriter.bytes(echo))
            }
        }
    }

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
        func add() { value.wrappingAdd(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    private func withServer(_ body: (HTTPServer, Responder) async throws -> Void) async throws {
        let responder = Responder()
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, threads: 1, handlerThreads: 32),
                                responder: responder, logger: Logger(label: "test"))
        try server.start()
        defer { server.shutdown(deadline: .seconds(1)) }
        try await body(server, responder)
    }

    /// A listening socket that never accepts: connections complete in the kernel's backlog
    /// and requests sent on them are never answered.
    private func withSilentListener(_ body: (Int) async throws -> Void) async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        try #require(bound == 0 && listen(fd, 4096) == 0)
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        try #require(named == 0)
        try await body(Int(UInt16(bigEndian: address.sin_port)))
    }

    private func code(of body: () async throws -> Void) async -> HTTPClientError.Code? {
        do {
            try await body()
            return nil
        } catch let error as HTTPClientError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test func statusHeadersAndBodyGoBothWays() async throws {
        try await withServer { server, _ in
            let client = HTTPClient()
            let request = HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(server.port)/echo?a=1",
                                            headers: [("X-Test", "hello"), ("Content-Type", "application/json")], body: Array("{\"k\":1}".utf8))
            let response = try await client.execute(request, timeout: .seconds(5))
            #expect(response.status == 201)
            #expect(response.header("x-answer") == "yes")
            let echo = try JSONParser.parse(response.body)
            #expect(echo["method"] == "POST" && echo["query"] == "a=1" && echo["body"] == "{\"k\":1}")
            #expect(echo["x_test"] == "hello" && echo["content_type"] == "application/json")

            let put = try await client.execute(HTTPClientRequest(method: "PUT", url: "http://127.0.0.1:\(server.port)/echo", body: [65, 66]),
                                               timeout: .seconds(5))
            let putEcho = try JSONParser.parse(put.body)
            #expect(putEcho["method"] == "PUT" && putEcho["body"] == "AB" && putEcho["content_type"] == "")

            let moved = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/redirect"), timeout: .seconds(5))
            let movedEcho = try JSONParser.parse(moved.body)
            #expect(moved.status == 201 && movedEcho["query"] == "moved")
            let kept = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/redirect", followRedirects: false),
                                                timeout: .seconds(5))
            #expect(kept.status == 302 && kept.header("Location") == "/echo?moved")
        }
    }

    @Test func aBodyOverTheCapFailsAndOneAtTheCapPasses() async throws {
        try await withServer { server, _ in
            let client = HTTPClient()
            let url = "http://127.0.0.1:\(server.port)/big"
            let exact = try await client.execute(HTTPClientRequest(url: url, maxResponseBytes: 64 * 1024), timeout: .seconds(5))
            #expect(exact.body.count == 64 * 1024 && exact.body.allSatisfy { $0 == 7 })
            #expect(await code { _ = try await client.execute(HTTPClientRequest(url: url, maxResponseBytes: 64 * 1024 - 1), timeout: .seconds(5)) } == .tooLarge)
            #expect(await code { _ = try await client.execute(HTTPClientRequest(url: url, maxResponseBytes: 10), timeout: .seconds(5)) } == .tooLarge)
            // The client still works after aborting those transfers.
            #expect(try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/echo"), timeout: .seconds(5)).status == 201)
        }
    }

    @Test func theDeadlineEndsARequestThatIsNeverAnswered() async throws {
        try await withSilentListener { port in
            let client = HTTPClient()
            let started = ContinuousClock.now
            let failure = await code { _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/"), timeout: .milliseconds(300)) }
            let took = ContinuousClock.now - started
            #expect(failure == .timeout)
            #expect(took >= .milliseconds(250) && took < .seconds(3))
        }
    }

    @Test func cancellingAThousandRequestsInFlightReturnsPromptly() async throws {
        try await withSilentListener { port in
            let client = HTTPClient(configuration: HTTPClientConfiguration(maxConnections: 2000, maxConnectionsPerHost: 2000))
            let cancelled = Counter()
            let group = Task {
                await withTaskGroup(of: Void.self) { group in
                    for index in 0..<1000 {
                        group.addTask {
                            do {
                                _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/\(index)"), timeout: .seconds(60))
                            } catch is CancellationError {
                                cancelled.add()
                            } catch {}
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(500))
            let started = ContinuousClock.now
            group.cancel()
            await group.value
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(cancelled.count == 1000)
        }
    }

    /// What let the EmojiTaskProcessor drop its shield: shutdown cancelling a DashScope
    /// poll that gets no answer ends it at once (URLSession could deadlock here).
    @Test func cancellingADashScopeQueryInFlightEndsItAtOnce() async throws {
        try await withSilentListener { port in
            let client = DashScopeClient(configuration: .init(baseURL: "http://127.0.0.1:\(port)", apiKey: "sk-test"), http: HTTPClient())
            let query = Task { () -> DashScopeError? in
                do throws(DashScopeError) {
                    _ = try await client.query(taskID: "t-1")
                    return nil
                } catch {
                    return error
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            let started = ContinuousClock.now
            query.cancel()
            let error = await query.value
            #expect(ContinuousClock.now - started < .seconds(1))
            #expect(error?.isRetryable == true && error?.status == nil)
        }
    }

    @Test func aRefusedConnectionIsATransportError() async throws {
        // A port that was just free: bind, read it, close.
        var port = 0
        try await withSilentListener { port = $0 }
        let client = HTTPClient()
        let failure = await code { _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/"), timeout: .seconds(5)) }
        #expect(failure == .transport)
    }

    @Test func requestsLibcurlMustNotSendAreRefusedAndShutdownFailsTheRest() async throws {
        let client = HTTPClient()
        #expect(await code { _ = try await client.execute(HTTPClientRequest(url: "ftp://127.0.0.1/x"), timeout: .seconds(1)) } == .invalidRequest)
        #expect(await code {
            _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1/", headers: [("X-A", "b\r\nX-Injected: 1")]), timeout: .seconds(1))
        } == .invalidRequest)
        client.shutdown()
        #expect(await code { _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:1/"), timeout: .seconds(1)) } == .shutdown)
    }

    @Test func manyConcurrentRequestsShareABoundedSetOfConnections() async throws {
        try await withServer { server, responder in
            let client = HTTPClient(configuration: HTTPClientConfiguration(maxConnections: 8, maxConnectionsPerHost: 8))
            let wrong = Counter()
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<2000 {
                    group.addTask {
                        let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/slow?\(index)"),
                                                                 timeout: .seconds(30))
                        if response?.status != 200 || response.map({ String(decoding: $0.body, as: UTF8.self) }) != String(index) {
                            wrong.add()
                        }
                    }
                }
            }
            #expect(wrong.count == 0)
            #expect(responder.peak.load(ordering: .relaxed) <= 8)
            #expect(responder.peak.load(ordering: .relaxed) >= 2)
            // Reused connections: 2 000 requests left at most 8 sockets to the server behind
            // (a connection per request would leave ~2 000 in TIME_WAIT).
            let sockets = try Self.socketsTo(port: server.port)
            #expect(sockets <= 8)
        }
    }

    /// Client-side sockets (any state) whose remote port is `port`, from /proc/net/tcp.
    static func socketsTo(port: Int) throws -> Int {
        let table = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)
        let wanted = String(format: ":%04X", port)
        return table.split(separator: "\n").dropFirst().filter { line in
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            return columns.count > 2 && columns[2].hasSuffix(wanted)
        }.count
    }
}
