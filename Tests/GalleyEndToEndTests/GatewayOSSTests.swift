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
@testable import GalleyGateway
import GalleyTestSupport

/// Switch day with the original's storage settings: the gateway and the EmojiWorker get
/// the four `OSS_*` and nothing else about storage (`STORAGE_BACKEND` empty counts as
/// unset), and everything lands in the OSS stand-in, whose oss2 signer checked each
/// request, with the original's `public-read` ACL.
@Suite struct GatewayOSSTests {
    static let redisDatabase = 8

    func ossEnvironment(_ standIn: OSSStandIn) -> [String: String] {
        ["STORAGE_BACKEND": "", "STORAGE_LOCAL_DIR": "", "OSS_ENDPOINT": standIn.endpoint, "OSS_BUCKET": standIn.bucket,
         "OSS_ACCESS_KEY_ID": OSSStandIn.accessKeyID, "OSS_ACCESS_KEY_SECRET": OSSStandIn.accessKeySecret,
         "OSS_UPLOAD_EXPIRE_SECONDS": "120", "OSS_OBJECT_ACL": "", "OSS_PUBLIC_BASE_URL": ""]
    }

    @Test func uploadsDetectAndResultsLandInOSSWithThePublicACL() async throws {
        try await OSSStandIn.with { standIn in
            let gateway = try await GatewayProcess.start(GatewayProcess.Options(
                redisDatabase: Self.redisDatabase, environment: ossEnvironment(standIn)))
            do {
                try await run(gateway, standIn)
            } catch {
                Issue.record("failed: \(error)\ngateway: \(gateway.logTail())")
            }
            await gateway.tearDown()
        }
    }

    func run(_ gateway: GatewayProcess, _ standIn: OSSStandIn) async throws {
        let publicBase = "http://\(standIn.bucket).127.0.0.1:\(standIn.port)"
        let (token, userID) = try await gateway.login()

        // 1. Upload credentials point at the stand-in and carry the signed headers.
        let answer = try await gateway.request("POST", "/api/v1/emoji/upload?ext=png", token: token)
        #expect(answer.status == 200, "\(answer.text)")
        let data = try #require(answer.data)
        let key = try #require(data["object_key"]?.stringValue)
        #expect(key.hasPrefix("uploads/\(userID)/") && key.hasSuffix(".png"))
        #expect(data["image_url"]?.stringValue == "\(publicBase)/\(key)")
        let upload = try #require(data["upload"])
        let url = try #require(upload["url"]?.stringValue)
        // A PostObject form whose signed policy binds the key, type, ACL and size.
        #expect(url == "\(standIn.endpoint)/\(standIn.bucket)")
        #expect(upload["method"]?.stringValue == "POST" && upload["headers"] == .object(JSONObject()))
        var fields: [String: String] = [:]
        for entry in upload["fields"]?.objectValue?.entries ?? [] { fields[entry.key] = entry.value.stringValue }
        #expect(fields["key"] == key && fields["Content-Type"] == "image/png" && fields["x-oss-object-acl"] == "public-read")

        let photo: [UInt8] = [0x89, 0x50, 0x4E, 0x47] + (0..<30_000).map { UInt8(($0 * 13) % 256) }
        let postBoundary = "p\(UInt32.random(in: 0...UInt32.max))"
        var post: [UInt8] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            post += Array("--\(postBoundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        post += Array("--\(postBoundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"me.png\"\r\n\r\n".utf8)
        post += photo + Array("\r\n--\(postBoundary)--\r\n".utf8)
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = "POST"
        request.setValue("multipart/form-data; boundary=\(postBoundary)", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(post)
        let (body, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 204, "\(String(decoding: body, as: UTF8.self))")
        let uploaded = try #require(try await standIn.objects()[key])
        #expect(uploaded.size == photo.count && uploaded.acl == "public-read" && uploaded.contentType == "image/png")

        // 2. Detect: the gateway itself puts the photo, signed, with the ACL.
        let boundary = "b\(UInt32.random(in: 0...UInt32.max))"
        var form = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"me.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
        form += photo + Array("\r\n--\(boundary)--\r\n".utf8)
        let detected = try await gateway.request("POST", "/api/v1/emoji/detect", token: token,
                                                 headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: form)
        #expect(detected.status == 200 && detected.data?["passed"] == true, "\(detected.text)")
        let imageURL = try #require(detected.data?["image_url"]?.stringValue)
        #expect(imageURL.hasPrefix("\(publicBase)/uploads/\(userID)/") && imageURL.hasSuffix(".jpg"))
        let detectedKey = String(imageURL.dropFirst(publicBase.count + 1))
        let detectedObject = try #require(try await standIn.objects()[detectedKey])
        #expect(detectedObject.size == photo.count && detectedObject.acl == "public-read" && detectedObject.contentType == "image/jpeg")

        // 3. A task's result video, put by an EmojiWorker (mock generation) with the same settings.
        try await GatewayEmojiTests.credit(gateway, userID, 500)
        let created = try await gateway.post("/api/v1/emoji/create", token: token, json: [
            "image_url": .string(imageURL), "driven_id": "mengwa_kaixin",
            "face_bbox": [10, 20, 110, 120], "ext_bbox": [0, 0, 200, 200]])
        #expect(created.status == 200, "\(created.text)")
        let taskID = try #require(created.data?["id"]?.int64Value)
        let worker = try startWorker(gateway, standIn)
        var task: JSONValue? = nil
        do {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                task = try await gateway.get("/api/v1/emoji/task/\(taskID)", token: token).data
                if task?["status"]?.stringValue != "pending" && task?["status"]?.stringValue != "processing" { break }
                try await Task.sleep(for: .milliseconds(200))
            }
        } catch {
            await worker.stop()
            throw error
        }
        await worker.stop()
        defer { try? FileManager.default.removeItem(at: worker.log) }
        #expect(task?["status"] == "completed", "\(String(describing: task))\n\(workerLog(worker))")
        // results/<user>/<task>_<16 hex tag>.mp4: the tag keeps result keys unguessable (issue 12).
        let resultURL = try #require(task?["result_url"]?.stringValue)
        #expect(resultURL.hasPrefix("\(publicBase)/results/\(userID)/\(taskID)_") && resultURL.hasSuffix(".mp4"), "\(resultURL)")
        let resultKey = String(resultURL.dropFirst(publicBase.count + 1))
        #expect(resultKey.count == "results/\(userID)/\(taskID)_".count + 16 + ".mp4".count, "\(resultKey)")
        let result = try #require(try await standIn.objects()[resultKey], "\(workerLog(worker))")
        #expect(result.size == MockEmojiProvider.sampleVideo.count && result.acl == "public-read" && result.contentType == "video/mp4")
    }

    func startWorker(_ gateway: GatewayProcess, _ standIn: OSSStandIn) throws -> WorkerProcess {
        var environment: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "ENVIRONMENT": "local", "LOG_LEVEL": "info",
            "POSTGRES_SERVER": TestEnvironment.postgresHost, "POSTGRES_PORT": String(TestEnvironment.postgresPort),
            "POSTGRES_USER": TestEnvironment.postgresUser, "POSTGRES_PASSWORD": TestEnvironment.postgresPassword,
            "POSTGRES_DB": gateway.database, "DB_POOL_SIZE": "4", "MIGRATE_ON_START": "false",
            "REDIS_HOST": TestEnvironment.redisHost, "REDIS_PORT": String(TestEnvironment.redisPort),
            "REDIS_DB": String(Self.redisDatabase), "REDIS_POOL_SIZE": "4",
            "ALIYUN_EMOJI_MOCK": "true", "EMOJI_MOCK_DELAY_SECONDS": "0.1",
            "EMOJI_WORKER_CONSUMER": TestEnvironment.uniqueName("oss-worker"), "EMOJI_READ_BLOCK_MILLISECONDS": "200",
            "METRICS_PORT": "0", "HOST": "127.0.0.1", "SHUTDOWN_DEADLINE_SECONDS": "5", "SECRET_KEY": "gateway-test-secret",
        ]
        environment.merge(ossEnvironment(standIn)) { $1 }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("oss-worker") + ".log")
        return try WorkerProcess(executable: EmojiWorkerHarness.executable, environment: environment, log: log)
    }

    func workerLog(_ worker: WorkerProcess) -> String {
        String(((try? String(contentsOf: worker.log, encoding: .utf8)) ?? "").suffix(3000))
    }
}
