import Testing

@testable import PaystreamAPI

/// A channel's failure text becomes a `withdrawalFailed` event's reason, which refuses blank text and control
/// characters: the dispatcher cleans it so that one odd text cannot stop the payouts behind it.
@Suite struct PayoutReasonTests {
    @Test func aChannelsTextBecomesAReasonAnEventTakes() {
        #expect(PayoutDispatcher.eventReason("收款账户异常", state: "failed") == "收款账户异常")
        #expect(PayoutDispatcher.eventReason("", state: "failed") == "payout failed")
        #expect(PayoutDispatcher.eventReason(" \u{3000}\t", state: "cancelled") == "payout cancelled")
        #expect(PayoutDispatcher.eventReason("bad\u{0}\nname\u{7f}", state: "failed") == "bad  name ")
        let long = PayoutDispatcher.eventReason(String(repeating: "长", count: 300), state: "failed")
        #expect(long.unicodeScalars.count == 200)
    }
}
