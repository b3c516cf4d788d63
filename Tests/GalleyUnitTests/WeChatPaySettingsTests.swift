import Foundation
import Testing
import GalleyCore
@testable import GalleyRuntime
import GalleyTestSupport

/// `WECHATPAY_*`: unset is off and changes nothing; half a configuration stops the process
/// naming what is missing; the key never appears in an error.
@Suite struct WeChatPaySettingsTests {
    let minimal = ["POSTGRES_SERVER": "db", "POSTGRES_USER": "app"]

    var full: [String: String] {
        let directory = WeChatPayTestKeys.directory.path
        return minimal.merging([
            "WECHATPAY_MCHID": "1900009191", "WECHATPAY_APPID": "wxd678efh567hg6787",
            "WECHATPAY_API_V3_KEY": WeChatPayTestKeys.apiV3Key, "WECHATPAY_MERCHANT_SERIAL_NO": "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            "WECHATPAY_PRIVATE_KEY_PATH": directory + "/merchant_private.pem",
            "WECHATPAY_PLATFORM_PUBLIC_KEY_PATH": directory + "/platform_public.pem",
            "WECHATPAY_PLATFORM_PUBLIC_KEY_ID": "PUB_KEY_ID_1", "WECHATPAY_NOTIFY_URL": "https://pay.example.com/api/v1/pay/wechat/notify",
        ]) { $1 }
    }

    @Test func unsetIsOff() throws {
        #expect(try Settings.load(from: minimal).weChatPay == nil)
    }

    @Test func fullConfigurationLoads() throws {
        let settings = try #require(try Settings.load(from: full).weChatPay)
        #expect(settings.mchID == "1900009191")
        #expect(settings.baseURL == "https://api.mch.weixin.qq.com")
        #expect(settings.notifyMaxAge == .seconds(300))
        #expect(settings.orderExpiry == .seconds(7200))
    }

    @Test(arguments: [
        ("WECHATPAY_APPID", nil as String?), ("WECHATPAY_API_V3_KEY", nil), ("WECHATPAY_API_V3_KEY", "too-short-secret-value"),
        ("WECHATPAY_PLATFORM_PUBLIC_KEY_ID", nil), ("WECHATPAY_PRIVATE_KEY_PATH", "/nonexistent/key.pem"),
        ("WECHATPAY_NOTIFY_URL", "ftp://x"), ("WECHATPAY_MCHID", "19000abc"),
    ])
    func halfAConfigurationIsRefusedByName(_ name: String, _ value: String?) {
        var env = full
        env[name] = value
        do {
            _ = try Settings.load(from: env)
            Issue.record("\(name)=\(value ?? "unset") accepted")
        } catch {
            #expect(error.setting == name)
            #expect(!error.description.contains(WeChatPayTestKeys.apiV3Key))
            #expect(!error.description.contains("too-short-secret-value"))
        }
    }

    @Test func aKeyWithoutMerchantIsRefused() {
        #expect(throws: ConfigurationError.self) {
            try Settings.load(from: minimal.merging(["WECHATPAY_API_V3_KEY": WeChatPayTestKeys.apiV3Key]) { $1 })
        }
    }

    @Test func httpOnlyOnALocalStack() throws {
        var env = full
        env["WECHATPAY_BASE_URL"] = "http://127.0.0.1:9"
        #expect(try Settings.load(from: env).weChatPay?.baseURL == "http://127.0.0.1:9")
        env["ENVIRONMENT"] = "production"
        env["SECRET_KEY"] = String(repeating: "k", count: 40) + "Zq9"
        env["REVENUECAT_WEBHOOK_SECRET"] = "rc-secret-of-this-test-0123456789"
        do {
            _ = try Settings.load(from: env)
            Issue.record("http base URL accepted in production")
        } catch {
            #expect(error.setting == "WECHATPAY_BASE_URL")
        }
    }

    @Test func packPricesAreOptionalAndOutsideConfigAnswers() throws {
        #expect(BusinessConfig.builtIn.priceFen(forPack: "points_1000") == nil)
        let priced = try BusinessConfig(document: try JSONParser.parse(
            #"{"points_packs":{"points_1000":1000},"pack_prices_fen":{"points_1000":600,"unknown":100}}"#))
        #expect(priced.priceFen(forPack: "points_1000") == 600)
        #expect(priced.priceFen(forPack: "unknown") == nil)  // not a points pack
        #expect(priced.publicSections["pack_prices_fen"] == nil)
        #expect(throws: ConfigurationError.self) {
            try BusinessConfig(document: try JSONParser.parse(#"{"pack_prices_fen":{"points_1000":0}}"#))
        }
        #expect(throws: ConfigurationError.self) {
            try BusinessConfig(document: try JSONParser.parse(#"{"pack_prices_fen":{"points_1000":"6.00"}}"#))
        }
        // The original's default config is still valid.
        _ = try BusinessConfig(document: try JSONParser.parse(BusinessConfig.originalDefaultJSON))
    }
}
