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
@testable import GalleyGateway
import GalleyTestSupport

/// The gateway with `STORAGE_BACKEND=s3` against a real S3-protocol server on loopback
/// (moto): upload credentials a client can PUT to with URLSession, and detect storing
/// the photo through the same backend. The local storage routes are off in this mode.
@Suite struct GatewayS3Tests {
    static let accessKeyID = "galley-test-key"
    static let secretKey = "galley-test-secret-key"

    @Test func uploadCredentialsAndDetectWorkAgainstS3() async throws {
        let moto = try await GatewayMoto.start()
        let bucket = "galley-gw-\(UInt32.random(in: 0...UInt32.max))"
        let gateway: GatewayProcess
        do {
            try await moto.createBucket(bucket, accessKeyID: Self.accessKeyID, secret: Self.secretKey)
            gateway = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 14, environment: [
                "STORAGE_BACKEND": "s3", "OSS_ENDPOINT": moto.endpoint.absoluteString, "OSS_BUCKET": bucket,
                "OSS_ACCESS_KEY_ID": Self.accessKeyID, "OSS_ACCESS_KEY_SECRET": Self.secretKey, "OSS_DIR_PREFIX": "photos",
                "OSS_UPLOAD_EXPIRE_SECONDS": "120",
            ]))
        } catch {
            await moto.stop()
            throw error
        }
        do {
            try await run(gateway, moto: moto, bucket: bucket)
        } catch {
            Issue.record("failed: \(error)\n\(gateway.logTail())")
        }
        await gateway.tearDown()
        await moto.stop()
    }

    func run(_ gateway: GatewayProcess, moto: GatewayMoto, bucket: String) async throws {
        var configuration = S3StorageConfiguration(endpoint: moto.endpoint, bucket: bucket, accessKeyID: Self.accessKeyID,
                                                   secretAccessKey: Self.secretKey)
        configuration.region = "us-east-1"
        let reader = try S3ObjectStorage(configuration: configuration)
        let (token, userID) = try await gateway.login()

        let photo: [UInt8] = [0xFF, 0xD8, 0xFF] + (0..<50_000).map { UInt8(($0 * 7) % 256) }
        // With the declared size the credentials are a PUT whose signature covers Content-Length.
        let answer = try await gateway.request("POST", "/api/v1/emoji/upload?ext=jpg&size=\(photo.count)", token: token)
        #expect(answer.status == 200)
        let data = try #require(answer.data)
        let key = try #require(data["object_key"]?.stringValue)
        #expect(key.hasPrefix("photos/\(userID)/") && key.hasSuffix(".jpg"))
        let uploadURL = try #require(data["upload"]?["url"]?.stringValue)
        #expect(uploadURL.hasPrefix(moto.endpoint.absoluteString + "/" + bucket + "/"))
        #expect(uploadURL.contains("X-Amz-Signature="))
        #expect(data["image_url"]?.stringValue == "\(moto.endpoint.absoluteString)/\(bucket)/\(key)")

        #expect(data["upload"]?["headers"]?["Content-Length"]?.stringValue == String(photo.count))
        // The app's side: the method, URL and headers as given, the photo as the body.
        var request = URLRequest(url: try #require(URL(string: uploadURL)))
        request.httpMethod = try #require(data["upload"]?["method"]?.stringValue)
        for entry in data["upload"]?["headers"]?.objectValue?.entries ?? [] {
            request.setValue(entry.value.stringValue, forHTTPHeaderField: entry.key)
        }
        request.httpBody = Data(photo)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let stored = try await Self.fetch(try reader.presignedGetURL(key: key, expiresIn: 60, now: Date()))
        #expect(stored.status == 200 && stored.body == photo)

        // Detect stores through the same backend.
        let boundary = "b\(UInt32.random(in: 0...UInt32.max))"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
        body += photo + Array("\r\n--\(boundary)--\r\n".utf8)
        let detected = try await gateway.request("POST", "/api/v1/emoji/detect", token: token,
                                                 headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: body)
        #expect(detected.status == 200 && detected.data?["passed"] == true)
        let imageURL = try #require(detected.data?["image_url"]?.stringValue)
        let detectedKey = String(imageURL.dropFirst("\(moto.endpoint.absoluteString)/\(bucket)/".count))
        #expect(detectedKey.hasPrefix("photos/\(userID)/") && detectedKey.hasSuffix(".png"))
        let detectedObject = try await Self.fetch(try reader.presignedGetURL(key: detectedKey, expiresIn: 60, now: Date()))
        #expect(detectedObject.status == 200 && detectedObject.body == photo)

        // The gateway's own storage routes belong to the local backend only.
        #expect(try await gateway.get("/api/v1/storage/\(key)").code == 404000)
    }

    static func fetch(_ url: String) async throws -> (status: Int, body: [UInt8]) {
        let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url)))
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, Array(data))
    }
}
