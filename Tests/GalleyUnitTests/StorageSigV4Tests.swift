import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyStorage
import GalleyTestSupport

/// SigV4 against the examples AWS publishes (S3 API reference, "Signature Calculations
/// for the Authorization Header" and "Authenticating Requests: Using Query Parameters"),
/// all with the documentation's example key pair at 2013-05-24T00:00:00Z.
@Suite struct StorageSigV4Tests {
    let signer = SigV4Signer(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region: "us-east-1"
    )
    let date = Date(timeIntervalSince1970: 1_369_353_600)
    let host = "examplebucket.s3.amazonaws.com"
    let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    private func signature(of headers: [String: String]) -> String? {
        headers["Authorization"]?.components(separatedBy: "Signature=").last
    }

    @Test func presignedGetMatchesAWSExample() {
        let url = signer.presign(method: "GET", scheme: "https", host: host, path: "/test.txt",
                                 expiresIn: 86400, date: date)
        #expect(url == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func storagePresignsTheSameURLVirtualHosted() throws {
        var configuration = S3StorageConfiguration(
            endpoint: try #require(URL(string: "https://s3.amazonaws.com")), bucket: "examplebucket",
            accessKeyID: signer.accessKeyID, secretAccessKey: signer.secretAccessKey
        )
        configuration.addressing = .virtualHosted
        let storage = try S3ObjectStorage(configuration: configuration)
        let url = try storage.presignedGetURL(key: "test.txt", expiresIn: 86400, now: date)
        #expect(url.hasPrefix("https://examplebucket.s3.amazonaws.com/test.txt?"))
        #expect(url.hasSuffix("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"))
        #expect(storage.publicURL(for: "a/b.jpg") == "https://examplebucket.s3.amazonaws.com/a/b.jpg")
    }

    @Test func headerSignedGetObjectWithRange() {
        let headers = signer.authorizationHeaders(
            method: "GET", host: host, path: "/test.txt", headers: ["Range": "bytes=0-9"],
            payloadHash: emptyHash, date: date
        )
        #expect(headers["Authorization"] == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            + "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers["x-amz-date"] == "20130524T000000Z")
    }

    /// The key has a `$`, which the canonical URI must carry as `%24`.
    @Test func headerSignedPutObject() {
        let body = Array("Welcome to Amazon S3.".utf8)
        let headers = signer.authorizationHeaders(
            method: "PUT", host: host, path: "/test$file.text",
            headers: ["Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"],
            payloadHash: Crypto.hex(Crypto.sha256(body)), date: date
        )
        #expect(headers["Authorization"]?.contains("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,") == true)
        #expect(signature(of: headers) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func headerSignedQueryWithoutValueAndSortedParameters() {
        let lifecycle = signer.authorizationHeaders(
            method: "GET", host: host, path: "/", query: [("lifecycle", "")], payloadHash: emptyHash, date: date
        )
        #expect(signature(of: lifecycle) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        let list = signer.authorizationHeaders(
            method: "GET", host: host, path: "/", query: [("prefix", "J"), ("max-keys", "2")],
            payloadHash: emptyHash, date: date
        )
        #expect(signature(of: list) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func uriEncodingKeepsOnlyUnreservedCharacters() {
        #expect(SigV4Signer.uriEncode("a b/c~d$é-_.", keepSlash: true) == "a%20b/c~d%24%C3%A9-_.")
        #expect(SigV4Signer.uriEncode("a/b+c=d", keepSlash: false) == "a%2Fb%2Bc%3Dd")
    }

    /// A client upload signs `content-type` with `host`, so the client must send it unchanged.
    /// Expected URL and signatures computed with botocore's S3SigV4QueryAuth / S3SigV4Auth
    /// for the same inputs (an independent implementation; AWS publishes no such vector).
    @Test func uploadCredentialsMatchBotocore() throws {
        var configuration = S3StorageConfiguration(
            endpoint: try #require(URL(string: "http://127.0.0.1:9000")), bucket: "galley-test",
            accessKeyID: "key", secretAccessKey: "secret"
        )
        configuration.region = "oss-cn-hangzhou"
        let storage = try S3ObjectStorage(configuration: configuration)
        #expect(SigV4Signer(accessKeyID: "key", secretAccessKey: "secret", region: "oss-cn-hangzhou").presign(method: "PUT", scheme: "http", host: "127.0.0.1:9000", path: "/galley-test/uploads/7/a.png",
                                       headers: ["Content-Type": "image/png"], expiresIn: 60, date: date)
            == "http://127.0.0.1:9000/galley-test/uploads/7/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=key%2F20130524%2Foss-cn-hangzhou%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
            + "&X-Amz-Expires=60&X-Amz-SignedHeaders=content-type%3Bhost"
            + "&X-Amz-Signature=5b0e6de4a6bb1807b4b9c03518b275170640acc6f1cc440fb745d4f5a1b3f6ac")
        // With a declared size the signature covers Content-Length (botocore's S3SigV4QueryAuth,
        // same inputs, gives the same URL): S3 refuses a body of any other length.
        let credentials = try storage.uploadCredentials(key: "uploads/7/a.png", contentType: "image/png", size: 1234,
                                                        expiresIn: 60, now: date)
        #expect(credentials.url == "http://127.0.0.1:9000/galley-test/uploads/7/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=key%2F20130524%2Foss-cn-hangzhou%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
            + "&X-Amz-Expires=60&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"
            + "&X-Amz-Signature=9c3da02d4bbe5c68087bf362f5a30f1e5053d74ea964d575ef661d887eda621f")
        #expect(credentials.headers == ["Content-Type": "image/png", "Content-Length": "1234"])
        #expect(credentials.method == "PUT" && credentials.fields.isEmpty)
        #expect(credentials.expiresAt == date.addingTimeInterval(60))
        #expect(credentials.imageURL == "http://127.0.0.1:9000/galley-test/uploads/7/a.png")

        let body: [UInt8] = [0, 1] + Array("binary".utf8)
        let signer = SigV4Signer(accessKeyID: "key", secretAccessKey: "secret", region: "oss-cn-hangzhou")
        let headers = signer.authorizationHeaders(
            method: "PUT", host: "127.0.0.1:9000", path: "/galley-test/results/7/9.mp4",
            headers: ["Content-Type": "video/mp4"], payloadHash: Crypto.hex(Crypto.sha256(body)), date: date
        )
        #expect(headers["x-amz-content-sha256"] == "f8c1ccc7df7243da4740c5b7875f88b70e3f935d99c7b37a5f7239d152d994e6")
        #expect(headers["Authorization"]?.contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,") == true)
        #expect(signature(of: headers) == "2b6b993d43c40573cf934b60e4b59d795e04bcd6f9acb6d62cbbf6387e94614d")
    }
}

extension StorageSigV4Tests {
    /// Without a declared size: a POST policy the store enforces, limited to 10 MB, signed
    /// with the day's SigV4 key (derived here step by step, independently of the signer).
    @Test func uploadCredentialsWithoutASizeAreAPostPolicyUpTo10MB() throws {
        var configuration = S3StorageConfiguration(
            endpoint: try #require(URL(string: "http://127.0.0.1:9000")), bucket: "galley-test",
            accessKeyID: "key", secretAccessKey: "secret")
        configuration.region = "oss-cn-hangzhou"
        let storage = try S3ObjectStorage(configuration: configuration)
        let credentials = try storage.uploadCredentials(key: "uploads/7/a.png", contentType: "image/png", expiresIn: 60, now: date)
        #expect(credentials.method == "POST")
        #expect(credentials.url == "http://127.0.0.1:9000/galley-test")
        #expect(credentials.headers.isEmpty)
        let fields = credentials.fields
        #expect(fields["key"] == "uploads/7/a.png" && fields["Content-Type"] == "image/png")
        #expect(fields["x-amz-credential"] == "key/20130524/oss-cn-hangzhou/s3/aws4_request")
        #expect(fields["x-amz-date"] == "20130524T000000Z" && fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256")
        let encoded = try #require(fields["policy"])
        let policy = try JSONParser.parse(Array(try #require(Data(base64Encoded: encoded))))
        #expect(policy["expiration"] == .string("2013-05-24T00:01:00.000Z"))
        let conditions = try #require(policy["conditions"]?.arrayValue)
        #expect(conditions.contains(.array([.string("content-length-range"), .int(1), .int(10 * 1024 * 1024)])))
        #expect(conditions.contains(.object(["key": .string("uploads/7/a.png")])))
        #expect(conditions.contains(.object(["bucket": .string("galley-test")])))
        var key = Crypto.hmacSHA256(key: Array("AWS4secret".utf8), data: "20130524")
        for part in ["oss-cn-hangzhou", "s3", "aws4_request"] { key = Crypto.hmacSHA256(key: key, data: part) }
        #expect(fields["x-amz-signature"] == Crypto.hex(Crypto.hmacSHA256(key: key, data: encoded)))

        // A size outside 1 … 10 MB is refused, not signed.
        for size in [0, 10 * 1024 * 1024 + 1] {
            #expect(throws: StorageError.self) {
                try storage.uploadCredentials(key: "uploads/7/a.png", contentType: "image/png", size: size, expiresIn: 60, now: date)
            }
        }
    }
}
