import Foundation
import Glibc
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyHTTP
import GalleyTestSupport

/// Bodies of spooled routes go to a temporary file as they arrive, never to memory:
/// kept by the responder's rename, deleted otherwise, and nothing is left by a body over
/// the limit or a client that goes away mid-upload.
@Suite struct HTTPSpoolTests {
    init() { Signals.ignoreSIGPIPE() }

    /// 12 MB: far past libmicrohttpd's 32 KB connection buffer and any chunk it hands over.
    /// Built from one 64 KB block (cheap in a debug build, where a per-byte map of 12 MB
    /// costs seconds of CPU that other timing tests in the parallel run would miss).
    static let bigBody: [UInt8] = {
        let block = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        var body: [UInt8] = []
        body.reserveCapacity(192 * block.count)
        for _ in 0..<192 { body.append(contentsOf: block) }
        return body
    }()

    @Test func aSpooledBodyNeverSitsInMemoryAndIsKeptByRename() async throws {
        try await withSpoolServer { server, responder in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            let response = try client.request("PUT", "/spool/keep", headers: [("Content-Type", "image/png")], body: Self.bigBody)
            #expect(response.status == 200, "\(response.text)")
            let seen = try #require(responder.seen.withLock { $0.first })
            #expect(seen.body.isEmpty, "the body reached the responder in memory")
            #expect(seen.spooledBody?.size == Self.bigBody.count)
            #expect(seen.spooledBody?.path.hasPrefix(responder.directory + "/.spool-") == true)
            let kept = try Data(contentsOf: URL(fileURLWithPath: responder.directory + "/kept"))
            #expect(kept == Data(Self.bigBody))
            #expect(await waitUntilNoSpoolFile(responder.directory), "\(spoolFiles(responder.directory))")
            // The connection keeps serving.
            #expect(try client.request("PUT", "/spool/keep", body: [1, 2, 3]).status == 200)
        }
    }

    @Test func aBodyTheResponderDoesNotKeepIsDeleted() async throws {
        try await withSpoolServer { server, responder in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            let response = try client.request("PUT", "/spool/drop", body: Array(Self.bigBody.prefix(1_000_000)))
            #expect(response.status == 200 && response.text == "1000000")
            #expect(await waitUntilNoSpoolFile(responder.directory), "\(spoolFiles(responder.directory))")
        }
    }

    @Test func anAbortedUploadLeavesNoFile() async throws {
        try await withSpoolServer { server, responder in
            let client = try TestHTTPClient(port: server.port)
            let head = "PUT /spool/keep HTTP/1.1\r\nHost: t\r\nContent-Length: \(Self.bigBody.count)\r\n\r\n"
            try client.send(Array(head.utf8) + Array(Self.bigBody.prefix(3 * 1024 * 1024)))
            // The partial body is on disk, then the client goes away.
            var started = false
            for _ in 0..<400 where !started {
                started = !spoolFiles(responder.directory).isEmpty
                if !started { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(started, "no spool file while the body arrived")
            client.close()
            // Gone when libmicrohttpd sees the connection end: at once when it reads the
            // close, at the latest when the idle timeout (10 s here) drops the connection.
            #expect(await waitUntilNoSpoolFile(responder.directory, seconds: HTTPServerTests.configuration.connectionTimeoutSeconds + 5),
                    "\(spoolFiles(responder.directory))")
            #expect(responder.seen.withLock { $0.isEmpty })
            #expect(!FileManager.default.fileExists(atPath: responder.directory + "/kept"))
        }
    }

    @Test func aChunkedBodyOverTheLimitIsRefusedAndItsFileDropped() async throws {
        try await withSpoolServer { server, responder in
            let client = try TestHTTPClient(port: server.port)
            defer { client.close() }
            var bytes = Array("PUT /spool/keep HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            let chunk = [UInt8](repeating: 0x61, count: 1024 * 1024)
            for _ in 0..<(SpoolResponder.limit / chunk.count + 2) {
                bytes += Array("100000\r\n".utf8) + chunk + Array("\r\n".utf8)
            }
            bytes += Array("0\r\n\r\n".utf8)
            try client.send(bytes)
            #expect(try client.readResponse().status == 413)
            #expect(responder.seen.withLock { $0.isEmpty })
            #expect(await waitUntilNoSpoolFile(responder.directory), "\(spoolFiles(responder.directory))")
        }
    }

    // MARK: Helpers

    private func spoolFiles(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(".spool-") }
    }

    /// The completion callback runs just after the answer is written: allow it a moment.
    /// Waits by sleeping the task, not the thread: a blocked thread of the shared pool
    /// would starve the timing tests that run beside this suite.
    private func waitUntilNoSpoolFile(_ directory: String, seconds: Int = 5) async -> Bool {
        for _ in 0..<(seconds * 100) {
            if spoolFiles(directory).isEmpty { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    private func withSpoolServer(_ body: (HTTPServer, SpoolResponder) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("spool")).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let responder = SpoolResponder(directory: directory)
        let server = HTTPServer(configuration: HTTPServerTests.configuration, responder: responder)
        try server.start()
        defer { server.shutdown(deadline: .seconds(2)) }
        try await body(server, responder)
    }
}

/// `PUT /spool/keep` renames the spooled body to `<directory>/kept`; `/spool/drop` only
/// answers its size. Bodies up to 16 MB.
final class SpoolResponder: HTTPResponder {
    static let limit = 16 * 1024 * 1024
    let directory: String
    let seen = Mutex<[HTTPRequest]>([])

    init(directory: String) { self.directory = directory }

    func bodyLimit(method: String, path: String) -> Int { Self.limit }

    func spoolDirectory(method: String, path: String) -> String? {
        method == "PUT" && path.hasPrefix("/spool/") ? directory : nil
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        seen.withLock { $0.append(request) }
        guard let spooled = request.spooledBody else { return HTTPResponse(status: 500, text: "not spooled") }
        if request.path == "/spool/keep", rename(spooled.path, directory + "/kept") != 0 {
            return HTTPResponse(status: 500, text: "rename failed: \(errno)")
        }
        return HTTPResponse(text: String(spooled.size))
    }
}
