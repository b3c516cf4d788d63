import Foundation
import GalleyCore
import GalleyStorage

/// The loopback Aliyun OSS stand-in (`standins/oss/oss_standin.py`, run by
/// `scripts/standins oss`, which creates its venv with the pinned `oss2` on first use)
/// on a free port for one test. It checks every signature with oss2's own signer.
package final class OSSStandIn: Sendable {
    package static let accessKeyID = "LTAI-galley-test"
    package static let accessKeySecret = "galley-oss-test-secret"

    package let bucket: String
    private let process: StandInProcess
    package var port: Int { process.port }

    /// `http://127.0.0.1:<port>`: an IP endpoint, which oss2 (and Galley) address path-style.
    package var endpoint: String { "http://127.0.0.1:\(port)" }

    private init(bucket: String, process: StandInProcess) {
        self.bucket = bucket
        self.process = process
    }

    package static func start(bucket: String = "galley-\(UInt32.random(in: 0...UInt32.max))") async throws -> OSSStandIn {
        let process = try await StandInProcess.start("oss", arguments: [
            "--bucket", bucket, "--access-key-id", accessKeyID, "--access-key-secret", accessKeySecret,
        ])
        return OSSStandIn(bucket: bucket, process: process)
    }

    /// Galley's OSS storage pointed at this stand-in.
    package func storage(acl: String? = "public-read", secret: String = OSSStandIn.accessKeySecret) throws -> OSSObjectStorage {
        guard let url = URL(string: endpoint) else { throw StandInFailure(description: "bad endpoint \(endpoint)") }
        var configuration = OSSStorageConfiguration(
            endpoint: url, bucket: bucket,
            accessKeyID: Self.accessKeyID, accessKeySecret: secret)
        configuration.objectACL = acl
        configuration.requestTimeout = .seconds(10)
        return try OSSObjectStorage(configuration: configuration)
    }

    /// What the stand-in holds: key → (size, content type, ACL, md5), from `/_standin/objects`.
    package func objects() async throws -> [String: (size: Int, contentType: String, acl: String, md5: String)] {
        let port = self.port
        let answer = try await onThread { try GatewayHTTPClient.request(port: port, method: "GET", path: "/_standin/objects") }
        var result: [String: (size: Int, contentType: String, acl: String, md5: String)] = [:]
        for item in answer.json?.arrayValue ?? [] {
            guard let key = item["key"]?.stringValue else { continue }
            result[key] = (Int(item["size"]?.int64Value ?? -1), item["content_type"]?.stringValue ?? "",
                           item["acl"]?.stringValue ?? "", item["md5"]?.stringValue ?? "")
        }
        return result
    }

    /// Sends `bytes` as one raw request to the stand-in (any `Host` header).
    package func raw(_ bytes: [UInt8]) async throws -> GatewayHTTPResponse {
        let port = self.port
        return try await onThread { try GatewayHTTPClient.raw(port: port, bytes: bytes, timeoutSeconds: 10) }
    }

    package func logTail(_ bytes: Int = 3000) -> String { process.logTail(bytes) }

    package func stop() async { await process.stop() }
}

extension OSSStandIn {
    /// Runs `body` against a fresh stand-in and stops it afterwards; a failure is
    /// recorded with the stand-in's log, which shows oss2's string to sign.
    package static func with(_ body: (OSSStandIn) async throws -> Void) async throws {
        let standIn = try await start()
        do {
            try await body(standIn)
        } catch {
            let log = standIn.logTail()
            await standIn.stop()
            throw StandInFailure(description: "failed: \(error)\n\(log)")
        }
        await standIn.stop()
    }
}
