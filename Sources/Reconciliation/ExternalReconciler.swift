import Foundation
import Logging
import PaystreamCore
import Postgres

/// The external reconciliation of one day and channel: download the bill, read the platform's bookings, match
/// (``ReconMatcher``), store the run with its items and its difference to the previous run of that day.
///
/// Guarantees: nothing stored is ever replaced: each run is a new row, `previousRunID` and `changes` say what
/// differs from the last one; a scheduled run of a day and channel happens once (a second attempt returns nil
/// before downloading anything, and a concurrent one loses at the unique index); the next day's bill is fetched
/// only to tell cross-day timing from a missing payment, and its absence is recorded (`nextDayBill == false`).
public struct ExternalReconciler: Sendable {
    public let store: ReconStore
    public let platform: PlatformRecords
    public let sources: [Channel: any BillSource]
    public let crossDayWindowSeconds: Int
    public let logger: Logger

    public init(client: PostgresClient, sources: [any BillSource], crossDayWindowSeconds: Int = 600, logger: Logger) {
        self.store = ReconStore(client: client)
        self.platform = PlatformRecords(client: client)
        self.sources = Dictionary(sources.map { ($0.channel, $0) }, uniquingKeysWith: { first, _ in first })
        self.crossDayWindowSeconds = crossDayWindowSeconds
        self.logger = logger
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `day` (yyyy-MM-dd, Asia/Shanghai) for `channel`; nil when `trigger` is `.schedule` and the day has
    /// its scheduled run already.
    public func run(day: String, channel: Channel, trigger: ReconTrigger) async throws -> ReconRun? {
        guard let source = sources[channel] else { throw Failure(description: "no bill source for \(channel.rawValue)") }
        guard let previousDay = ReconDays.adjacent(day, by: -1), let nextDay = ReconDays.adjacent(day, by: 1) else {
            throw Failure(description: "\(day) is not yyyy-MM-dd")
        }
        if trigger == .schedule, try await store.hasScheduledRun(day: day, channel: channel) { return nil }
        let startedAt = Date()
        let bill = try await source.records(day: day)
        var nextDayBill: [ChannelBillRecord]?
        do {
            nextDayBill = try await source.records(day: nextDay)
        } catch {
            logger.info("next day's bill not available", metadata: ["channel": "\(channel.rawValue)", "day": "\(nextDay)", "error": "\(error)"])
        }
        let booked = try await platform.booked(channel: channel, day: day)
        let held = try await store.heldItems(day: previousDay, channel: channel)
        let known = try await platform.known(channel: channel, keys: bill.map(\.key))
        let items = ReconMatcher.match(
            ReconInput(
                day: day, channel: channel, bill: bill, nextDayBill: nextDayBill, booked: booked, held: held, platformByKey: known,
                crossDayWindowSeconds: crossDayWindowSeconds))
        let previous = try await store.latestRun(day: day, channel: channel)
        let changes = previous.map { ReconRunDiff.between(previous: $0.items.map(\.item), current: items) } ?? []
        let new = ReconStore.NewRun(
            day: day, channel: channel, trigger: trigger, startedAt: startedAt, billRows: bill.count, nextDayBill: nextDayBill != nil,
            items: items, previousRunID: previous?.runID, changes: changes)
        guard let runID = try await store.record(new) else { return nil }
        return try await store.run(runID)
    }
}

/// Calendar days as `yyyy-MM-dd` strings (proleptic Gregorian, no time zone involved).
public enum ReconDays {
    /// The day `by` days after `day`; nil when `day` is not a valid yyyy-MM-dd.
    public static func adjacent(_ day: String, by offset: Int) -> String? {
        let parts = day.split(separator: "-", omittingEmptySubsequences: false)
        guard day.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...daysIn(y, m)).contains(d)
        else { return nil }
        var (year, month, dayOfMonth) = (y, m, d + offset)
        while dayOfMonth < 1 {
            month -= 1
            if month == 0 { (year, month) = (year - 1, 12) }
            dayOfMonth += daysIn(year, month)
        }
        while dayOfMonth > daysIn(year, month) {
            dayOfMonth -= daysIn(year, month)
            month += 1
            if month == 13 { (year, month) = (year + 1, 1) }
        }
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))"
    }

    /// The Asia/Shanghai day of `date` (UTC+8, no daylight saving).
    public static func shanghai(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down)) + 8 * 3600
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        return adjacent("1970-01-01", by: days) ?? "1970-01-01"
    }

    static func daysIn(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
