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

/// `POST /emoji/create`: one transaction debits the points, writes the ledger row,
/// creates the task and its outbox row; after commit the task goes to `emoji_tasks`
/// (or the relay sends it once Redis is back).
///
/// `Idempotency-Key`: the key and a hash of the body are stored on the task under a
/// unique index. A concurrent request with the same key blocks on that index until the
/// first commits, then fails the insert, rolls back (no charge) and answers the first
/// task; a different body under the same key is 409001.
enum EmojiCreation {
    static let idempotencyIndex = "uq_emoji_tasks_user_idempotency"

    struct Request: Sendable {
        var imageURL: String
        var drivenID: String
        var faceBox: [Int]?
        var extBox: [Int]?
        var idempotencyKey: String?

        /// sha256 hex of the body in a fixed form, so key order and spacing do not matter.
        var hash: String {
            let canonical: JSONValue = .object(JSONObject([
                ("image_url", .string(imageURL)),
                ("driven_id", .string(drivenID)),
                ("face_bbox", JSONValue(faceBox) { .array($0.map { .int(Int64($0)) }) }),
                ("ext_bbox", JSONValue(extBox) { .array($0.map { .int(Int64($0)) }) }),
            ]))
            return Crypto.hex(Crypto.sha256(JSONWriter.bytes(canonical)))
        }
    }

    @Sendable static func create(_ context: RequestContext) throws -> HTTPResponse {
        let services = context.services
        let decoded = try RequestBody.decode(context.request)
        // The token's user id, without a read: the task insert below is the existence
        // check (its foreign key), which saves a round trip on the busiest route.
        let userID = try context.authenticatedUserID()
        try services.rateLimiter.check(.create, who: String(userID), limit: services.settings.rateLimits.createPerMinute,
                                       now: context.now)
        let request = try parse(context, body: decoded)
        let requestHash = request.hash

        if let key = request.idempotencyKey,
           let existing = try services.postgres.withConnection({ try existingTask(userID: userID, key: key, on: $0) }) {
            return try replay(existing, hash: requestHash)
        }

        let detectResult: JSONValue
        // A missing or empty box means "detect first", as the original read it.
        if let faceBox = request.faceBox, let extBox = request.extBox, !faceBox.isEmpty, !extBox.isEmpty {
            detectResult = FaceDetector.detectResult(faceBox: faceBox, extBox: extBox, raw: nil)
        } else {
            try context.meter(.detect, userID: userID)
            let detection = try FaceDetector.detect(imageURL: request.imageURL, provider: services.provider)
            guard detection.passed, let faceBox = detection.faceBox, let extBox = detection.extBox else {
                throw APIError.detectFailed(detection.errorMessage)
            }
            detectResult = FaceDetector.detectResult(faceBox: faceBox, extBox: extBox, raw: detection.raw)
        }

        let cost = services.config.current.emojiCost
        let storedHash: String? = request.idempotencyKey == nil ? nil : requestHash
        if let batcher = services.createBatcher,
           let response = try grouped(context, request, userID: userID, cost: cost, detectResult: detectResult,
                                      storedHash: storedHash, batcher: batcher) {
            return response
        }
        let task: EmojiTaskRecord
        let outbox: OutboxEntry
        do {
          // Fresh ids per attempt: an id another process minted is retried (IDCollision).
          (task, outbox) = try IDCollision.retrying { () throws -> (EmojiTaskRecord, OutboxEntry) in
            let taskID = services.ids.next()
            let outbox = taskEntry(id: services.ids.next(), taskID: taskID, userID: userID, request: request, detectResult: detectResult)
            let task = try services.postgres.withTransaction { connection -> EmojiTaskRecord in
                let created = try connection.query(
                    """
                    INSERT INTO emoji_tasks (id, user_id, driven_id, source_image_url, detect_result, status, points_cost,
                                             created_at, updated_at, idempotency_key, request_hash)
                    VALUES ($1, $2, $3, $4, $5::json, 'pending', $6, now(), now(), $7, $8)
                    RETURNING created_at
                    """,
                    [taskID, userID, request.drivenID, request.imageURL, detectResult, cost,
                     request.idempotencyKey, storedHash])
                let createdAt = try created.first?.decode(Date.self, "created_at") ?? context.now
                if cost > 0 {
                    let outcome = try services.ledger.apply(
                        LedgerEntry(userID: userID, amount: -cost, kind: .consume, taskType: "emoji",
                                    reference: "consume:task:\(taskID)", referenceIsNew: true), on: connection)
                    if case .insufficientFunds = outcome { throw APIError.insufficientPoints }
                }
                try outbox.insert(on: connection)
                return EmojiTaskRecord(id: taskID, status: "pending", pointsCost: cost, createdAt: createdAt)
            }
            return (task, outbox)
          }
        } catch let error as PostgresError where error.isForeignKeyViolation {
            throw APIError.authenticatedUserGone  // a valid token whose user is gone
        } catch let error as PostgresError where error.isUniqueViolation && error.constraint == idempotencyIndex {
            // Another request with this key committed first; this one charged nothing.
            guard let key = request.idempotencyKey,
                  let existing = try services.postgres.withConnection({ try existingTask(userID: userID, key: key, on: $0) })
            else { throw error }
            return try replay(existing, hash: requestHash)
        }
        services.outbox.publishAfterCommit(outbox)
        return Envelope.ok(task.jsonValue)
    }

    /// The body and the `Idempotency-Key` header (1–128 characters).
    /// The `emoji_tasks` entry of a new task (the contract's fields), sent through the outbox.
    static func taskEntry(id: Int64, taskID: Int64, userID: Int64, request: Request, detectResult: JSONValue) -> OutboxEntry {
        OutboxEntry(id: id, stream: "emoji_tasks", fields: [
            ("task_id", String(taskID)),
            ("user_id", String(userID)),
            ("image_url", request.imageURL),
            ("driven_id", request.drivenID),
            ("detect_result", JSONWriter.string(detectResult)),
        ])
    }

    static func parse(_ context: RequestContext, body decoded: RequestBody) throws(APIError) -> Request {
        var body = try Validation.model(decoded)
        let imageURL = body.string("image_url", minLength: 1, maxLength: 1024)
        let drivenID = body.string("driven_id", minLength: 1, maxLength: 64)
        let faceBox = body.optionalIntList("face_bbox")
        let extBox = body.optionalIntList("ext_bbox")
        var issues = body.issues
        let key = context.request.headers["Idempotency-Key"]
        if let key {
            let length = key.unicodeScalars.count
            if length == 0 || length > 128 {
                issues.append(ValidationIssue(
                    type: length == 0 ? "string_too_short" : "string_too_long", loc: ["header", "idempotency-key"],
                    msg: length == 0 ? "String should have at least 1 character" : "String should have at most 128 characters",
                    input: .string(key), ctx: length == 0 ? ["min_length": 1] : ["max_length": 128]))
            }
        }
        if !issues.isEmpty { throw .validation(issues) }
        return Request(imageURL: imageURL, drivenID: drivenID, faceBox: faceBox, extBox: extBox, idempotencyKey: key)
    }

    static func existingTask(userID: Int64, key: String, on connection: PostgresConnection) throws -> (EmojiTaskRecord, String?)? {
        guard let row = try connection.query(
            "SELECT \(EmojiTaskRecord.selectColumns), request_hash FROM emoji_tasks WHERE user_id = $1 AND idempotency_key = $2",
            [userID, key]
        ).first else { return nil }
        return (try EmojiTaskRecord(row: row), try row.decode(String?.self, "request_hash"))
    }

    /// The first task again for the same body; 409001 for a different one.
    static func replay(_ existing: (EmojiTaskRecord, String?), hash: String) throws -> HTTPResponse {
        guard existing.1 == hash else { throw APIError.idempotencyKeyReused }
        return Envelope.ok(existing.0.jsonValue)
    }
}
