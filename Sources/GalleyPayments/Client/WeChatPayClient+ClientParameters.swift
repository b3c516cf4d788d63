public import Foundation
public import GalleyCore

extension WeChatPayClient {
    /// What the client SDK needs to open the payment sheet, signed with the merchant key
    /// the way the SDK verifies it: the app SDK's `PayReq` fields (`sign` over
    /// `appid\ntimestamp\nnoncestr\nprepayid\n`) or the mini-program's `requestPayment`
    /// fields (`paySign` over `appId\ntimeStamp\nnonceStr\npackage\n`).
    public func clientParameters(tradeType: TradeType, prepayID: String, now: Date = Date()) throws(WeChatPayError) -> JSONValue {
        let timestamp = String(Int64(now.timeIntervalSince1970))
        let nonce = Self.nonce()
        switch tradeType {
        case .app:
            let sign = try configuration.privateKey.signBase64(
                WeChatPaySignature.appMessage(appID: configuration.appID, timestamp: timestamp, nonce: nonce, prepayID: prepayID))
            return [
                "appid": .string(configuration.appID), "partnerid": .string(configuration.mchID), "prepayid": .string(prepayID),
                "package": "Sign=WXPay", "noncestr": .string(nonce), "timestamp": .string(timestamp), "sign": .string(sign),
            ]
        case .jsapi:
            let package = "prepay_id=\(prepayID)"
            let paySign = try configuration.privateKey.signBase64(
                WeChatPaySignature.jsapiMessage(appID: configuration.appID, timestamp: timestamp, nonce: nonce, package: package))
            return [
                "appId": .string(configuration.appID), "timeStamp": .string(timestamp), "nonceStr": .string(nonce),
                "package": .string(package), "signType": "RSA", "paySign": .string(paySign),
            ]
        }
    }
}
