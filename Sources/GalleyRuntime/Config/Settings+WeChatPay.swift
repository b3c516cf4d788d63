import Foundation
import GalleyCore

extension Settings {
    /// WeChat Pay API v3, or nil when `WECHATPAY_MCHID` is unset. File paths are checked
    /// to be readable here; the keys themselves are parsed by GalleyPayments at start.
    public struct WeChatPay: Sendable {
        public var mchID: String
        public var appID: String
        /// Never logged: the reader of `Settings` must not print it.
        public var apiV3Key: String
        public var merchantSerialNo: String
        public var privateKeyPath: String
        public var platformCertificatePath: String?
        public var platformPublicKeyPath: String?
        public var platformPublicKeyID: String?
        public var notifyURL: String
        public var baseURL: String
        public var notifyMaxAge: Duration
        public var orderExpiry: Duration
        public var queryAfter: Duration
    }

    /// The `WECHATPAY_*` settings as one value: nil when WeChat Pay is off (no `WECHATPAY_MCHID`
    /// and nothing else set); every other half-configured state stops the process.
    static func weChatPay(_ env: SettingsReader, isLocal: Bool) throws(ConfigurationError) -> WeChatPay? {
        // Checked even when WeChat Pay is off: a typo should not wait for the day it is turned on.
        let notifyMaxAge = try env.duration("WECHATPAY_NOTIFY_MAX_AGE_SECONDS")
        let orderExpiry = try env.duration("WECHATPAY_ORDER_EXPIRY_SECONDS")
        let queryAfter = try env.duration("WECHATPAY_QUERY_AFTER_SECONDS")
        guard let mchID = try env.text("WECHATPAY_MCHID") else {
            for name in ["WECHATPAY_APPID", "WECHATPAY_API_V3_KEY", "WECHATPAY_PRIVATE_KEY_PATH"] where try env.text(name) != nil {
                throw .missing("WECHATPAY_MCHID")
            }
            return nil
        }
        let apiV3Key = try env.required("WECHATPAY_API_V3_KEY")
        guard apiV3Key.utf8.count == 32 else { throw .invalid("WECHATPAY_API_V3_KEY", expected: "32 bytes") }
        let settings = WeChatPay(
            mchID: mchID, appID: try env.required("WECHATPAY_APPID"), apiV3Key: apiV3Key,
            merchantSerialNo: try env.required("WECHATPAY_MERCHANT_SERIAL_NO"),
            privateKeyPath: try env.required("WECHATPAY_PRIVATE_KEY_PATH"),
            platformCertificatePath: try env.text("WECHATPAY_PLATFORM_CERT_PATH"),
            platformPublicKeyPath: try env.text("WECHATPAY_PLATFORM_PUBLIC_KEY_PATH"),
            platformPublicKeyID: try env.text("WECHATPAY_PLATFORM_PUBLIC_KEY_ID"),
            notifyURL: try env.required("WECHATPAY_NOTIFY_URL"), baseURL: try env.required("WECHATPAY_BASE_URL"),
            notifyMaxAge: notifyMaxAge, orderExpiry: orderExpiry, queryAfter: queryAfter)
        guard mchID.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), !mchID.isEmpty else {
            throw .invalid("WECHATPAY_MCHID", expected: "digits")
        }
        if settings.platformCertificatePath == nil && settings.platformPublicKeyPath == nil {
            throw .missing("WECHATPAY_PLATFORM_CERT_PATH")
        }
        if settings.platformPublicKeyPath != nil && settings.platformPublicKeyID == nil {
            throw .missing("WECHATPAY_PLATFORM_PUBLIC_KEY_ID")
        }
        let paths: [(String, String?)] = [
            ("WECHATPAY_PRIVATE_KEY_PATH", settings.privateKeyPath),
            ("WECHATPAY_PLATFORM_CERT_PATH", settings.platformCertificatePath),
            ("WECHATPAY_PLATFORM_PUBLIC_KEY_PATH", settings.platformPublicKeyPath),
        ]
        for (name, path) in paths {
            if let path, !FileManager.default.isReadableFile(atPath: path) { throw .invalid(name, expected: "a readable PEM file") }
        }
        for (name, url) in [("WECHATPAY_NOTIFY_URL", settings.notifyURL), ("WECHATPAY_BASE_URL", settings.baseURL)] {
            let scheme = URL(string: url)?.scheme
            // WeChat Pay only calls https; plain http is for a local stack and its stand-in.
            guard scheme == "https" || (scheme == "http" && isLocal) else {
                throw .invalid(name, expected: isLocal ? "an http(s) URL" : "an https URL")
            }
        }
        return settings
    }
}
