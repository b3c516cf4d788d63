/// `WebhookWorker refund --order ORDER_NO [--reason TEXT]`: an operator's refund of a
/// paid WeChat Pay order (docs/payments.md, Refunds).
public struct WeChatPayRefundCommand: Sendable, Hashable {
    public var orderNo: String
    public var reason: String?

    public static let synopsis = "--order ORDER_NO [--reason TEXT]"

    /// Parses the arguments after `refund`; throws a one-line usage message.
    public init(arguments: [String]) throws(WeChatPayRefundCommand.UsageError) {
        var orderNo: String?
        var reason: String?
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst(), !value.isEmpty else { throw UsageError(description: "\(flag) needs a value") }
            switch flag {
            case "--order": orderNo = value
            case "--reason": reason = value
            default: throw UsageError(description: "unknown option \(flag)")
            }
        }
        guard let orderNo, orderNo.utf8.count <= 64 else { throw UsageError(description: "refund needs --order ORDER_NO") }
        self.orderNo = orderNo
        self.reason = reason
    }

    public struct UsageError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }
}
