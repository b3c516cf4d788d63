import Foundation
public import GalleyRuntime

/// The merchant's identity and keys, loaded once at start from ``Settings/WeChatPay``:
/// a key file that does not parse stops the process there, never at the first payment.
public struct WeChatPayConfiguration: Sendable {
    public var mchID: String
    public var appID: String
    public var apiV3Key: [UInt8]
    public var merchantSerialNo: String
    public var privateKey: RSAPrivateKey
    /// WeChat Pay's verifying keys by the `Wechatpay-Serial` that names them.
    public var platformKeys: [String: RSAPublicKey]
    public var notifyURL: String
    public var baseURL: String
    public var notifyMaxAge: Duration
    public var orderExpiry: Duration
    public var queryAfter: Duration

    public init(
        mchID: String, appID: String, apiV3Key: [UInt8], merchantSerialNo: String, privateKey: RSAPrivateKey,
        platformKeys: [String: RSAPublicKey], notifyURL: String, baseURL: String,
        notifyMaxAge: Duration = .seconds(300), orderExpiry: Duration = .seconds(7200), queryAfter: Duration = .seconds(300)
    ) {
        self.mchID = mchID
        self.appID = appID
        self.apiV3Key = apiV3Key
        self.merchantSerialNo = merchantSerialNo
        self.privateKey = privateKey
        self.platformKeys = platformKeys
        self.notifyURL = notifyURL
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.notifyMaxAge = notifyMaxAge
        self.orderExpiry = orderExpiry
        self.queryAfter = queryAfter
    }

    /// Reads the PEM files the settings name. Errors name the setting, never a key's bytes.
    public init(settings: Settings.WeChatPay) throws(WeChatPayError) {
        func read(_ path: String, _ setting: String) throws(WeChatPayError) -> String {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw WeChatPayError(.invalidKey, "\(setting) cannot be read")
            }
            return text
        }
        let privateKey: RSAPrivateKey
        do { privateKey = try RSAPrivateKey(pem: try read(settings.privateKeyPath, "WECHATPAY_PRIVATE_KEY_PATH")) } catch {
            throw WeChatPayError(.invalidKey, "WECHATPAY_PRIVATE_KEY_PATH is not an RSA 2048 private key")
        }
        var platformKeys: [String: RSAPublicKey] = [:]
        if let path = settings.platformCertificatePath {
            let certificate: RSAPublicKey
            do { certificate = try RSAPublicKey(pem: try read(path, "WECHATPAY_PLATFORM_CERT_PATH"), source: .certificate) } catch {
                throw WeChatPayError(.invalidKey, "WECHATPAY_PLATFORM_CERT_PATH is not an RSA 2048 certificate")
            }
            if let serial = try certificate.certificateSerial() { platformKeys[serial] = certificate }
        }
        if let path = settings.platformPublicKeyPath, let keyID = settings.platformPublicKeyID {
            do { platformKeys[keyID] = try RSAPublicKey(pem: try read(path, "WECHATPAY_PLATFORM_PUBLIC_KEY_PATH"), source: .publicKey) } catch {
                throw WeChatPayError(.invalidKey, "WECHATPAY_PLATFORM_PUBLIC_KEY_PATH is not an RSA 2048 public key")
            }
        }
        self.init(
            mchID: settings.mchID, appID: settings.appID, apiV3Key: Array(settings.apiV3Key.utf8),
            merchantSerialNo: settings.merchantSerialNo, privateKey: privateKey, platformKeys: platformKeys,
            notifyURL: settings.notifyURL, baseURL: settings.baseURL, notifyMaxAge: settings.notifyMaxAge,
            orderExpiry: settings.orderExpiry, queryAfter: settings.queryAfter)
    }
}
