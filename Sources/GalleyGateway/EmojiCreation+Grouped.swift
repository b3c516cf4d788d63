import Foundation
import GalleyCore
import GalleyPostgres
import GalleyHTTP
import GalleyRuntime

extension EmojiCreation {
    /// The create through the group commit (``CreateBatcher``). Nil when this request
    /// has to run the one-transaction path alone (no account row yet, a failed batch,
    /// an id collision): nothing of it was written then.
    static func grouped(_ context: RequestContext, _ request: Request, userID: Int64, cost: Int, detectResult: JSONValue,
                        storedHash: String?, batcher: CreateBatcher) throws -> HTTPResponse? {
        let services = context.services
        let taskID = services.ids.next()
        let outbox = taskEntry(id: services.ids.next(), taskID: taskID, userID: userID, request: request, detectResult: detectResult)
        let item = CreateBatchItem(
            userID: userID, cost: cost, taskID: taskID, ledgerID: services.ids.next(), outbox: outbox,
            drivenID: request.drivenID, imageURL: request.imageURL, detectResult: JSONWriter.string(detectResult),
            idempotencyKey: request.idempotencyKey, requestHash: storedHash)
        switch batcher.submit(item) {
        case .created(let createdAt):
            services.outbox.publishAfterCommit(outbox)
            return Envelope.ok(EmojiTaskRecord(id: taskID, status: "pending", pointsCost: cost, createdAt: createdAt).jsonValue)
        case .insufficientFunds:
            throw APIError.insufficientPoints
        case .conflict:
            // Another request holding this key committed first; this one charged nothing.
            if let key = request.idempotencyKey,
               let existing = try services.postgres.withConnection({ try existingTask(userID: userID, key: key, on: $0) }) {
                return try replay(existing, hash: request.hash)
            }
            return nil
        case .alone, .lead:
            return nil
        }
    }
}
