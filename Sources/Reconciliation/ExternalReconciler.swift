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
        guard let nextDay = ReconDays.adjacent(day, by: 1) else {
            throw Failure(description: "\(day) is not yyyy-MM-dd")
        }
        if trigger == .schedule, try await store.hasScheduledRun(day: day, channel: channel) { return nil }
        let startedAt = Date()
        let bill: [ChannelBillRecord]
        let booked = try await platform.booked(channel: channel, day: day)
        do {
            bill = try await source.records(day: day)
        } catch let none as NoBillForDay {
            // A channel can say so of a bill it has not made yet. With bookings of the day that is not an empty bill:
            // no run is recorded, so the daily job asks again at its next check.
            guard booked.isEmpty else {
                throw Failure(
                    description: "\(none), but the platform booked \(booked.count) record(s) of \(channel.rawValue) that day: the bill is not out yet; run the day again later")
            }
            logger.info("no bill for the day, and nothing booked: reconciled as an empty bill", metadata: ["reason": "\(none)"])
            bill = []
        }
        var nextDayBill: [ChannelBillRecord]?
        do {
            nextDayBill = try await source.records(day: nextDay)
        } catch {
            logger.info("next day's bill not available", metadata: ["channel": "\(channel.rawValue)", "day": "\(nextDay)", "error": "\(error)"])
        }
        let held = try await store.heldItems(before: day, channel: channel)
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
