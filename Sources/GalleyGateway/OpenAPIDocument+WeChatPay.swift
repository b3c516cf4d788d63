import GalleyCore

/// The WeChat Pay routes and codes Galley adds (docs/payments.md), kept beside the main
/// document so it stays one list per concern.
extension OpenAPIDocument {
    static let weChatPayErrorCodes: [(code: Int, status: Int, message: String)] = [
        (400501, 400, "Order cannot be paid (not pending, not a points pack, prepaid for another trade type or payer)"),
        (400502, 400, "Product has no WeChat Pay price (pack_prices_fen)"),
        (400503, 400, "Order payment expired; create a new order"),
        (500501, 500, "WeChat Pay not configured (WECHATPAY_MCHID unset)"),
        (502501, 502, "WeChat Pay returned an error or no answer"),
    ]

    static var weChatPayOperations: [Operation] {
        let appParams = object([
            ("appid", string), ("partnerid", string), ("prepayid", string), ("package", ["type": "string", "const": "Sign=WXPay"]),
            ("noncestr", string), ("timestamp", string), ("sign", ["type": "string", "description": "RSA SHA-256, base64"]),
        ], description: "trade_type app: the app SDK's PayReq; sign over appid\\ntimestamp\\nnoncestr\\nprepayid\\n")
        let jsapiParams = object([
            ("appId", string), ("timeStamp", string), ("nonceStr", string), ("package", ["type": "string", "description": "prepay_id=…"]),
            ("signType", ["type": "string", "const": "RSA"]), ("paySign", ["type": "string", "description": "RSA SHA-256, base64"]),
        ], description: "trade_type jsapi: wx.requestPayment's fields; paySign over appId\\ntimeStamp\\nnonceStr\\npackage\\n")
        return [
            Operation(method: "post", path: "/api/v1/pay/wechat/prepay", tag: "pay", summary: "WeChat Pay prepay for an order",
                      description: "Galley addition. For one of the caller's pending points-pack orders: a WeChat Pay v3 prepay (app, or jsapi with the payer's openid) for the pack's price in pack_prices_fen (never an amount from the client); the order's amount and currency become that price in CNY. Idempotent: while the prepay is valid the same prepay_id comes back, with freshly signed pay_params. 500501 when WeChat Pay is not configured.",
                      body: json(object([
                          ("order_no", ["type": "string", "minLength": 1, "maxLength": 64]),
                          ("trade_type", ["type": "string", "enum": ["app", "jsapi"], "default": "app"]),
                          ("openid", ["type": "string", "minLength": 1, "maxLength": 128, "description": "Required for jsapi"]),
                      ], required: ["order_no"])),
                      success: json(envelope(object([
                          ("order_no", string), ("out_trade_no", string), ("trade_type", string), ("prepay_id", string),
                          ("amount_fen", ["type": "integer"]), ("currency", ["type": "string", "const": "CNY"]), ("expires_at", dateTime),
                          ("pay_params", ["oneOf": [appParams, jsapiParams]]),
                      ]))),
                      errors: [400501, 400502, 400503, 404201, 413000, 422000, 500501, 502501, 503000]),
            Operation(method: "post", path: "/api/v1/pay/wechat/notify", tag: "pay", summary: "WeChat Pay notification",
                      description: "Galley addition, called by WeChat Pay. Wechatpay-Signature is verified with the platform key named by Wechatpay-Serial over timestamp, nonce and body; a Wechatpay-Timestamp further than WECHATPAY_NOTIFY_MAX_AGE_SECONDS from now is refused; the resource is decrypted (AEAD_AES_256_GCM, API v3 key). The notification is stored and enqueued (wechatpay_notifications) before the answer; the WebhookWorker applies it. Answers in WeChat Pay's format, not the envelope: 200 {\"code\":\"SUCCESS\",\"message\":\"OK\"} (also for a repeat), 401 or 400 {\"code\":\"FAIL\",\"message\":…} when it cannot be believed, 500 FAIL when it could not be stored (WeChat Pay retries). 500501 (envelope) when WeChat Pay is not configured.",
                      auth: .signature, body: json(object([
                          ("id", string), ("create_time", string), ("event_type", string), ("resource_type", string), ("summary", string),
                          ("resource", object([("algorithm", ["type": "string", "const": "AEAD_AES_256_GCM"]), ("ciphertext", string),
                                               ("associated_data", string), ("nonce", string), ("original_type", string)],
                                              required: ["algorithm", "ciphertext", "nonce"])),
                      ], required: ["id", "event_type", "resource"])),
                      success: json(object([("code", ["type": "string", "const": "SUCCESS"]), ("message", string)])),
                      errors: [500501]),
        ]
    }
}
