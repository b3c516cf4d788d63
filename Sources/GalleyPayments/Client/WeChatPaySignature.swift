/// The strings WeChat Pay API v3 signs, each line ended by `\n` (the v3 signature spec).
public enum WeChatPaySignature {
    /// A merchant request: `METHOD\nURL\ntimestamp\nnonce\nbody\n`, where URL is the path
    /// with its query (no scheme or host) and body is empty for a GET.
    public static func requestMessage(method: String, pathAndQuery: String, timestamp: String, nonce: String, body: String) -> String {
        "\(method)\n\(pathAndQuery)\n\(timestamp)\n\(nonce)\n\(body)\n"
    }

    /// What WeChat Pay signs in an answer or a notification: `timestamp\nnonce\nbody\n`.
    public static func responseMessage(timestamp: String, nonce: String, body: String) -> String {
        "\(timestamp)\n\(nonce)\n\(body)\n"
    }

    /// The app SDK's `sign`: `appid\ntimestamp\nnoncestr\nprepayid\n`.
    public static func appMessage(appID: String, timestamp: String, nonce: String, prepayID: String) -> String {
        "\(appID)\n\(timestamp)\n\(nonce)\n\(prepayID)\n"
    }

    /// The mini-program / JSAPI `paySign`: `appId\ntimeStamp\nnonceStr\npackage\n` (package `prepay_id=…`).
    public static func jsapiMessage(appID: String, timestamp: String, nonce: String, package: String) -> String {
        "\(appID)\n\(timestamp)\n\(nonce)\n\(package)\n"
    }

    /// The `Authorization` header of a merchant request.
    public static func authorization(mchID: String, serialNo: String, timestamp: String, nonce: String, signature: String) -> String {
        "WECHATPAY2-SHA256-RSA2048 mchid=\"\(mchID)\",nonce_str=\"\(nonce)\",signature=\"\(signature)\",timestamp=\"\(timestamp)\",serial_no=\"\(serialNo)\""
    }
}
