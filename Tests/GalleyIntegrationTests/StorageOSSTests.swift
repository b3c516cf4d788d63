import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import GalleyCore
@testable import GalleyHTTP
@testable import GalleyStorage
@testable import GalleyHTTPClient
import GalleyTestSupport

/// OSSObjectStorage against the loopback OSS stand-in, which checks every signature
/// with the `oss2` SDK's own signer and answers OSS's XML errors. The endpoint is
/// `http://127.0.0.1:<port>`, which oss2 (and Galley) address path-style; the
/// virtual-hosted form is sent with its `Host` header over a raw socket, since
/// `<bucket>.127.0.0.1` resolves nowhere.
@Suite struct StorageOSSTests {
    private func bytes(_ count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ seed) }
    }


    @Test func putGetHeadWithTheObjectACL() async throws {
        try await OSSStandIn.with { standIn in
            let storage = try standIn.storage()
            let body = bytes(70_000, seed: 3)
            let url = try await storage.put(key: "uploads/7/a.jpg", data: body, contentType: "image/jpeg")
            #expect(url == "http://\(standIn.bucket).127.0.0.1:\(standIn.port)/uploads/7/a.jpg")

            let stored = try #require(try await standIn.objects()["uploads/7/a.jpg"])
            #expect(stored.size == body.count && stored.contentType == "image/jpeg" && stored.acl == "public-read")

            let fetched = try #require(try await storage.get(key: "uploads/7/a.jpg"))
            #expect(fetched.data == body)
            #expect(fetched.info.contentType == "image/jpeg")
            let head = try #require(try await storage.head(key: "uploads/7/a.jpg"))
            #expect(head.size == body.count)
            #expect(try await storage.head(key: "uploads/7/missing.jpg") == nil)
            #expect(try await storage.get(key: "uploads/7/missing.jpg") == nil)

            // Without an ACL setting no header is sent: the object keeps the bucket's default.
            _ = try await standIn.storage(acl: nil).put(key: "results/1/2.mp4", data: [1, 2, 3], contentType: "video/mp4")
            #expect(try await standIn.objects()["results/1/2.mp4"]?.acl == "default")
        }
    }

    @Test func aWrongSecretIsRefusedWithSignatureDoesNotMatch() async throws {
        try await OSSStandIn.with { standIn in
            let storage = try standIn.storage(secret: "not-the-secret")
            do {
                _ = try await storage.put(key: "uploads/1/x.jpg", data: [1], contentType: "image/jpeg")
                Issue.record("a wrongly signed PUT was accepted")
            } catch let error as StorageError {
                #expect(error == .upstream(status: 403))
                #expect(error.debugDescription.contains("SignatureDoesNotMatch"))
            }
            #expect(try await standIn.objects().isEmpty)
        }
    }

    /// Posts `fields` then `file` (`curl -F`, as a browser form would) to `url`; (status, body).
    private func postForm(_ url: String, fields: [String: String], file: [UInt8]) async throws -> (Int, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("oss-post")).path
        try Data(file).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = ["curl", "-s", "-w", "\n%{http_code}"]
            + fields.sorted { $0.key < $1.key }.flatMap { ["--form-string", "\($0.key)=\($0.value)"] }
            + ["-F", "file=@\(path)", url]
        let out = Pipe()
        curl.standardOutput = out
        try curl.run()
        let text = try await onThread { () -> String in
            let data = out.fileHandleForReading.readDataToEndOfFile()
            curl.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// Upload credentials are a PostObject policy the stand-in enforces: key, type and ACL
    /// as signed, and the size bound (1 byte to 10 MB, or exactly a declared size), so an
    /// oversized upload is refused by the store itself, not only by the gateway's check.
    @Test func postPolicyUploadsAreBoundToTheirSize() async throws {
        try await OSSStandIn.with { standIn in
            let storage = try standIn.storage()
            let credentials = try storage.uploadCredentials(key: "uploads/9/p.png", contentType: "image/png", expiresIn: 120, now: Date())
            #expect(credentials.method == "POST" && credentials.headers.isEmpty)
            #expect(credentials.url == "\(standIn.endpoint)/\(standIn.bucket)")

            // 10 MB and one byte: refused by the policy's content-length-range.
            let tooLarge = try await postForm(credentials.url, fields: credentials.fields, file: bytes(10 * 1024 * 1024 + 1, seed: 1))
            #expect(tooLarge.0 == 400 && tooLarge.1.contains("<Code>EntityTooLarge</Code>"), "\(tooLarge)")
            #expect(try await standIn.objects().isEmpty)

            // Another type, another ACL, another key: each fails a condition of the signed policy.
            for (name, value) in [("Content-Type", "image/jpeg"), ("x-oss-object-acl", "public-read-write"), ("key", "uploads/8/p.png")] {
                var fields = credentials.fields
                fields[name] = value
                let (status, body) = try await postForm(credentials.url, fields: fields, file: bytes(100, seed: 2))
                #expect(status == 403 && body.contains("Policy Condition failed"), "\(name): \(body)")
            }
            // A policy with a wider range under the old signature: refused.
            let wide = try storage.uploadCredentials(key: "uploads/9/p.png", contentType: "image/png", size: 5_000, expiresIn: 120, now: Date())
            var forged = credentials.fields
            forged["policy"] = wide.fields["policy"]
            let forgedAnswer = try await postForm(credentials.url, fields: forged, file: bytes(100, seed: 3))
            #expect(forgedAnswer.0 == 403 && forgedAnswer.1.contains("<Code>SignatureDoesNotMatch</Code>"), "\(forgedAnswer)")
            #expect(try await standIn.objects().isEmpty)

            let photo = bytes(40_000, seed: 9)
            let (status, body) = try await postForm(credentials.url, fields: credentials.fields, file: photo)
            #expect(status == 204, "\(body)")
            let stored = try #require(try await standIn.objects()["uploads/9/p.png"])
            #expect(stored.size == photo.count && stored.acl == "public-read" && stored.contentType == "image/png")
            #expect(try await storage.get(key: "uploads/9/p.png")?.data == photo)

            // A declared size binds exactly: one byte more or less is refused.
            let exact = try storage.uploadCredentials(key: "uploads/9/e.png", contentType: "image/png", size: 1_000, expiresIn: 120, now: Date())
            let over = try await postForm(exact.url, fields: exact.fields, file: bytes(1_001, seed: 4))
            #expect(over.0 == 400 && over.1.contains("EntityTooLarge"), "\(over)")
            let under = try await postForm(exact.url, fields: exact.fields, file: bytes(999, seed: 4))
            #expect(under.0 == 400 && under.1.contains("EntityTooSmall"), "\(under)")
            #expect(try await standIn.objects()["uploads/9/e.png"] == nil)
            #expect(try await postForm(exact.url, fields: exact.fields, file: bytes(1_000, seed: 4)).0 == 204)
            #expect(try await standIn.objects()["uploads/9/e.png"]?.size == 1_000)

            // Expired: signed two minutes ago for one minute.
            let old = try storage.uploadCredentials(key: "uploads/9/q.png", contentType: "image/png", expiresIn: 60,
                                                    now: Date().addingTimeInterval(-120))
            let expired = try await postForm(old.url, fields: old.fields, file: photo)
            #expect(expired.0 == 403 && expired.1.contains("Policy expired"), "\(expired)")
            #expect(try await standIn.objects()["uploads/9/q.png"] == nil)
        }
    }

    /// A non-IP endpoint is addressed `<bucket>.<endpoint>`; the stand-in takes the bucket
    /// from that `Host` and oss2 checks the same signature.
    @Test func virtualHostedRequestsCarryTheBucketInTheHost() async throws {
        try await OSSStandIn.with { standIn in
            var configuration = OSSStorageConfiguration(
                endpoint: try #require(URL(string: "http://oss-test.invalid:\(standIn.port)")), bucket: standIn.bucket,
                accessKeyID: OSSStandIn.accessKeyID, accessKeySecret: OSSStandIn.accessKeySecret)
            configuration.objectACL = "public-read"
            let storage = try OSSObjectStorage(configuration: configuration)
            #expect(!storage.isPathStyle)
            let body: [UInt8] = Array("virtual".utf8)
            func raw(_ request: HTTPClientRequest, body: [UInt8]) async throws -> GatewayHTTPResponse {
                let url = try #require(URL(string: request.url))
                var head = "\(request.method) \(url.path) HTTP/1.1\r\nHost: \(url.host ?? ""):\(url.port ?? 80)\r\n"
                for (name, value) in request.headers { head += "\(name): \(value)\r\n" }
                head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                return try await standIn.raw(Array(head.utf8) + body)
            }
            let put = try storage.signedRequest("PUT", key: "uploads/3/v.jpg",
                                                headers: ["Content-Type": "image/jpeg", "x-oss-object-acl": "public-read"])
            #expect(URL(string: put.url)?.host == "\(standIn.bucket).oss-test.invalid")
            let answer = try await raw(put, body: body)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(try await standIn.objects()["uploads/3/v.jpg"]?.acl == "public-read")

            let tampered = try storage.signedRequest("PUT", key: "uploads/3/v.jpg",
                                                     headers: ["Content-Type": "image/jpeg", "x-oss-object-acl": "public-read"])
            var forged = tampered
            forged.headers = forged.headers.map { $0.name == "x-oss-object-acl" ? (name: $0.name, value: "public-read-write") : $0 }
            let refused = try await raw(forged, body: body)
            #expect(refused.status == 403 && refused.text.contains("SignatureDoesNotMatch"))
        }
    }
}

/// The stand-in judged by the real oss2 client (`standins/oss/oss2_client_check.py`):
/// oss2's own requests and presigned URLs pass, a wrong secret and a tampered header
/// fail. Together with ``StorageOSSTests`` this shows Galley and oss2 are judged alike.
@Suite struct OSSStandInTests {
    @Test func theRealOSS2ClientIsAcceptedAndItsForgeriesAreNot() async throws {
        try await OSSStandIn.with { standIn in
            let python = TestEnvironment.repositoryRoot.appendingPathComponent(".local/venv-standins/bin/python").path
            let script = TestEnvironment.repositoryRoot.appendingPathComponent("standins/oss/oss2_client_check.py").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script, "--endpoint", standIn.endpoint, "--bucket", standIn.bucket,
                                 "--access-key-id", OSSStandIn.accessKeyID, "--access-key-secret", OSSStandIn.accessKeySecret]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = try await onThread { () -> String in
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                return String(decoding: data, as: UTF8.self)
            }
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.components(separatedBy: "\nok ").count >= 8, "\(text)")
            #expect(try await standIn.objects()["uploads/1/oss2.jpg"]?.acl == "public-read")
            #expect(try await standIn.objects()["uploads/1/wrong.jpg"] == nil)
        }
    }
}
