import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks

/// The local storage backend's two routes (a Galley addition; with `STORAGE_BACKEND=s3`
/// they answer 404000): the signed direct-upload `PUT` that `/emoji/upload` hands out,
/// and `GET` serving the stored objects.
enum StorageRoutes {
    static func register(in router: inout Router) {
        router.add("PUT", "/api/v1/storage/{key...}", put)
        router.add("GET", "/api/v1/storage/{key...}", allowsHead: true, get)
    }

    static let forbidden = APIError(code: 403000, status: 403, message: "Invalid or expired upload signature")

    /// Accepts the upload when the signature covers this key, expiry and `Content-Type`
    /// and has not expired. The body limit (10 MB) is enforced before this runs, and the
    /// body arrives streamed to a file, never held in memory.
    @Sendable static func put(_ context: RequestContext) throws -> HTTPResponse {
        guard let storage = context.services.localStorage else { throw APIError.notFound }
        let key = context.parameter("key")
        let request = context.request
        guard ObjectKey.isValid(key),
              let expires = request.query["expires"], let signature = request.query["signature"],
              let contentType = request.headers["Content-Type"],
              storage.verifyUpload(key: key, expires: expires, signature: signature, contentType: contentType,
                                   now: context.now)
        else { throw forbidden }
        let size: Int
        if let spooled = request.spooledBody {
            // Streamed to a file as it arrived (GatewayResponder.spoolDirectory): kept by rename.
            try storage.keep(spooledPath: spooled.path, as: key)
            size = spooled.size
        } else {
            try storage.write(key: key, data: request.body)
            size = request.body.count
        }
        return Envelope.ok(.object(JSONObject([
            ("object_key", .string(key)),
            ("image_url", .string(storage.publicURL(for: key))),
            ("size", .int(Int64(size))),
        ])))
    }

    @Sendable static func get(_ context: RequestContext) throws -> HTTPResponse {
        guard let storage = context.services.localStorage else { throw APIError.notFound }
        let key = context.parameter("key")
        // The file is handed to the server open, not read: a 10 MB object costs no memory.
        guard ObjectKey.isValid(key), let file = HTTPFileBody.open(path: try storage.fileURL(for: key).path) else {
            throw APIError.notFound
        }
        var response = HTTPResponse(status: 200, headers: [
            ("Content-Type", ObjectKey.contentType(of: key)),
            ("Cache-Control", "public, max-age=86400"),
        ])
        response.file = file
        return response
    }
}
