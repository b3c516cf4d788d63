import Foundation
import GalleyCore
import GalleyPostgres
import GalleyHTTP
import GalleyPayments

/// `POST /pay/wechat/notify`: verifies `Wechatpay-Signature` (the platform key named by
/// `Wechatpay-Serial`) over timestamp, nonce and body, refuses a timestamp outside
/// WECHATPAY_NOTIFY_MAX_AGE_SECONDS, decrypts the resource with the API v3 key, then
/// stores the notification and its outbox row in one transaction and sends it to
/// `wechatpay_notifications` before answering. The WebhookWorker applies it.
///
/// Answers in WeChat Pay's format: 200 `{"code":"SUCCESS","message":"OK"}` when stored
/// (also for a repeat), 4xx `{"code":"FAIL","message":…}` when it cannot be believed, 500
/// when it could not be stored (WeChat Pay retries 4xx and 5xx answers).
enum WeChatPayNotifyIntake {
    static func receive(_ context: RequestContext) throws -> HTTPResponse {
        let services = context.services
        guard let client = services.weChatPay else { throw APIError.weChatPayNotConfigured }
        let request = context.request
        let headers = WeChatPayVerifier.Headers(
            timestamp: request.headers["Wechatpay-Timestamp"], nonce: request.headers["Wechatpay-Nonce"],
            signature: request.headers["Wechatpay-Signature"], serial: request.headers["Wechatpay-Serial"])
        let notification: WeChatPayNotification
        let resource: JSONValue
        do {
            try client.verifier.verify(headers, body: request.body, now: context.now)
            notification = try WeChatPayNotification(body: request.body)
            resource = try notification.decryptResource(apiV3Key: client.configuration.apiV3Key)
        } catch {
            count(error.code.rawValue)
            context.logger.warning("WeChat Pay notification refused", ["error": error.debugDescription])
            let status = error.code == .invalidMessage ? 400 : 401
            return answer(status, "FAIL", error.code == .staleTimestamp ? "stale timestamp" : "verification failed")
        }

        let outbox = OutboxEntry(id: services.ids.next(), stream: WeChatPayStreamHandler.stream,
                                 fields: [("notification_id", notification.id)])
        let stored: Bool
        do {
            stored = try services.postgres.withTransaction { db -> Bool in
                let inserted = try db.execute(
                    """
                    INSERT INTO wechatpay_notifications (id, notification_id, event_type, body, resource, out_trade_no, status,
                                                         created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'received', $7, $7)
                    ON CONFLICT (notification_id) DO NOTHING
                    """,
                    [services.ids.next(), notification.id, notification.eventType, String(decoding: request.body, as: UTF8.self),
                     JSONWriter.string(resource), resource["out_trade_no"]?.stringValue.map { String($0.prefix(32)) }, context.now])
                guard inserted == 1 else { return false }
                try outbox.insert(on: db)
                return true
            }
        } catch {
            context.logger.error("WeChat Pay notification not stored", ["error": String(reflecting: error)])
            count("not_stored")
            return answer(500, "FAIL", "not stored; retry")
        }
        if stored { services.outbox.publishAfterCommit(outbox) }
        count(stored ? "stored" : "duplicate")
        return answer(200, "SUCCESS", "OK")
    }

    static func answer(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")],
                     body: JSONWriter.bytes(["code": .string(code), "message": .string(message)]))
    }

    /// `galley_wechatpay_notify_total{outcome}`: stored, duplicate, not_stored, or why refused.
    static func count(_ outcome: String) {
        MetricsRegistry.shared.counter(
            "galley_wechatpay_notify_total", help: "WeChat Pay notifications received by the gateway, by outcome.",
            labels: [("outcome", outcome)]
        ).increment()
    }
}
