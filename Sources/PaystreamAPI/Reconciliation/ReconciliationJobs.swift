import ArgumentParser
import Foundation
import Logging
import PaystreamCore
import Postgres
import Reconciliation
import Synchronization

/// paystream-scheduler's reconciliation jobs: the daily external reconciliation of the previous day's bills at
/// a configured Asia/Shanghai time (10:00 by default: WeChat Pay makes the previous day's bill from 09:00, Alipay by then), and the internal reconciliation.
///
/// Guarantees: the daily job runs a day once per channel whatever the number of schedulers or ticks (a
/// scheduled run is recorded once per day and channel, and checked before any download); a channel that fails
/// (its bill not out yet, the channel down) is tried again at the next tick without affecting the others, and its
/// later days wait until that day has run (``inOrder(days:channels:run:)``).
struct ReconciliationJobs: Sendable {
    let external: ExternalReconciler
    let internalRecon: InternalReconciler
    let channels: [Channel]
    /// Seconds after midnight, Asia/Shanghai, from which the previous day is due.
    let dueAfterSeconds: Int
    let logger: Logger

    /// Days before the due one that are run too if they have no scheduled run (the scheduler was down then).
    let catchUpDays: Int
    /// The days whose last-chance failure this process has raised as critical (once each, not every tick).
    let alerted = LastChanceAlerts()

    /// Runs the due day (yesterday once `dueAfterSeconds` have passed) and the `catchUpDays` before it, oldest first
    /// so that held items carry forward, for every channel without a scheduled run of that day; or `day` alone.
    func runDaily(day: String? = nil, now: Date = Date()) async -> String {
        let days: [String]
        if let day {
            days = [day]
        } else if let due = ReconDays.due(now: now, dueAfterSeconds: dueAfterSeconds) {
            days = (0...catchUpDays).reversed().compactMap { ReconDays.adjacent(due, by: -$0) }
        } else {
            return "not due yet"
        }
        // The oldest day is on its last day in the window: a failure now is not tried again by the scheduler.
        let lastChance = day == nil ? days.first : nil
        let results = await Self.inOrder(days: days, channels: channels) { day, channel in
            await runScheduled(day: day, channel: channel, lastChance: day == lastChance)
        }
        return results.isEmpty ? "nothing to do" : results.joined(separator: "; ")
    }

    /// Runs each channel's `days` oldest first, and none of a channel's days after one that failed: a day takes the
    /// items its predecessor held, so a day run while the one before it has no run yet takes the items of the day
    /// before that (reporting them as missing from a bill they were never meant for), and the failed day, once run,
    /// holds items no later run reads. `run` answers the lines to report and whether the day failed.
    static func inOrder(
        days: [String], channels: [Channel], run: (String, Channel) async -> (lines: [String], failed: Bool)
    ) async -> [String] {
        var results: [String] = []
        var waiting: [Channel: String] = [:]
        for day in days {
            for channel in channels {
                if let failed = waiting[channel] {
                    results.append("\(channel.rawValue) \(day): waits for \(failed)")
                    continue
                }
                let outcome = await run(day, channel)
                results.append(contentsOf: outcome.lines)
                if outcome.failed { waiting[channel] = day }
            }
        }
        return results
    }

    private func runScheduled(day: String, channel: Channel, lastChance: Bool = false) async -> (lines: [String], failed: Bool) {
        do {
            guard let run = try await external.run(day: day, channel: channel, trigger: .schedule) else {
                return (["\(channel.rawValue) \(day): done already"], false)
            }
            for item in run.differences {
                logger.warning(
                    "reconciliation difference",
                    metadata: ["channel": "\(channel.rawValue)", "day": "\(day)", "item": "\(item.itemID)",
                               "classification": "\(item.item.classification.rawValue)", "key": "\(item.item.key)"])
            }
            return (["\(channel.rawValue) \(day): run \(run.runID), \(run.differences.count) difference(s), \(run.count(.held)) held"], false)
        } catch {
            if lastChance, alerted.first(channel: channel, day: day) {
                logger.critical(
                    "reconciliation failed on the last day the scheduler tries it: run it by hand (paystream recon run --date), or the channel's later days go on without it",
                    metadata: ["channel": "\(channel.rawValue)", "day": "\(day)", "error": "\(error)"])
            }
            logger.error(
                "reconciliation failed; the next tick retries it, and the channel's later days wait for it",
                metadata: ["channel": "\(channel.rawValue)", "day": "\(day)", "error": "\(error)"])
            return (["\(channel.rawValue) \(day): failed"], true)
        }
    }

    /// `--once`: with `day`, that day's bills as the daily job would reconcile them, then the ledger; nil without.
    func runOnce(day: String?) async throws -> String? {
        guard let day else { return nil }
        return "reconciliation: \(await runDaily(day: day)); internal: \(try await runInternal())"
    }

    /// The periodic jobs, for the scheduler to run: the daily check and the internal run (each when switched on).
    var periodic: [(name: String, interval: Duration, body: @Sendable () async throws -> String)]

    func runInternal() async throws -> String {
        let outcome = try await internalRecon.run(trigger: .schedule)
        for violation in outcome.report.violations {
            logger.error("ledger invariant broken", metadata: ["rule": "\(violation.rule)", "subject": "\(violation.subject)", "detail": "\(violation)"])
        }
        return "run \(outcome.runID): \(outcome.report.totalViolations) violation(s)"
    }
}

/// The channel-days a process has raised a last-chance failure for.
final class LastChanceAlerts: Sendable {
    private let raised = Mutex<Set<String>>([])

    /// True the first time for `channel` and `day`.
    func first(channel: Channel, day: String) -> Bool {
        raised.withLock { $0.insert("\(channel.rawValue) \(day)").inserted }
    }
}

/// paystream-scheduler's reconciliation flags.
public struct ReconScheduleOptions: ParsableArguments, Sendable {
    @Option(help: "When the previous day's bills are reconciled, HH:mm Asia/Shanghai (after the channels make their bills: WeChat Pay from 09:00).") public var reconAt = "10:00"
    @Option(help: "Channels reconciled daily (comma-separated; empty: none).") public var reconChannels = "wechat,alipay,bill99"
    @Option(help: "Seconds between checks whether the daily reconciliation is due.") public var reconCheckSeconds = 300.0
    @Option(help: "Earlier days the daily reconciliation also runs if they have no scheduled run yet.") public var reconCatchUpDays = 3
    @Option(help: """
        Hours after the end of a day from which a channel's "no bill for this day" is final: an empty bill, with the day's \
        bookings reported. Before, it is a bill not made yet, and the day is run again. Keep it inside the catch-up days.
        """)
    public var reconNoBillFinalAfterHours = 48
    @Option(help: "Seconds between internal reconciliation runs (ledger invariants); 0 turns it off.")
    public var internalReconIntervalSeconds = 3600.0
    @Option(help: "With --once: also reconcile this day's bills (yyyy-MM-dd) as the daily job would, and the ledger.")
    public var reconDate: String?

    public init() {}

    public func validate() throws {
        guard ReconDays.secondsOfDay(reconAt) != nil else { throw ValidationError("--recon-at is HH:mm") }
        guard channels != nil else { throw ValidationError("--recon-channels: wechat, alipay, bill99") }
        guard reconCatchUpDays >= 0, reconCheckSeconds > 0, internalReconIntervalSeconds >= 0, reconNoBillFinalAfterHours >= 0 else {
            throw ValidationError(
                "--recon-catch-up-days >= 0, --recon-check-seconds > 0, --internal-recon-interval-seconds >= 0, --recon-no-bill-final-after-hours >= 0")
        }
        if let reconDate, ReconDays.adjacent(reconDate, by: 0) == nil { throw ValidationError("--recon-date is yyyy-MM-dd") }
    }

    var channels: [Channel]? {
        let names = reconChannels.split(separator: ",").map(String.init)
        let channels = names.compactMap(Channel.init(rawValue:))
        return channels.count == names.count ? channels : nil
    }

    func jobs(_ services: APIServices, logger: Logger) -> ReconciliationJobs {
        let postgres = services.store.postgres
        let channels = self.channels ?? []
        var jobs = ReconciliationJobs(
            external: ExternalReconciler(
                client: postgres, sources: ReconSources.make(services.channels, postgres: postgres),
                noBillFinalAfterSeconds: reconNoBillFinalAfterHours * 3600, logger: logger),
            internalRecon: InternalReconciler(client: postgres), channels: channels,
            dueAfterSeconds: ReconDays.secondsOfDay(reconAt) ?? 36_000, logger: logger, catchUpDays: reconCatchUpDays, periodic: [])
        let daily = jobs, everyHour = jobs
        if !channels.isEmpty {
            jobs.periodic.append(("reconciliation", .milliseconds(Int64(reconCheckSeconds * 1000)), { await daily.runDaily() }))
        }
        if internalReconIntervalSeconds > 0 {
            jobs.periodic.append(
                ("internal-reconciliation", .milliseconds(Int64(internalReconIntervalSeconds * 1000)), { try await everyHour.runInternal() }))
        }
        return jobs
    }
}
