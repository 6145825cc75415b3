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
    /// How long after the end of a day a channel's "no bill" is taken as its last word: an empty bill, whose every
    /// unexplained booking is then reported. Before that, such an answer is a bill not made yet.
    public let noBillFinalAfterSeconds: Int
    public let logger: Logger

    public init(
        client: PostgresClient, sources: [any BillSource], crossDayWindowSeconds: Int = 600, noBillFinalAfterSeconds: Int = 172_800,
        logger: Logger
    ) {
        self.store = ReconStore(client: client)
        self.platform = PlatformRecords(client: client)
        self.sources = Dictionary(sources.map { ($0.channel, $0) }, uniquingKeysWith: { first, _ in first })
        self.crossDayWindowSeconds = crossDayWindowSeconds
        self.noBillFinalAfterSeconds = noBillFinalAfterSeconds
        self.logger = logger
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `day` (yyyy-MM-dd, Asia/Shanghai) for `channel`; nil when `trigger` is `.schedule` and the day has
    /// its scheduled run already. `now` decides only whether a "no bill" answer is final (``noBillFinalAfterSeconds``).
    public func run(day: String, channel: Channel, trigger: ReconTrigger, now: Date = Date()) async throws -> ReconRun? {
        guard let source = sources[channel] else { throw Failure(description: "no bill source for \(channel.rawValue)") }
        guard let nextDay = ReconDays.adjacent(day, by: 1) else {
            throw Failure(description: "\(day) is not yyyy-MM-dd")
        }
        if trigger == .schedule, try await store.hasScheduledRun(day: day, channel: channel) { return nil }
        let startedAt = Date()
        let bill: [ChannelBillRecord]
        let booked = try await platform.booked(channel: channel, day: day)
        let held = try await store.heldItems(before: day, channel: channel)
        do {
            bill = try await source.records(day: day)
        } catch let none as NoBillForDay {
            // A channel can say so of a bill it has not made yet. With bookings of the day that the earlier run does
            // not explain, that is not an empty bill: no run is recorded, so the daily job asks again at its next
            // check, until the day is old enough for the answer to be final.
            let unexplained = ReconMatcher.unexplainedByNoBill(booked: booked, held: held, channel: channel)
            if unexplained.isEmpty {
                logger.info("no bill for the day, and nothing booked it does not explain: reconciled as an empty bill", metadata: ["reason": "\(none)"])
            } else if ReconDays.isPast(day, bySeconds: noBillFinalAfterSeconds, now: now) {
                logger.warning(
                    "no bill for a day the platform booked on, long after the day: reconciled as an empty bill, its bookings reported",
                    metadata: ["reason": "\(none)", "bookings": "\(unexplained.count)"])
            } else {
                throw Failure(
                    description: "\(none), but the platform booked \(unexplained.count) record(s) of \(channel.rawValue) that day: the bill is not out yet; run the day again later")
            }
            bill = none.otherRows
        }
        var nextDayBill: [ChannelBillRecord]?
        do {
            nextDayBill = try await source.peek(day: nextDay)
        } catch {
            logger.info("next day's bill not available", metadata: ["channel": "\(channel.rawValue)", "day": "\(nextDay)", "error": "\(error)"])
        }
        // Held rows too: a payout row held for a booking that comes later may be booked a day after that.
        let known = try await platform.known(channel: channel, keys: bill.map(\.key) + held.compactMap { $0.bill?.key })
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
