import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks

/// The emoji routes: direct-upload credentials, detect, create (``EmojiCreation``), a
/// task, the history, and delete (cancel + refund while pending).
///
/// A deleted task is hidden, not removed (the worker may still finish it, and the
/// ledger keeps pointing at it), but answers 404101 everywhere, as the original's
/// deleted row did.
enum EmojiRoutes {
    static let imageExtensions = ["jpg", "jpeg", "png", "webp"]

    static func register(in router: inout Router) {
        router.add("POST", "/api/v1/emoji/upload", upload)
        router.add("POST", "/api/v1/emoji/detect", detect)
        router.add("POST", "/api/v1/emoji/create", EmojiCreation.create)
        router.add("GET", "/api/v1/emoji/task/{task_id}", task)
        router.add("DELETE", "/api/v1/emoji/task/{task_id}", delete)
        router.add("GET", "/api/v1/emoji/history", history)
    }

    static func contentType(forExtension ext: String) -> String {
        switch ext {
        case "png": "image/png"
        case "webp": "image/webp"
        default: "image/jpeg"
        }
    }

    /// `<OSS_DIR_PREFIX>/<user id>/<unix>_<16 hex>.<ext>`.
    static func uploadKey(userID: Int64, ext: String, context: RequestContext) throws -> String {
        let name = "\(Int64(context.now.timeIntervalSince1970))_\(Crypto.hex(Crypto.randomBytes(8))).\(ext)"
        return try ObjectKey.join(context.services.settings.storage.uploadPrefix, String(userID), name)
    }

    // MARK: - Upload credentials

    @Sendable static func upload(_ context: RequestContext) throws -> HTTPResponse {
        let userID = try context.user().id
        try context.meter(.upload, userID: userID)
        let given = Pagination.queryParameters(context.request.rawQuery)["ext"]
        let ext = given?.lowercased() ?? "jpg"
        guard imageExtensions.contains(ext) else {
            throw APIError.validation([ValidationIssue(
                type: "enum", loc: ["query", "ext"], msg: "Input should be \(Validation.alternatives(imageExtensions))",
                input: .string(given ?? ""), ctx: ["expected": .string(Validation.alternatives(imageExtensions))])])
        }
        let size = try declaredUploadSize(context)
        guard let storage = context.services.storage else { throw APIError.storageNotConfigured }
        let key = try uploadKey(userID: userID, ext: ext, context: context)
        let credentials = try storage.uploadCredentials(
            key: key, contentType: contentType(forExtension: ext), size: size,
            expiresIn: Int(context.services.settings.storage.uploadExpiry.components.seconds), now: context.now)
        return Envelope.ok(credentials.jsonValue)
    }

    /// The optional `size` query (a Galley addition): the upload's exact byte count, 1 … 10 MB,
    /// which the credentials are then bound to.
    static func declaredUploadSize(_ context: RequestContext) throws -> Int? {
        guard let given = Pagination.queryParameters(context.request.rawQuery)["size"] else { return nil }
        guard let size = Int(given), (1...GatewayResponder.fileLimit).contains(size) else {
            throw APIError.validation([ValidationIssue(
                type: "int_parsing", loc: ["query", "size"], msg: "Input should be a whole number of bytes from 1 to \(GatewayResponder.fileLimit)",
                input: .string(given))])
        }
        return size
    }

    // MARK: - Detect

    /// Multipart `file` (≤ 10 MB, jpg/jpeg/png/webp): stored under the upload prefix, then
    /// checked by the provider. Does not charge.
    @Sendable static func detect(_ context: RequestContext) throws -> HTTPResponse {
        let userID = try context.user().id
        try context.meter(.detect, userID: userID)
        guard let file = context.request.formPart("file") else {
            throw APIError.validation([.missing(["body", "file"], input: .null)])
        }
        guard let filename = file.filename, !filename.isEmpty else { throw APIError.noFilename }
        let ext = filename.split(separator: ".").count > 1 ? (filename.split(separator: ".").last.map { $0.lowercased() } ?? "") : ""
        guard imageExtensions.contains(ext) else { throw APIError.invalidFileType }
        guard file.data.count <= GatewayResponder.fileLimit else { throw APIError.fileTooLarge }
        guard let storage = context.services.storage else { throw APIError.storageNotConfigured }

        let key = try uploadKey(userID: userID, ext: ext, context: context)
        let data = file.data
        let type = contentType(forExtension: ext)
        let imageURL = try AsyncBridge.wait { try await storage.put(key: key, data: data, contentType: type) }
        let detection = try FaceDetector.detect(imageURL: imageURL, provider: context.services.provider)
        return Envelope.ok(.object(JSONObject([
            ("image_url", .string(imageURL)),
            ("passed", .bool(detection.passed)),
            ("face_bbox", JSONValue(detection.faceBox) { .array($0.map { .int(Int64($0)) }) }),
            ("ext_bbox", JSONValue(detection.extBox) { .array($0.map { .int(Int64($0)) }) }),
            ("raw", detection.raw ?? .null),
        ])))
    }

    // MARK: - Tasks

    /// The `{task_id}` path parameter; not an integer is FastAPI's 422 (with the raw
    /// text as `input`). One beyond 64 bits names no task: 404101 (the original failed
    /// on it with a bare 500).
    static func taskID(_ context: RequestContext) throws(APIError) -> Int64 {
        let text = context.parameter("task_id")
        guard let id = Validation.laxInteger(text, saturating: true) else {
            throw .validation([ValidationIssue(
                type: "int_parsing", loc: ["path", "task_id"],
                msg: "Input should be a valid integer, unable to parse string as an integer", input: .string(text))])
        }
        guard id != .max, id != .min else { throw .taskNotFound }
        return id
    }

    @Sendable static func task(_ context: RequestContext) throws -> HTTPResponse {
        let userID = try context.user().id
        let id = try taskID(context)
        let task = try context.services.postgres.withConnection { connection in
            try connection.query(
                """
                SELECT \(EmojiTaskRecord.selectColumns) FROM emoji_tasks WHERE id = $1 AND user_id = $2 AND hidden_at IS NULL
                """, [id, userID]
            ).first.map(EmojiTaskRecord.init(row:))
        }
        guard let task else { throw APIError.taskNotFound }
        return Envelope.ok(task.jsonValue)
    }

    @Sendable static func history(_ context: RequestContext) throws -> HTTPResponse {
        let userID = try context.user().id
        let pagination = try Pagination(request: context.request)
        let (items, count) = try context.services.postgres.withConnection { connection -> ([JSONValue], Int) in
            let items = try connection.query(
                """
                SELECT \(EmojiTaskRecord.selectColumns) FROM emoji_tasks WHERE user_id = $1 AND hidden_at IS NULL
                ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3
                """, [userID, pagination.limit, pagination.offset]
            ).map { try EmojiTaskRecord(row: $0).jsonValue }
            let count = try connection.query(
                "SELECT count(*) AS n FROM emoji_tasks WHERE user_id = $1 AND hidden_at IS NULL", [userID]
            ).first?.decode(Int.self, "n") ?? 0
            return (items, count)
        }
        return Envelope.ok(Pagination.list(items, count: count))
    }

    /// Pending: cancelled (failed, "Cancelled by user"), hidden and refunded in one
    /// transaction, the refund under `refund:task:<id>` so the worker can never refund it
    /// again. Processing: hidden, finishes without refund. Finished: hidden. The row lock
    /// orders this against the worker taking the task.
    @Sendable static func delete(_ context: RequestContext) throws -> HTTPResponse {
        let userID = try context.user().id
        let id = try taskID(context)
        let services = context.services
        try services.postgres.withTransaction { connection in
            guard let row = try connection.query(
                """
                SELECT status, points_cost FROM emoji_tasks WHERE id = $1 AND user_id = $2 AND hidden_at IS NULL FOR UPDATE
                """, [id, userID]
            ).first else { throw APIError.taskNotFound }
            let status = try row.decode(String.self, "status")
            let cost = try row.decode(Int.self, "points_cost")
            if status == "pending" {
                try connection.execute(
                    """
                    UPDATE emoji_tasks SET status = 'failed', error_message = 'Cancelled by user', completed_at = $2,
                        hidden_at = COALESCE(hidden_at, $2), refunded_at = COALESCE(refunded_at, $2), updated_at = $2
                    WHERE id = $1
                    """, [id, context.now])
                if cost > 0 {
                    let outcome = try services.ledger.apply(
                        LedgerEntry(userID: userID, amount: cost, kind: .refund, taskType: "emoji",
                                    reference: "refund:task:\(id)"),
                        on: connection)
                    context.logger.info("pending task cancelled", ["task_id": String(id), "refund": "\(outcome)"])
                }
            } else {
                try connection.execute(
                    "UPDATE emoji_tasks SET hidden_at = COALESCE(hidden_at, $2), updated_at = $2 WHERE id = $1",
                    [id, context.now])
            }
        }
        return Envelope.ok(["deleted": true])
    }
}
