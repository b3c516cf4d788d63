import GalleyCore
import GalleyHTTPClient

/// An object's metadata as OSS reports it in a `HEAD` or `GET` answer.
public struct OSSObjectInfo: Sendable, Equatable {
    public var size: Int
    public var contentType: String?
    public var etag: String?
}

/// Signed reads, so a private object (or one uploaded without the public ACL) can be
/// checked and fetched; nil when the object does not exist (`404`).
extension OSSObjectStorage {
    public func head(key: String) async throws -> OSSObjectInfo? {
        try ObjectKey.validate(key)
        do {
            let response = try await send(try signedRequest("HEAD", key: key, headers: [:]))
            return OSSObjectStorage.info(response, bodySize: nil)
        } catch let error as StorageError where error.status == 404 {
            return nil
        }
    }

    public func get(key: String) async throws -> (data: [UInt8], info: OSSObjectInfo)? {
        try ObjectKey.validate(key)
        do {
            let response = try await send(try signedRequest("GET", key: key, headers: [:]))
            return (response.body, OSSObjectStorage.info(response, bodySize: response.body.count))
        } catch let error as StorageError where error.status == 404 {
            return nil
        }
    }

    private static func info(_ response: HTTPClientResponse, bodySize: Int?) -> OSSObjectInfo {
        let length = response.header("Content-Length").flatMap { Int($0) }
        return OSSObjectInfo(size: bodySize ?? length ?? 0, contentType: response.header("Content-Type"),
                             etag: response.header("ETag"))
    }
}
