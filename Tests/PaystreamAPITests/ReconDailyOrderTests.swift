import PaystreamCore
import Testing

@testable import PaystreamAPI

/// The daily reconciliation runs a channel's days oldest first, and none after a day that failed: a day takes the
/// items its predecessor held, so running it before its predecessor has a run reads the wrong day's held items.
@Suite("Daily reconciliation order")
struct ReconDailyOrderTests {
    @Test func aChannelsLaterDaysWaitForADayThatFailedWhileTheOtherChannelsGoOn() async {
        var asked: [String] = []
        let days = ["2026-03-08", "2026-03-09", "2026-03-10", "2026-03-11"]
        let lines = await ReconciliationJobs.inOrder(days: days, channels: [.wechat, .alipay]) { day, channel in
            asked.append("\(channel.rawValue) \(day)")
            let failed = channel == .wechat && day == "2026-03-09"
            return (["\(channel.rawValue) \(day): \(failed ? "failed" : "run")"], failed)
        }
        #expect(asked == [
            "wechat 2026-03-08", "alipay 2026-03-08", "wechat 2026-03-09", "alipay 2026-03-09", "alipay 2026-03-10", "alipay 2026-03-11",
        ])
        #expect(lines.contains("wechat 2026-03-10: waits for 2026-03-09") && lines.contains("wechat 2026-03-11: waits for 2026-03-09"))
        #expect(lines.filter { $0.hasPrefix("alipay") && $0.hasSuffix(": run") }.count == 4)
    }
}
