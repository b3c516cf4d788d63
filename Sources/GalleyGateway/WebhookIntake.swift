import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks

/// `POST /subscription/webhook`: checks RevenueCat's Authorization, then stores the raw
/// event (`revenuecat_events`, status `received`) and its outbox row in one
/// transaction and sends it to `webhook_events` before answering 200. The
/// WebhookWorker applies it. 4xx only where a retry cannot help: not a JSON object (422,
/// checked first, as the original did), wrong secret (401001), no `event` object
/// (400001), no `event.id`/`type` (400002).
enum WebhookIntake {
    static func receive(_ context: RequestContext) throws -> JSONValue {
        let services = context.services
        // The original validated its `dict` body before its own secret check.
        let payload = try Validation.dictionary(RequestBody.decode(context.request))
        try authorize(context.request.headers["Authorization"], secret: services.settings.revenueCatWebhookSecret)

        guard let event = payload["event"]?.objectValue else { throw APIError.invalidWebhookPayload }
        guard let eventID = nonEmptyText(event["id"]), let eventType = nonEmptyText(event["type"]) else {
            throw APIError.missingEventIDOrType
        }
        // Column widths of the original schema; longer values cannot be RevenueCat's.
        guard eventID.utf8.count <= 64, eventType.utf8.count <= 64, !eventID.utf8.contains(0), !eventType.utf8.contains(0)
        else { throw APIError.invalidWebhookPayload }
        var appUserID = nonEmptyText(event["app_user_id"])
        if let id = appUserID, id.unicodeScalars.count > 255 || id.utf8.contains(0) { appUserID = nil }
        let timestamp = event["event_timestamp_ms"]?.int64Value

        // The body exactly as RevenueCat sent it (already checked to be JSON; `json` keeps text as is).
        var rawBytes = context.request.body[...]
        if rawBytes.starts(with: [0xEF, 0xBB, 0xBF]) { rawBytes = rawBytes.dropFirst(3) }  // a BOM is not JSON text
        let raw = String(decoding: rawBytes, as: UTF8.self)
        let outbox = OutboxEntry(id: services.ids.next(), stream: "webhook_events", fields: [("event_id", eventID)])
        let stored = try services.postgres.withTransaction { connection -> Bool in
            let inserted = try connection.execute(
                """
                INSERT INTO revenuecat_events (id, event_id, event_type, payload, created_at, status, app_user_id,
                                               event_timestamp_ms, updated_at)
                VALUES ($1, $2, $3, $4::json, now(), 'received', $5, $6, now())
                ON CONFLICT (event_id) DO NOTHING
                """, [services.ids.next(), eventID, eventType, raw, appUserID, timestamp])
            guard inserted == 1 else { return false }
            try outbox.insert(on: connection)
            return true
        }
        guard stored else {
            context.logger.info("webhook event already received", ["event_id": eventID])
            return ["received": true, "duplicate": true]
        }
        services.outbox.publishAfterCommit(outbox)
        return ["received": true]
    }

    /// `Authorization` exactly equal to the secret or to `Bearer <secret>` (the original's
    /// rule: `bearer` in lower case does not count), compared in constant time. No
    /// secret configured (only allowed with ENVIRONMENT=local): open, as the original was.
    static func authorize(_ header: String?, secret: String?) throws(APIError) {
        guard let secret, !secret.isEmpty else { return }
        guard let header else { throw .webhookUnauthorized }
        let raw = Crypto.constantTimeEquals(header, secret)
        let bearer = Crypto.constantTimeEquals(header, "Bearer " + secret)
        guard raw || bearer else { throw .webhookUnauthorized }
    }

    /// A string, or a number RevenueCat might send as an id; nil for anything else or empty.
    static func nonEmptyText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text): return text.isEmpty ? nil : text
        case .int(let number): return String(number)
        default: return nil
        }
    }
}
