import Foundation
import PaystreamCore
import Testing

@Suite("Reconciliation days")
struct ReconDaysTests {
    @Test func adjacentDaysCrossMonthsYearsAndLeapDays() {
        #expect(ReconDays.adjacent("2026-03-10", by: 1) == "2026-03-11")
        #expect(ReconDays.adjacent("2026-03-01", by: -1) == "2026-02-28")
        #expect(ReconDays.adjacent("2024-03-01", by: -1) == "2024-02-29")
        #expect(ReconDays.adjacent("2026-12-31", by: 1) == "2027-01-01")
        #expect(ReconDays.adjacent("2027-01-01", by: -1) == "2026-12-31")
        #expect(ReconDays.adjacent("2026-01-31", by: 30) == "2026-03-02")
        for bad in ["2026-02-30", "2026-13-01", "2026-3-1", "", "2026/03/10", "2026-03-1x"] {
            #expect(ReconDays.adjacent(bad, by: 0) == nil, "\(bad)")
        }
    }

    @Test func shanghaiDayIsUTCPlusEight() {
        // 2026-03-09T16:00:00Z is 2026-03-10 00:00:00 in Shanghai; one second earlier is still the 9th.
        let midnight = Date(timeIntervalSince1970: 1_773_072_000)
        #expect(ReconDays.shanghai(midnight) == "2026-03-10")
        #expect(ReconDays.shanghai(midnight.addingTimeInterval(-1)) == "2026-03-09")
        #expect(ReconDays.shanghai(Date(timeIntervalSince1970: 0)) == "1970-01-01")
    }

    @Test func theDailyJobIsDueForYesterdayAfterItsTime() {
        let midnight = Date(timeIntervalSince1970: 1_773_072_000)  // 2026-03-10 00:00 Shanghai
        let twoAM = try! #require(ReconDays.secondsOfDay("02:00"))
        #expect(twoAM == 7_200)
        #expect(ReconDays.due(now: midnight.addingTimeInterval(7_199), dueAfterSeconds: twoAM) == nil)
        #expect(ReconDays.due(now: midnight.addingTimeInterval(7_200), dueAfterSeconds: twoAM) == "2026-03-09")
        #expect(ReconDays.due(now: midnight.addingTimeInterval(86_399), dueAfterSeconds: twoAM) == "2026-03-09")
        for bad in ["2:00", "24:00", "02:60", "0200", "ab:cd"] { #expect(ReconDays.secondsOfDay(bad) == nil, "\(bad)") }
    }
}
