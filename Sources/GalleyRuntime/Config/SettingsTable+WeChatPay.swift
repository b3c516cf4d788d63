extension SettingsTable {
    /// WeChat Pay API v3 (docs/payments.md): all unset turns the pay routes into a clear
    /// "not configured" answer and changes nothing else; set, they are checked at start.
    static let weChatPayDefinitions: [SettingDefinition] = {
        let readers: Set<GalleyExecutable> = [.apiGateway, .webhookWorker]
        return [
            .init("WECHATPAY_MCHID", .text, computed: "unset: WeChat Pay off",
                  "Merchant id; setting it turns WeChat Pay on and makes the settings below required.", readBy: readers),
            .init("WECHATPAY_APPID", .text, computed: "required with WECHATPAY_MCHID",
                  "App id (open platform app or mini-program) the orders are paid in.", readBy: readers),
            .init("WECHATPAY_API_V3_KEY", .secret, computed: "required with WECHATPAY_MCHID",
                  "The 32-byte API v3 key: decrypts notification resources.", readBy: readers),
            .init("WECHATPAY_MERCHANT_SERIAL_NO", .text, computed: "required with WECHATPAY_MCHID",
                  "Serial number of the merchant API certificate (`serial_no` of every request's signature).", readBy: readers),
            .init("WECHATPAY_PRIVATE_KEY_PATH", .text, computed: "required with WECHATPAY_MCHID",
                  "PEM file of the merchant API private key (RSA 2048); signs requests and client parameters.", readBy: readers),
            .init("WECHATPAY_PLATFORM_CERT_PATH", .text, computed: "unset",
                  "PEM platform certificate that verifies WeChat Pay's signatures (its serial is read from it).", readBy: readers),
            .init("WECHATPAY_PLATFORM_PUBLIC_KEY_PATH", .text, computed: "unset",
                  "PEM platform public key (instead of, or beside, the certificate); needs WECHATPAY_PLATFORM_PUBLIC_KEY_ID.",
                  readBy: readers),
            .init("WECHATPAY_PLATFORM_PUBLIC_KEY_ID", .text, computed: "unset",
                  "The `Wechatpay-Serial` WeChat Pay sends with the platform public key (`PUB_KEY_ID_…`).", readBy: readers),
            .init("WECHATPAY_NOTIFY_URL", .text, computed: "required with WECHATPAY_MCHID",
                  "Public https URL of `POST /api/v1/pay/wechat/notify`, sent with each prepay and refund.", readBy: readers),
            .init("WECHATPAY_BASE_URL", .text, default: "https://api.mch.weixin.qq.com",
                  "WeChat Pay API base URL (a stand-in's in tests).", readBy: readers),
            .init("WECHATPAY_NOTIFY_MAX_AGE_SECONDS", .wholeSeconds(10...3600), default: "300",
                  "A notification whose `Wechatpay-Timestamp` is further than this from now is refused.", readBy: readers),
            .init("WECHATPAY_ORDER_EXPIRY_SECONDS", .wholeSeconds(60...86_400), default: "7200",
                  "How long a prepay stays payable (`time_expire`); a later prepay of the order asks for a new one.",
                  readBy: readers),
            .init("WECHATPAY_QUERY_AFTER_SECONDS", .wholeSeconds(1...86_400), default: "300",
                  "A prepaid order still pending this long is queried (a missed notification); closed after its expiry.",
                  readBy: [.webhookWorker]),
        ]
    }()
}
