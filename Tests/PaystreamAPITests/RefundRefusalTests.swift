import Channels
import PaystreamCore
import Testing

@testable import PaystreamAPI

/// Which refusals of a refund request end it (its money back to the payer) and which are asked again.
@Suite("Refund refusals")
struct RefundRefusalTests {
    private func refusal(
        _ channel: Channel, _ code: String?, _ kind: ChannelError.Code = .rejected, verified: Bool
    ) -> ChannelError {
        ChannelError(kind, channel: channel, operation: "refund", message: "refused", channelCode: code, isVerifiedAnswer: verified)
    }

    @Test("a refusal is permanent only with a listed code in a verified answer")
    func permanentRefusalsNeedAVerifiedAnswer() {
        for (channel, code) in [(Channel.wechat, "USER_ACCOUNT_ABNORMAL"), (.wechat, "INVALID_REQUEST"), (.alipay, "ACQ.TRADE_HAS_FINISHED")] {
            #expect(RefundDispatcher.isPermanentRefusal(refusal(channel, code, verified: true)), "\(code)")
            #expect(RefundDispatcher.isPermanentRefusal(refusal(channel, code, .httpStatus, verified: true)), "\(code) as an HTTP status")
            #expect(!RefundDispatcher.isPermanentRefusal(refusal(channel, code, verified: false)), "unsigned \(code)")
        }
    }

    @Test("refusals that can pass later, or that are ours to fix, are asked again")
    func passingRefusalsAreRetried() {
        for (channel, code) in [
            (Channel.wechat, "NOT_ENOUGH"), (.wechat, "SYSTEM_ERROR"), (.wechat, "FREQUENCY_LIMITED"), (.wechat, "PARAM_ERROR"),
            (.alipay, "ACQ.SELLER_BALANCE_NOT_ENOUGH"), (.alipay, "ACQ.SYSTEM_ERROR"),
            // A code of one channel means nothing from another.
            (.alipay, "USER_ACCOUNT_ABNORMAL"), (.wechat, "ACQ.TRADE_HAS_FINISHED"),
        ] {
            #expect(!RefundDispatcher.isPermanentRefusal(refusal(channel, code, verified: true)), "\(channel) \(code)")
        }
        #expect(!RefundDispatcher.isPermanentRefusal(refusal(.wechat, nil, verified: true)))
    }
}
