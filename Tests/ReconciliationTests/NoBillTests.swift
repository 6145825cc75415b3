import Channels
import PaystreamCore
import Testing

@testable import Reconciliation

@Suite("No bill for a day")
struct NoBillTests {
    @Test("the channels' 'no bill for this day' answers become NoBillForDay; other refusals stay what they are")
    func mapping() {
        let none = ChannelError(.rejected, channel: .wechat, operation: "wechat.tradebill", message: "x", channelCode: "NO_STATEMENT_EXIST")
        #expect(NoBillForDay.check(none, day: "2026-03-10", codes: ["NO_STATEMENT_EXIST"]) is NoBillForDay)
        let creating = ChannelError(.rejected, channel: .wechat, operation: "wechat.tradebill", message: "x", channelCode: "STATEMENT_CREATING")
        #expect(NoBillForDay.check(creating, day: "2026-03-10", codes: ["NO_STATEMENT_EXIST"]) is ChannelError)
        let down = ChannelError(.timeout, channel: .alipay, operation: "alipay.bill", message: "x")
        #expect(NoBillForDay.check(down, day: "2026-03-10", codes: ["isp.bill_not_exist"]) is ChannelError)
    }
}
