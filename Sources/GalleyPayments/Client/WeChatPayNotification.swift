public import GalleyCore

/// A notification's envelope (`id`, `event_type`, `resource`), and its resource decrypted
/// with the API v3 key (AEAD_AES_256_GCM, the resource's `nonce` and `associated_data`).
public struct WeChatPayNotification: Sendable {
    /// WeChat Pay's notification id: its retries of one notification repeat it.
    public var id: String
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`.
    public var eventType: String
    public var ciphertext: String
    public var nonce: String
    public var associatedData: String

    /// Parses a body already verified; throws `.invalidMessage` for anything else.
    public init(body: [UInt8]) throws(WeChatPayError) {
        guard let json = try? JSONParser.parse(String(decoding: body, as: UTF8.self)), json.objectValue != nil else {
            throw WeChatPayError(.invalidMessage, "not a JSON object")
        }
        guard let id = json["id"]?.stringValue, !id.isEmpty, id.utf8.count <= 64,
            let eventType = json["event_type"]?.stringValue, !eventType.isEmpty, eventType.utf8.count <= 32,
            let resource = json["resource"], resource["algorithm"]?.stringValue == "AEAD_AES_256_GCM",
            let ciphertext = resource["ciphertext"]?.stringValue, let nonce = resource["nonce"]?.stringValue
        else { throw WeChatPayError(.invalidMessage, "not a v3 notification") }
        self.id = id
        self.eventType = eventType
        self.ciphertext = ciphertext
        self.nonce = nonce
        self.associatedData = resource["associated_data"]?.stringValue ?? ""
    }

    /// The resource's plaintext, parsed: a transaction or a refund object.
    public func decryptResource(apiV3Key: [UInt8]) throws(WeChatPayError) -> JSONValue {
        guard let sealed = Base64.decode(ciphertext) else { throw WeChatPayError(.decryption, "ciphertext is not base64") }
        let plaintext = try AESGCM.decrypt(
            key: apiV3Key, nonce: Array(nonce.utf8), associatedData: Array(associatedData.utf8), sealed: sealed)
        guard let text = String(validating: plaintext, as: UTF8.self), let resource = try? JSONParser.parse(text),
            resource.objectValue != nil
        else { throw WeChatPayError(.invalidMessage, "resource is not a JSON object") }
        return resource
    }
}
