/// The codes Galley adds for WeChat Pay (docs/api.md lists them): 4005xx the order cannot
/// be paid, 500501 WeChat Pay not configured, 502501 WeChat Pay refused or did not answer.
extension APIError {
    static let weChatPayNotConfigured = APIError(code: 500501, status: 500, message: "WeChat Pay not configured")
    static let orderNotPayable = APIError(code: 400501, status: 400, message: "Order cannot be paid")
    static let packHasNoPrice = APIError(code: 400502, status: 400, message: "Product has no WeChat Pay price")
    static let prepayExpired = APIError(code: 400503, status: 400, message: "Order payment expired; create a new order")
    static let weChatPayFailed = APIError(code: 502501, status: 502, message: "WeChat Pay returned an error")

    static func orderNotPayable(_ why: String) -> APIError {
        APIError(code: 400501, status: 400, message: "Order cannot be paid: \(why)")
    }
}
