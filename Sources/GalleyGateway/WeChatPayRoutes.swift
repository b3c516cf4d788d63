import GalleyCore
import GalleyHTTP

/// `POST /pay/wechat/prepay` (user) and `POST /pay/wechat/notify` (WeChat Pay's signature):
/// Galley's additions for WeChat Pay API v3 (docs/payments.md).
enum WeChatPayRoutes {
    static func register(in router: inout Router) {
        router.add("POST", "/api/v1/pay/wechat/prepay", prepay)
        router.add("POST", "/api/v1/pay/wechat/notify", notify)
    }

    @Sendable static func prepay(_ context: RequestContext) throws -> HTTPResponse {
        Envelope.ok(try WeChatPayPrepay.prepay(context))
    }

    /// Answered in WeChat Pay's format, not the envelope (see ``WeChatPayNotifyIntake``).
    @Sendable static func notify(_ context: RequestContext) throws -> HTTPResponse {
        try WeChatPayNotifyIntake.receive(context)
    }
}
