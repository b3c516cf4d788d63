public import Foundation
public import GalleyCore

extension WeChatPayClient {
    /// App (`/v3/pay/transactions/app`) or mini-program (`/jsapi`, with the payer's `openid`).
    public enum TradeType: String, Sendable, Hashable {
        case app
        case jsapi
    }

    /// Opens a prepay and answers its `prepay_id`. `totalFen` comes from the business
    /// config, never from a client; `expiresAt` becomes `time_expire`.
    public func prepay(
        tradeType: TradeType, outTradeNo: String, description: String, totalFen: Int, openID: String?, expiresAt: Date
    ) async throws -> String {
        var fields: [(String, JSONValue)] = [
            ("appid", .string(configuration.appID)), ("mchid", .string(configuration.mchID)),
            ("description", .string(String(description.prefix(127)))), ("out_trade_no", .string(outTradeNo)),
            ("time_expire", .string(Self.rfc3339(expiresAt))), ("notify_url", .string(configuration.notifyURL)),
            ("amount", ["total": .int(Int64(totalFen)), "currency": "CNY"]),
        ]
        if tradeType == .jsapi, let openID { fields.append(("payer", ["openid": .string(openID)])) }
        let answer = try await call("POST", "/v3/pay/transactions/\(tradeType.rawValue)", body: .object(JSONObject(fields)))
        guard let prepayID = answer.body?["prepay_id"]?.stringValue, !prepayID.isEmpty, prepayID.utf8.count <= 64 else {
            throw WeChatPayError(.invalidMessage, "prepay answer without prepay_id")
        }
        return prepayID
    }

    /// `GET /v3/pay/transactions/out-trade-no/{no}`: the transaction as WeChat Pay knows it
    /// (the same object a `TRANSACTION.SUCCESS` notification carries); nil when WeChat Pay
    /// has no such order (`ORDER_NOT_EXIST`).
    public func queryTransaction(outTradeNo: String) async throws -> JSONValue? {
        do {
            return try await call("GET", "/v3/pay/transactions/out-trade-no/\(outTradeNo)?mchid=\(configuration.mchID)").body
        } catch let error as WeChatPayError where error.code == .rejected && error.remoteCode == "ORDER_NOT_EXIST" {
            return nil
        }
    }

    /// `POST …/out-trade-no/{no}/close`: the order can no longer be paid.
    public func closeTransaction(outTradeNo: String) async throws {
        _ = try await call("POST", "/v3/pay/transactions/out-trade-no/\(outTradeNo)/close",
                           body: ["mchid": .string(configuration.mchID)])
    }

    /// `POST /v3/refund/domestic/refunds` for the whole order; answers the refund object
    /// (`status` PROCESSING or SUCCESS). The same `outRefundNo` again is the same refund.
    public func refund(outTradeNo: String, outRefundNo: String, totalFen: Int, reason: String?) async throws -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("out_trade_no", .string(outTradeNo)), ("out_refund_no", .string(outRefundNo)),
            ("notify_url", .string(configuration.notifyURL)),
            ("amount", ["refund": .int(Int64(totalFen)), "total": .int(Int64(totalFen)), "currency": "CNY"]),
        ]
        if let reason, !reason.isEmpty { fields.append(("reason", .string(String(reason.prefix(80))))) }
        guard let body = try await call("POST", "/v3/refund/domestic/refunds", body: .object(JSONObject(fields))).body else {
            throw WeChatPayError(.invalidMessage, "refund answer without a body")
        }
        return body
    }

    /// `2026-12-02T10:00:00+08:00` style, in UTC (`+00:00`), as `time_expire` wants.
    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date).replacingOccurrences(of: "Z", with: "+00:00")
    }
}

extension WeChatPayClient {
    /// `GET /v3/refund/domestic/refunds/{out_refund_no}`: the refund object.
    public func queryRefund(outRefundNo: String) async throws -> JSONValue {
        guard let body = try await call("GET", "/v3/refund/domestic/refunds/\(outRefundNo)").body else {
            throw WeChatPayError(.invalidMessage, "refund query without a body")
        }
        return body
    }
}
