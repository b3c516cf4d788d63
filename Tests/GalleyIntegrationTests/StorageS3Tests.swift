import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyStorage
@testable import GalleyRuntime
@testable import GalleyEmoji
@testable import GalleyWebhooks
@testable import GalleyRewards
import GalleyTestSupport

/// S3ObjectStorage against a real S3-protocol server: moto (`python3 -m moto.server`)
/// on a free loopback port, one server per test. moto accepts any credentials and does
/// not check signatures; the signatures themselves are checked in StorageSigV4Tests.
@Suite struct StorageS3Tests {
    static let accessKeyID = "galley-test-key"
    static let secretAccessKey = "galley-test-secret"

    private func bytes(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ Int(seed)) }
    }

    /// Compared outside `#expect`, whose failure message would print every byte.
    private func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        if a != b { Issue.record("bytes differ: \(a.count) vs \(b.count) bytes") }
        return a == b
    }

    private func bucketName() -> String { "galley-test-\(UInt32.random(in: 0...UInt32.max))" }

    private func storage(endpoint: URL, bucket: String, maxCopyBytes: Int? = nil) throws -> S3ObjectStorage {
        var configuration = S3StorageConfiguration(
            endpoint: endpoint, bucket: bucket, accessKeyID: Self.accessKeyID, secretAccessKey: Self.secretAccessKey
        )
        if let maxCopyBytes { configuration.maxCopyBytes = maxCopyBytes }
        return try S3ObjectStorage(configuration: configuration)
    }

    /// Creates `bucket` with a presigned PUT to `<endpoint>/<bucket>`.
    private func createBucket(_ bucket: String, endpoint: URL) async throws {
        let signer = SigV4Signer(accessKeyID: Self.accessKeyID, secretAccessKey: Self.secretAccessKey)
        let host = "\(endpoint.host ?? "127.0.0.1"):\(endpoint.port ?? 80)"
        let url = signer.presign(method: "PUT", scheme: "http", host: host, path: "/\(bucket)", expiresIn: 60, date: Date())
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = "PUT"
        let (_, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode
        try #require(status == 200, "create bucket answered \(String(describing: status))")
    }

    private func get(_ url: String) async throws -> (status: Int, body: [UInt8], contentType: String?) {
        let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url)))
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, Array(data), http.value(forHTTPHeaderField: "Content-Type"))
    }

    @Test func presignedUploadRoundTrip() async throws {
        try await MotoServer.with { endpoint in
            let bucket = bucketName()
            try await createBucket(bucket, endpoint: endpoint)
            let storage = try storage(endpoint: endpoint, bucket: bucket)
            let key = try ObjectKey.upload(prefix: "uploads", userID: "42", ext: "jpg")
            let photo = bytes(70_000, seed: 3) + Array(0...255)
            let credentials = try storage.uploadCredentials(key: key, contentType: "image/jpeg", size: photo.count, expiresIn: 60, now: Date())
            #expect(credentials.imageURL == "\(endpoint.absoluteString)/\(bucket)/\(key)")
            #expect(credentials.headers["Content-Length"] == String(photo.count))

            // The client's side: the given method, URL and headers, the photo as the body.
            var request = URLRequest(url: try #require(URL(string: credentials.url)))
            request.httpMethod = credentials.method
            for (name, value) in credentials.headers { request.setValue(value, forHTTPHeaderField: name) }
            request.httpBody = Data(photo)
            let (_, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)

            // moto keeps objects private (like a bucket without a public-read policy), so
            // the object is read back with a presigned GET, not through its public URL.
            let signed = try await get(try storage.presignedGetURL(key: key, expiresIn: 60, now: Date()))
            #expect(signed.status == 200)
            #expect(same(signed.body, photo))
            #expect(signed.contentType == "image/jpeg")
            #expect(try await get(credentials.imageURL).status == 403)
        }
    }

    /// Without a declared size: the POST policy's form, as a browser or `curl -F` sends it.
    @Test func postPolicyUploadRoundTrip() async throws {
        try await MotoServer.with { endpoint in
            let bucket = bucketName()
            try await createBucket(bucket, endpoint: endpoint)
            let storage = try storage(endpoint: endpoint, bucket: bucket)
            let key = try ObjectKey.upload(prefix: "uploads", userID: "42", ext: "jpg")
            let credentials = try storage.uploadCredentials(key: key, contentType: "image/jpeg", expiresIn: 60, now: Date())
            #expect(credentials.method == "POST")
            let photo = bytes(50_000, seed: 5)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("policy") + ".jpg")
            try Data(photo).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            // The file goes last, as S3 requires; `-F name=value` keeps each field as given.
            curl.arguments = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"]
                + credentials.fields.sorted { $0.key < $1.key }.flatMap { ["--form-string", "\($0.key)=\($0.value)"] }
                + ["-F", "file=@\(file.path)", credentials.url]
            let out = Pipe()
            curl.standardOutput = out
            try curl.run()
            curl.waitUntilExit()
            let status = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(["200", "201", "204"].contains(status), "POST policy upload answered \(status)")
            let signed = try await get(try storage.presignedGetURL(key: key, expiresIn: 60, now: Date()))
            #expect(signed.status == 200)
            #expect(same(signed.body, photo))
        }
    }

    @Test func putAndCopyRoundTrip() async throws {
        try await MotoServer.with { endpoint in
            let bucket = bucketName()
            try await createBucket(bucket, endpoint: endpoint)
            let storage = try storage(endpoint: endpoint, bucket: bucket)

            let video = bytes(300_000, seed: 11)
            let url = try await storage.put(key: "results/42/1.mp4", data: video, contentType: "video/mp4")
            #expect(url == storage.publicURL(for: "results/42/1.mp4"))
            let stored = try await get(try storage.presignedGetURL(key: "results/42/1.mp4", expiresIn: 60, now: Date()))
            #expect(stored.status == 200)
            #expect(same(stored.body, video))
            #expect(stored.contentType == "video/mp4")

            // The provider's expiring result URL, played by a presigned GET of the stored object.
            let source = try #require(URL(string: try storage.presignedGetURL(key: "results/42/1.mp4", expiresIn: 60, now: Date())))
            let copied = try await storage.copy(from: source, to: "results/42/2.mp4", contentType: "video/mp4")
            #expect(copied == storage.publicURL(for: "results/42/2.mp4"))
            let copy = try await get(try storage.presignedGetURL(key: "results/42/2.mp4", expiresIn: 60, now: Date()))
            #expect(copy.status == 200)
            #expect(same(copy.body, video))
            #expect(copy.contentType == "video/mp4")

            // The local backend copies from the same kind of source.
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent(TestEnvironment.uniqueName("galley_storage"), isDirectory: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let local = try LocalObjectStorage(directory: directory.path, signingSecret: [1, 2, 3])
            let localURL = try await local.copy(from: source, to: "results/42/3.mp4", contentType: "video/mp4")
            #expect(localURL == local.publicURL(for: "results/42/3.mp4"))
            #expect(same(try local.read(key: "results/42/3.mp4") ?? [], video))
        }
    }

    @Test func failuresAreTypedErrors() async throws {
        try await MotoServer.with { endpoint in
            let bucket = bucketName()
            try await createBucket(bucket, endpoint: endpoint)
            let storage = try storage(endpoint: endpoint, bucket: bucket, maxCopyBytes: 1000)
            _ = try await storage.put(key: "big/1.bin", data: bytes(5000, seed: 1), contentType: "application/octet-stream")

            let missing = try #require(URL(string: try storage.presignedGetURL(key: "big/missing.bin", expiresIn: 60, now: Date())))
            await #expect(throws: StorageError.upstream(status: 404)) {
                try await storage.copy(from: missing, to: "big/2.bin", contentType: "application/octet-stream")
            }
            let big = try #require(URL(string: try storage.presignedGetURL(key: "big/1.bin", expiresIn: 60, now: Date())))
            await #expect(throws: StorageError.tooLarge) {
                try await storage.copy(from: big, to: "big/3.bin", contentType: "application/octet-stream")
            }
            let nowhere = try self.storage(endpoint: endpoint, bucket: bucketName())
            await #expect(throws: StorageError.upstream(status: 404)) {
                try await nowhere.put(key: "a/b.bin", data: [1], contentType: "application/octet-stream")
            }
            // Nothing listens on port 1: a transport failure, not a status.
            let unreachable = try self.storage(endpoint: try #require(URL(string: "http://127.0.0.1:1")), bucket: bucket)
            await #expect(throws: StorageError.transport) {
                try await unreachable.put(key: "a/b.bin", data: [1], contentType: "application/octet-stream")
            }
        }
    }
}

/// One moto server process for the duration of a test body. If moto cannot be started,
/// the test fails saying why (never skipped).
private struct MotoServer {
    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    static func with(_ body: (URL) async throws -> Void) async throws {
        try checkInstalled()
        var lastFailure = "not started"
        // A free port can be taken between probing and binding; try a few.
        for _ in 0..<3 {
            let port = try freePort()
            let log = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("moto") + ".log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: log) }
            let handle = try FileHandle(forWritingTo: log)
            defer { try? handle.close() }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            // Children inherit the spawning thread's signal mask, which blocks SIGTERM on
            // the test runner's threads: unblock everything, then run moto's server module.
            process.arguments = ["python3", "-c", """
                import runpy, signal, sys
                signal.pthread_sigmask(signal.SIG_SETMASK, [])
                sys.argv = ["moto.server", "-H", "127.0.0.1", "-p", "\(port)"]
                runpy.run_module("moto.server", run_name="__main__")
                """]
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            let endpoint = try #require(URL(string: "http://127.0.0.1:\(port)"))
            let answering = await waitUntilAnswering(endpoint, process: process)
            var outcome: Result<Void, any Error> = .success(())
            if answering {
                do { try await body(endpoint) } catch { outcome = .failure(error) }
            }
            await stop(process)
            if answering { return try outcome.get() }
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            lastFailure = "moto on port \(port) did not answer; output: \(output.suffix(1500))"
        }
        Issue.record("could not start moto: \(lastFailure)")
        throw StartFailure(description: lastFailure)
    }

    /// Fails the test with the reason when moto or its server extras are missing.
    private static func checkInstalled() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import moto, flask, flask_cors; print(moto.__version__)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let reason = "python3 cannot import moto with its server extras (pip install 'moto[server]'): \(output.suffix(800))"
            Issue.record(Comment(rawValue: reason))
            throw StartFailure(description: reason)
        }
    }

    /// SIGTERM, then SIGKILL if moto is still there after 10 s; always reaps it.
    private static func stop(_ process: Process) async {
        if process.isRunning { process.terminate() }
        for _ in 0..<100 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(100))
        }
        if process.isRunning {
            Issue.record("moto ignored SIGTERM; killing it")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// Polls until moto answers HTTP (any status), for up to 60 s on a busy machine.
    private static func waitUntilAnswering(_ endpoint: URL, process: Process) async -> Bool {
        for _ in 0..<600 {
            guard process.isRunning else { return false }
            var request = URLRequest(url: endpoint)
            request.timeoutInterval = 2
            if let (_, response) = try? await URLSession.shared.data(for: request), response is HTTPURLResponse {
                return true
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// A loopback port nothing listens on right now (the kernel's pick for port 0).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StartFailure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw StartFailure(description: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw StartFailure(description: "getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
