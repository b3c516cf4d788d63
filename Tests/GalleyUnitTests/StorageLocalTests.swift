import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyStorage
@testable import GalleyRuntime
import GalleyTestSupport

@Suite struct StorageLocalTests {
    let secret = Array("local-signing-secret".utf8)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func makeStorage() throws -> (LocalObjectStorage, URL) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent(TestEnvironment.uniqueName("galley_storage"), isDirectory: true)
        let storage = try LocalObjectStorage(directory: directory.path, signingSecret: secret)
        return (storage, directory)
    }

    /// The query items of an upload URL, as the gateway's route will see them.
    private func query(of url: String) throws -> [String: String] {
        let items = try #require(URLComponents(string: url)?.queryItems)
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
    }

    @Test func credentialsVerifyOnlyForTheSignedUpload() throws {
        let (storage, directory) = try makeStorage()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = "uploads/42/photo.jpg"
        let credentials = try storage.uploadCredentials(key: key, contentType: "image/jpeg", expiresIn: 60, now: now)

        #expect(credentials.objectKey == key)
        #expect(credentials.method == "PUT")
        #expect(credentials.imageURL == "http://127.0.0.1:8000/api/v1/storage/uploads/42/photo.jpg")
        #expect(credentials.url.hasPrefix(credentials.imageURL + "?expires="))
        #expect(credentials.headers == ["Content-Type": "image/jpeg"])
        #expect(credentials.fields.isEmpty)
        #expect(credentials.expiresAt == now.addingTimeInterval(60))

        let q = try query(of: credentials.url)
        let expires = try #require(q["expires"])
        let signature = try #require(q["signature"])
        #expect(expires == "1800000060")
        #expect(storage.verifyUpload(key: key, expires: expires, signature: signature, contentType: "image/jpeg", now: now))
        #expect(storage.verifyUpload(key: key, expires: expires, signature: signature, contentType: "image/jpeg",
                                     now: now.addingTimeInterval(60)))

        // Expired, tampered, another type, another key, a stretched expiry.
        #expect(!storage.verifyUpload(key: key, expires: expires, signature: signature, contentType: "image/jpeg",
                                      now: now.addingTimeInterval(61)))
        var tampered = Array(signature)
        tampered[0] = tampered[0] == "0" ? "1" : "0"
        #expect(!storage.verifyUpload(key: key, expires: expires, signature: String(tampered), contentType: "image/jpeg", now: now))
        #expect(!storage.verifyUpload(key: key, expires: expires, signature: "", contentType: "image/jpeg", now: now))
        #expect(!storage.verifyUpload(key: key, expires: expires, signature: signature, contentType: "image/png", now: now))
        #expect(!storage.verifyUpload(key: "uploads/43/photo.jpg", expires: expires, signature: signature,
                                      contentType: "image/jpeg", now: now))
        #expect(!storage.verifyUpload(key: key, expires: "1800000999", signature: signature, contentType: "image/jpeg", now: now))
        #expect(!storage.verifyUpload(key: key, expires: "01800000060", signature: signature, contentType: "image/jpeg", now: now))

        // Another secret signs differently.
        let other = try LocalObjectStorage(directory: directory.path, signingSecret: Array("other".utf8))
        #expect(!other.verifyUpload(key: key, expires: expires, signature: signature, contentType: "image/jpeg", now: now))
    }

    @Test(arguments: ["../x", "/abs", "a b", "", "a//b", "a/", ".hidden", "a/./b", "a/../b", "x..y", "é.jpg",
                      "a\\b", "a?b", "a%2Fb", String(repeating: "a", count: 513)])
    func invalidKeysAreRejected(key: String) async throws {
        let (storage, directory) = try makeStorage()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(!ObjectKey.isValid(key))
        #expect(throws: StorageError.invalidKey) {
            try storage.uploadCredentials(key: key, contentType: "image/jpeg", expiresIn: 60, now: now)
        }
        await #expect(throws: StorageError.invalidKey) {
            try await storage.put(key: key, data: [1, 2, 3], contentType: "image/jpeg")
        }
        #expect(throws: StorageError.invalidKey) { try storage.write(key: key, data: [1]) }
        #expect(throws: StorageError.invalidKey) { try storage.read(key: key) }
        #expect(!storage.verifyUpload(key: key, expires: "1800000060", signature: "00", contentType: "image/jpeg", now: now))
    }

    @Test func validKeysAndKeyBuilders() throws {
        for key in ["uploads/42/abc.jpg", "a", "A-Z_0.9/x-y.mp4", String(repeating: "a", count: 512)] {
            #expect(ObjectKey.isValid(key))
        }
        let upload = try ObjectKey.upload(prefix: "/uploads/", userID: "42", ext: "JPG")
        #expect(upload.hasPrefix("uploads/42/") && upload.hasSuffix(".jpg") && upload.count == "uploads/42/".count + 36)
        #expect(try ObjectKey.upload(prefix: "uploads", userID: "42", ext: "jpg") != upload)
        #expect(try ObjectKey.result(prefix: "results", userID: "42", taskID: "7") == "results/42/7.mp4")
        #expect(try ObjectKey.join("", "a", "b.png") == "a/b.png")
        #expect(throws: StorageError.invalidKey) { try ObjectKey.upload(prefix: "uploads", userID: "../1", ext: "jpg") }
        #expect(ObjectKey.contentType(of: "a/b.JPEG") == "image/jpeg")
        #expect(ObjectKey.contentType(of: "results/1/2.mp4") == "video/mp4")
        #expect(ObjectKey.contentType(of: "a.b/noext") == "application/octet-stream")
    }

    @Test func putAndReadRoundTripBinaryBytes() async throws {
        let (storage, directory) = try makeStorage()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bytes = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } + [0, 0, 255, 13, 10]
        let url = try await storage.put(key: "uploads/42/bin.png", data: bytes, contentType: "image/png")
        #expect(url == "http://127.0.0.1:8000/api/v1/storage/uploads/42/bin.png")
        let roundTrip = try #require(try storage.read(key: "uploads/42/bin.png"))
        #expect(roundTrip.count == bytes.count)
        let equal = roundTrip == bytes  // outside #expect, whose failure would print every byte
        #expect(equal)

        // Overwrite replaces the whole object and leaves no temporary file behind.
        try storage.write(key: "uploads/42/bin.png", data: [9, 8, 7])
        #expect(try storage.read(key: "uploads/42/bin.png") == [9, 8, 7])
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("uploads/42").path)
        #expect(names == ["bin.png"])

        #expect(try storage.read(key: "uploads/42/missing.png") == nil)
        #expect(try storage.read(key: "uploads/42") == nil)  // a directory is no object
        #expect(try storage.read(key: "uploads/42/bin.png") != nil)
    }

    @Test func putOnABlockingExecutorAndEmptyObjects() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent(TestEnvironment.uniqueName("galley_storage"), isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let executor = BlockingExecutor(name: "storage-test", threads: 1)
        defer { executor.shutdown() }
        let storage = try LocalObjectStorage(directory: directory.path, publicBaseURL: "http://gw.test/files/",
                                             signingSecret: secret, fileExecutor: executor)
        #expect(try await storage.put(key: "e/empty.bin", data: [], contentType: "application/octet-stream")
            == "http://gw.test/files/e/empty.bin")
        #expect(try storage.read(key: "e/empty.bin") == [])
    }

    @Test func badArgumentsAreRefused() async throws {
        let (storage, directory) = try makeStorage()
        defer { try? FileManager.default.removeItem(at: directory) }
        for contentType in ["", "image/jpeg\r\nX-Evil: 1", "imäge/jpeg"] {
            #expect(throws: StorageError.invalidArgument) {
                try storage.uploadCredentials(key: "a.jpg", contentType: contentType, expiresIn: 60, now: now)
            }
        }
        for expiry in [0, -1, 604_801] {
            #expect(throws: StorageError.invalidArgument) {
                try storage.uploadCredentials(key: "a.jpg", contentType: "image/jpeg", expiresIn: expiry, now: now)
            }
        }
        // A copy source must be http(s): never a local file.
        await #expect(throws: StorageError.invalidArgument) {
            try await storage.copy(from: URL(fileURLWithPath: "/etc/passwd"), to: "x/passwd", contentType: "text/plain")
        }
        #expect(throws: StorageError.notConfigured) {
            try LocalObjectStorage(directory: directory.path, signingSecret: [])
        }
    }

    @Test func factoryBuildsTheConfiguredBackend() throws {
        var settings = try Settings.load(from: ["POSTGRES_SERVER": "db", "POSTGRES_USER": "u"]).storage
        settings.localDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("galley_factory").path
        let local = try ObjectStorageFactory.make(settings: settings, signingSecret: secret,
                                                  localPublicBaseURL: "http://10.0.0.5:8000/api/v1/storage")
        #expect(local is LocalObjectStorage)
        #expect(local.publicURL(for: "a/b.jpg") == "http://10.0.0.5:8000/api/v1/storage/a/b.jpg")

        settings.backend = .s3
        #expect(throws: StorageError.notConfigured) {
            try ObjectStorageFactory.make(settings: settings, signingSecret: secret, localPublicBaseURL: "")
        }
        settings.endpoint = "oss-cn-hangzhou.aliyuncs.com"
        settings.bucket = "pickitchen"
        settings.accessKeyID = "id"
        settings.accessKeySecret = "secret"
        settings.region = "oss-cn-hangzhou"
        let oss = try ObjectStorageFactory.make(settings: settings, signingSecret: secret, localPublicBaseURL: "")
        let ossStorage = try #require(oss as? S3ObjectStorage)
        #expect(ossStorage.configuration.addressing == .virtualHosted)
        #expect(ossStorage.configuration.region == "oss-cn-hangzhou")
        #expect(oss.publicURL(for: "results/1/2.mp4") == "https://pickitchen.oss-cn-hangzhou.aliyuncs.com/results/1/2.mp4")

        settings.endpoint = "http://minio:9000"
        settings.publicBaseURL = "https://cdn.example.com/"
        let minio = try #require(try ObjectStorageFactory.make(settings: settings, signingSecret: secret,
                                                               localPublicBaseURL: "") as? S3ObjectStorage)
        #expect(minio.configuration.addressing == .path)
        #expect(minio.publicURL(for: "a/b.jpg") == "https://cdn.example.com/a/b.jpg")
        let credentials = try minio.uploadCredentials(key: "a/b.jpg", contentType: "image/jpeg", size: 10, expiresIn: 60, now: now)
        #expect(credentials.url.hasPrefix("http://minio:9000/pickitchen/a/b.jpg?"))
        #expect(credentials.imageURL == "https://cdn.example.com/a/b.jpg")

        settings.bucket = "Bad_Bucket"
        #expect(throws: StorageError.notConfigured) {
            try ObjectStorageFactory.make(settings: settings, signingSecret: secret, localPublicBaseURL: "")
        }
    }

    @Test func credentialsJSONHasTheContractShape() throws {
        let credentials = UploadCredentials(
            objectKey: "uploads/1/a.jpg", imageURL: "http://x/uploads/1/a.jpg", method: "PUT",
            url: "http://x/uploads/1/a.jpg?sig", headers: ["Content-Type": "image/jpeg"], fields: [:],
            expiresAt: Date(timeIntervalSince1970: 1_800_000_000.5)
        )
        let json = credentials.jsonValue
        #expect(json == [
            "object_key": "uploads/1/a.jpg",
            "image_url": "http://x/uploads/1/a.jpg",
            "upload": ["method": "PUT", "url": "http://x/uploads/1/a.jpg?sig",
                       "headers": ["Content-Type": "image/jpeg"], "fields": [:]],
            "expires_at": "2027-01-15T08:00:00.500000Z",
        ])
    }

    @Test func errorDescriptionsCarryNoData() {
        let error = StorageError.invalidKey("../secret/key")
        #expect(!error.description.contains("secret"))
        #expect(error.debugDescription.contains("../secret/key"))
        #expect(error == StorageError.invalidKey)
        #expect(StorageError.upstream(status: 404, "NoSuchKey") == .upstream(status: 404))
        #expect(StorageError.upstream(status: 404) != .upstream(status: 403))
        #expect(StorageError.upstream(status: 503).description == "storage error: object store answered HTTP 503")
    }
}
