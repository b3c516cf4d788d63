import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyStorage
@testable import GalleyRuntime
import GalleyTestSupport

/// OSS V1 signing without a server. The expected signatures and URLs were computed by
/// the `oss2` 2.19.1 SDK itself (`oss2.Auth`'s signer and `Bucket.sign_url` with
/// `slash_safe=True`, time fixed at 1764624847.9), the original's signer.
@Suite struct StorageOSSSignerTests {
    static let signer = OSSSigner(accessKeyID: "44CF9590006BF252F707", accessKeySecret: "OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV")

    /// RFC 2202 test cases 1 and 2.
    @Test func hmacSHA1MatchesRFC2202() throws {
        let one = try #require(Crypto.hmacSHA1(key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8)))
        #expect(Crypto.hex(one) == "b617318655057264e28bc0b6fb378c8ef146be00")
        let two = try #require(Crypto.hmacSHA1(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8)))
        #expect(Crypto.hex(two) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }

    @Test func headerSignatureMatchesOSS2() throws {
        let put = try Self.signer.authorization(
            method: "PUT", bucket: "pickitchen", key: "uploads/7/1764600000_0123456789abcdef.jpg",
            headers: ["Content-Type": "image/jpeg", "x-oss-object-acl": "public-read"],
            date: "Tue, 01 Dec 2026 21:34:07 GMT")
        #expect(put == "OSS 44CF9590006BF252F707:SjJ66EvzPR3Tmpw0bpwF/xNxlC0=")
        let get = try Self.signer.authorization(method: "GET", bucket: "pickitchen", key: "results/7/42.mp4",
                                                headers: [:], date: "Tue, 01 Dec 2026 21:34:07 GMT")
        #expect(get == "OSS 44CF9590006BF252F707:GIyPAeN+KW/q24qRFfTPiMka7oc=")
        // Any change to a signed part changes the signature.
        let tampered = try Self.signer.authorization(
            method: "PUT", bucket: "pickitchen", key: "uploads/7/1764600000_0123456789abcdef.jpg",
            headers: ["Content-Type": "image/jpeg", "x-oss-object-acl": "private"], date: "Tue, 01 Dec 2026 21:34:07 GMT")
        #expect(tampered != put)
    }

    @Test func stringToSignHasOSSLayout() {
        let text = OSSSigner.stringToSign(
            method: "PUT", headers: ["X-OSS-Meta-B": "2", "x-oss-meta-a": "1", "Content-MD5": "md5", "content-type": "text/plain",
                                     "Host": "ignored"],
            date: "D", resource: "/b/k")
        #expect(text == "PUT\nmd5\ntext/plain\nD\nx-oss-meta-a:1\nx-oss-meta-b:2\n/b/k")
    }

    @Test(arguments: [
        ("https://oss-cn-hangzhou.aliyuncs.com",
         "https://pickitchen.oss-cn-hangzhou.aliyuncs.com/uploads/7/a.jpg?OSSAccessKeyId=44CF9590006BF252F707&Expires=1764624907&Signature=RM15DGOsoe1Aukkp7PfLu2o%2FQiw%3D"),
        ("http://127.0.0.1:9000",
         "http://127.0.0.1:9000/pickitchen/uploads/7/a.jpg?OSSAccessKeyId=44CF9590006BF252F707&Expires=1764624907&Signature=RM15DGOsoe1Aukkp7PfLu2o%2FQiw%3D"),
    ])
    func presignedPutMatchesOSS2SignURL(endpoint: String, expected: String) throws {
        var configuration = OSSStorageConfiguration(
            endpoint: try #require(URL(string: endpoint)), bucket: "pickitchen",
            accessKeyID: Self.signer.accessKeyID, accessKeySecret: Self.signer.accessKeySecret)
        configuration.objectACL = "public-read"
        let storage = try OSSObjectStorage(configuration: configuration)
        let query = try storage.signer.presignedQuery(
            method: "PUT", bucket: "pickitchen", key: "uploads/7/a.jpg",
            headers: ["Content-Type": "image/jpeg", "x-oss-object-acl": "public-read"], expires: 1764624907)
        let encoded = query.map { "\($0.0)=\(SigV4Signer.uriEncode($0.1, keepSlash: false))" }.joined(separator: "&")
        #expect(storage.objectURL(for: "uploads/7/a.jpg") + "?" + encoded == expected)
    }

    /// Upload credentials are a PostObject form whose policy binds key, type, ACL and size:
    /// exactly the declared size, else 1 byte to 10 MB.
    @Test(arguments: [(Int?.none, 1, 10 * 1024 * 1024), (Int?.some(1234), 1234, 1234)])
    func uploadCredentialsAreAPostPolicyBoundToASize(size: Int?, low: Int, high: Int) throws {
        var configuration = OSSStorageConfiguration(
            endpoint: try #require(URL(string: "https://oss-cn-hangzhou.aliyuncs.com")), bucket: "pickitchen",
            accessKeyID: Self.signer.accessKeyID, accessKeySecret: Self.signer.accessKeySecret)
        configuration.objectACL = "public-read"
        let storage = try OSSObjectStorage(configuration: configuration)
        let credentials = try storage.uploadCredentials(key: "uploads/7/a.jpg", contentType: "image/jpeg", size: size,
                                                        expiresIn: 60, now: Date(timeIntervalSince1970: 1764624847.9))
        #expect(credentials.method == "POST")
        #expect(credentials.url == "https://pickitchen.oss-cn-hangzhou.aliyuncs.com/")
        #expect(credentials.headers.isEmpty)
        #expect(credentials.expiresAt == Date(timeIntervalSince1970: 1764624907))
        let fields = credentials.fields
        #expect(Set(fields.keys) == ["key", "Content-Type", "x-oss-object-acl", "OSSAccessKeyId", "policy", "Signature"])
        #expect(fields["key"] == "uploads/7/a.jpg" && fields["OSSAccessKeyId"] == Self.signer.accessKeyID)
        let policyText = try #require(fields["policy"])
        let policy = try JSONParser.parse(Array(try #require(Data(base64Encoded: policyText))))
        #expect(policy["expiration"]?.stringValue == "2025-12-01T21:35:07.000Z")
        let conditions = policy["conditions"]?.arrayValue ?? []
        #expect(conditions.contains(.array([.string("content-length-range"), .int(Int64(low)), .int(Int64(high))])))
        #expect(conditions.contains(.array([.string("eq"), .string("$key"), .string("uploads/7/a.jpg")])))
        #expect(conditions.contains(.array([.string("eq"), .string("$x-oss-object-acl"), .string("public-read")])))
        #expect(fields["Signature"] == (try Self.signer.signature(policyText)))
    }

    @Test func httpDateIsRFC1123InGMT() {
        #expect(OSSSigner.httpDate(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(OSSSigner.httpDate(Date(timeIntervalSince1970: 1796161267.5)) == "Tue, 01 Dec 2026 21:41:07 GMT")
    }

    @Test func endpointIsReadAsTheOriginalDid() {
        #expect(OSSStorageConfiguration.endpointURL("oss-cn-hangzhou.aliyuncs.com")?.absoluteString == "https://oss-cn-hangzhou.aliyuncs.com")
        #expect(OSSStorageConfiguration.endpointURL(" https://oss-cn-hangzhou.aliyuncs.com/ ")?.absoluteString
            == "https://oss-cn-hangzhou.aliyuncs.com")
        #expect(OSSStorageConfiguration.endpointURL("http://127.0.0.1:9000")?.absoluteString == "http://127.0.0.1:9000")
        #expect(OSSStorageConfiguration.endpointURL("ftp://x") == nil)
        #expect(OSSStorageConfiguration.endpointURL("https://") == nil)
        #expect(OSSStorageConfiguration.endpointURL("https://host/path") == nil)
    }

    @Test func publicURLsFollowTheOriginalFormula() throws {
        func storage(_ endpoint: String, base: String? = nil) throws -> OSSObjectStorage {
            var configuration = OSSStorageConfiguration(endpoint: try #require(OSSStorageConfiguration.endpointURL(endpoint)),
                                                        bucket: "pickitchen", accessKeyID: "id", accessKeySecret: "secret")
            configuration.publicBaseURL = base
            return try OSSObjectStorage(configuration: configuration)
        }
        #expect(try storage("oss-cn-hangzhou.aliyuncs.com").publicURL(for: "uploads/1/a.jpg")
            == "https://pickitchen.oss-cn-hangzhou.aliyuncs.com/uploads/1/a.jpg")
        #expect(try storage("http://127.0.0.1:9000").publicURL(for: "r/1/2.mp4") == "http://pickitchen.127.0.0.1:9000/r/1/2.mp4")
        #expect(try storage("oss-cn-hangzhou.aliyuncs.com", base: "https://cdn.example/").publicURL(for: "r/1/2.mp4")
            == "https://cdn.example/r/1/2.mp4")
        // Requests: virtual-hosted, except IP and localhost endpoints (oss2's rule).
        #expect(try storage("oss-cn-hangzhou.aliyuncs.com").objectURL(for: "a/b.jpg")
            == "https://pickitchen.oss-cn-hangzhou.aliyuncs.com/a/b.jpg")
        #expect(try storage("http://localhost:9000").objectURL(for: "a/b.jpg") == "http://localhost:9000/pickitchen/a/b.jpg")
        #expect(try storage("http://[::1]:9000").objectURL(for: "a/b.jpg") == "http://[::1]:9000/pickitchen/a/b.jpg")
    }

    @Test func badConfigurationIsRefused() throws {
        let endpoint = try #require(URL(string: "https://oss-cn-hangzhou.aliyuncs.com"))
        for bucket in ["ab", "Upper", "-lead", "trail-", "dot.ted", String(repeating: "a", count: 64)] {
            #expect(throws: StorageError.notConfigured) {
                try OSSObjectStorage(configuration: OSSStorageConfiguration(endpoint: endpoint, bucket: bucket,
                                                                            accessKeyID: "id", accessKeySecret: "s"))
            }
        }
        var configuration = OSSStorageConfiguration(endpoint: endpoint, bucket: "pickitchen", accessKeyID: "id", accessKeySecret: "s")
        configuration.objectACL = "world-writable"
        #expect(throws: StorageError.notConfigured) { try OSSObjectStorage(configuration: configuration) }
        configuration.objectACL = "public-read"
        configuration.accessKeySecret = ""
        #expect(throws: StorageError.notConfigured) { try OSSObjectStorage(configuration: configuration) }
    }
}

/// Which backend the settings select, and what the factory builds from them.
@Suite struct StorageBackendSelectionTests {
    let minimal = ["POSTGRES_SERVER": "db", "POSTGRES_USER": "app"]
    let oss = ["OSS_ENDPOINT": "oss-cn-hangzhou.aliyuncs.com", "OSS_BUCKET": "pickitchen",
               "OSS_ACCESS_KEY_ID": "LTAI", "OSS_ACCESS_KEY_SECRET": "secret"]

    func load(_ extra: [String: String]) throws -> Settings {
        try Settings.load(from: minimal.merging(extra) { $1 })
    }

    @Test func theOriginalsFourSettingsSelectOSS() throws {
        let settings = try load(oss)
        #expect(settings.storage.backend == .oss)
        #expect(settings.storage.objectACL == "public-read")
        let storage = try ObjectStorageFactory.make(settings: settings.storage, signingSecret: [1], localPublicBaseURL: "")
        let built = try #require(storage as? OSSObjectStorage)
        #expect(built.configuration.objectACL == "public-read")
        #expect(built.configuration.endpoint.absoluteString == "https://oss-cn-hangzhou.aliyuncs.com")
        #expect(built.publicURL(for: "uploads/1/a.jpg") == "https://pickitchen.oss-cn-hangzhou.aliyuncs.com/uploads/1/a.jpg")
    }

    @Test func storageBackendOverridesAndMissingSettingsFallBackToLocal() throws {
        #expect(try load([:]).storage.backend == .local)
        #expect(try load(oss.filter { $0.key != "OSS_ACCESS_KEY_SECRET" }).storage.backend == .local)
        #expect(try load(oss.merging(["OSS_BUCKET": ""]) { $1 }).storage.backend == .local)
        #expect(try load(oss.merging(["STORAGE_BACKEND": "local"]) { $1 }).storage.backend == .local)
        #expect(try load(oss.merging(["STORAGE_BACKEND": "s3"]) { $1 }).storage.backend == .s3)
        #expect(try load(oss.merging(["STORAGE_BACKEND": "oss", "OSS_OBJECT_ACL": "private"]) { $1 }).storage.objectACL == "private")
        #expect(throws: ConfigurationError.self) { try load(["STORAGE_BACKEND": "oss"]) }
        #expect(throws: ConfigurationError.self) { try load(oss.merging(["STORAGE_BACKEND": "gcs"]) { $1 }) }
        #expect(throws: ConfigurationError.self) { try load(oss.merging(["OSS_OBJECT_ACL": "everyone"]) { $1 }) }
    }

    @Test func anEndpointThatCannotBeReadIsNotConfigured() throws {
        let settings = try load(oss.merging(["OSS_ENDPOINT": "ftp://x"]) { $1 })
        #expect(throws: StorageError.notConfigured) {
            try ObjectStorageFactory.make(settings: settings.storage, signingSecret: [1], localPublicBaseURL: "")
        }
    }
}
