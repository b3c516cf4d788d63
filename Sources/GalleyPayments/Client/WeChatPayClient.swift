public import Foundation
public import GalleyCore
public import GalleyHTTPClient

/// WeChat Pay API v3 over ``HTTPClient``: each request signed with the merchant key
/// (`Authorization: WECHATPAY2-SHA256-RSA2048 …`), each answer's `Wechatpay-Signature`
/// verified with the platform key before its body is believed.
public struct WeChatPayClient: Sendable {
    public let configuration: WeChatPayConfiguration
    let http: HTTPClient
    let timeout: Duration
    let now: @Sendable () -> Date

    public init(configuration: WeChatPayConfiguration, http: HTTPClient = .shared, timeout: Duration = .seconds(10),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.http = http
        self.timeout = timeout
        self.now = now
    }

    /// Verifies notifications and answers with the platform keys and the configured window.
    public var verifier: WeChatPayVerifier {
        WeChatPayVerifier(platformKeys: configuration.platformKeys, maxAge: configuration.notifyMaxAge)
    }

    /// A fresh nonce: 32 upper-case hex characters from the CSPRNG.
    static func nonce() -> String { Crypto.hex(Crypto.randomBytes(16)).uppercased() }

    /// The `Authorization` value for one request (exposed for tests and the stand-in check).
    public func authorization(method: String, pathAndQuery: String, body: String, timestamp: String, nonce: String)
        throws(WeChatPayError) -> String
    {
        let message = WeChatPaySignature.requestMessage(
            method: method, pathAndQuery: pathAndQuery, timestamp: timestamp, nonce: nonce, body: body)
        let signature = try configuration.privateKey.signBase64(message)
        return WeChatPaySignature.authorization(
            mchID: configuration.mchID, serialNo: configuration.merchantSerialNo, timestamp: timestamp, nonce: nonce,
            signature: signature)
    }

    /// One signed call. Answers: the status and the JSON body (nil for 204). A 4xx/5xx
    /// throws `.rejected` with WeChat Pay's `code`; an answer whose signature does not
    /// verify throws `.badSignature` and is never used.
    public func call(_ method: String, _ pathAndQuery: String, body: JSONValue? = nil) async throws -> (status: Int, body: JSONValue?) {
        let text = body.map(JSONWriter.string) ?? ""
        let timestamp = String(Int64(now().timeIntervalSince1970))
        let header = try authorization(method: method, pathAndQuery: pathAndQuery, body: text, timestamp: timestamp, nonce: Self.nonce())
        var headers: [(name: String, value: String)] = [
            ("Authorization", header), ("Accept", "application/json"), ("User-Agent", "Galley-WeChatPay/1"),
        ]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(
                HTTPClientRequest(method: method, url: configuration.baseURL + pathAndQuery, headers: headers, body: Array(text.utf8),
                                  maxResponseBytes: 1 << 20, followRedirects: false),
                timeout: timeout)
        } catch let error as HTTPClientError {
            throw WeChatPayError(.transport, String(describing: error))
        }
        let parsed = response.body.isEmpty ? nil : try? JSONParser.parse(response.body)
        guard response.isSuccess else {
            throw WeChatPayError(.rejected, parsed?["message"]?.stringValue, status: response.status, remoteCode: parsed?["code"]?.stringValue)
        }
        try verifier.verify(
            WeChatPayVerifier.Headers(
                timestamp: response.header("Wechatpay-Timestamp"), nonce: response.header("Wechatpay-Nonce"),
                signature: response.header("Wechatpay-Signature"), serial: response.header("Wechatpay-Serial")),
            body: response.body, now: now())
        if !response.body.isEmpty && parsed == nil { throw WeChatPayError(.invalidMessage, "answer is not JSON") }
        return (response.status, parsed)
    }
}
