import Testing
import GalleyPayments

/// `WebhookWorker refund --order ORDER_NO [--reason TEXT]`: what it accepts and refuses.
@Suite struct WeChatPayRefundCommandTests {
    @Test func parsesOrderAndReason() throws {
        let command = try WeChatPayRefundCommand(arguments: ["--order", "o_1_2_abc", "--reason", "customer asked"])
        #expect(command.orderNo == "o_1_2_abc" && command.reason == "customer asked")
        #expect(try WeChatPayRefundCommand(arguments: ["--order", "o_1"]).reason == nil)
    }

    @Test(arguments: [[], ["--order"], ["--order", ""], ["--reason", "x"], ["--order", "o_1", "--force", "y"],
                      ["--order", String(repeating: "o", count: 65)]])
    func refusesWhatIsNotARefund(_ arguments: [String]) {
        #expect(throws: WeChatPayRefundCommand.UsageError.self) { try WeChatPayRefundCommand(arguments: arguments) }
    }
}
