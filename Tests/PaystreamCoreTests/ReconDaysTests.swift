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

    /// How long after a day's end (midnight, Shanghai) an instant is: what makes a channel's "no bill" final.
    @Test func aDayIsPastBySecondsCountedFromTheMidnightThatEndsIt() {
        let midnight = Date(timeIntervalSince1970: 1_773_072_000)  // 2026-03-10 00:00 Shanghai: the end of the 9th
        #expect(ReconDays.isPast("2026-03-09", bySeconds: 0, now: midnight))
        #expect(!ReconDays.isPast("2026-03-09", bySeconds: 0, now: midnight.addingTimeInterval(-1)))
        #expect(!ReconDays.isPast("2026-03-09", bySeconds: 172_800, now: midnight.addingTimeInterval(172_799)))
        #expect(ReconDays.isPast("2026-03-09", bySeconds: 172_800, now: midnight.addingTimeInterval(172_800)))
        #expect(!ReconDays.isPast("2026-03-10", bySeconds: 0, now: midnight))
        #expect(!ReconDays.isPast("2026-02-30", bySeconds: 0, now: midnight))
        // Every day of four years, leap days and year ends included, against the calendar's own count.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        var day = "2023-01-01"
        for _ in 0..<1_461 {
            let parts = day.split(separator: "-").map { Int($0)! }
            let start = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))!
            let end = start.addingTimeInterval(86_400)
            #expect(ReconDays.isPast(day, bySeconds: 3_600, now: end.addingTimeInterval(3_600)), "\(day)")
            #expect(!ReconDays.isPast(day, bySeconds: 3_600, now: end.addingTimeInterval(3_599)), "\(day)")
            day = ReconDays.adjacent(day, by: 1)!
        }
        #expect(day == "2027-01-01")
    }
}
