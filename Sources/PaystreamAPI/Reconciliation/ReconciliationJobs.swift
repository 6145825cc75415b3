import Foundation
import Logging
import PaystreamCore
import Postgres
import Reconciliation

/// paystream-scheduler's reconciliation jobs: the daily external reconciliation of the previous day's bills at
/// a configured Asia/Shanghai time (02:00 by default), and the internal reconciliation.
///
/// Guarantees: the daily job runs a day once per channel whatever the number of schedulers or ticks (a
/// scheduled run is recorded once per day and channel, and checked before any download); a channel that fails
/// (its bill not out yet, the channel down) is tried again at the next tick without affecting the others.
struct ReconciliationJobs: Sendable {
    let external: ExternalReconciler
    let internalRecon: InternalReconciler
    let channels: [Channel]
    /// Seconds after midnight, Asia/Shanghai, from which the previous day is due.
    let dueAfterSeconds: Int
    let logger: Logger

    /// Days before the due one that are run too if they have no scheduled run (the scheduler was down then).
    let catchUpDays: Int

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
        var results: [String] = []
        for day in days {
            for channel in channels {
                results.append(contentsOf: await runScheduled(day: day, channel: channel))
            }
        }
        return results.isEmpty ? "nothing to do" : results.joined(separator: "; ")
    }

    private func runScheduled(day: String, channel: Channel) async -> [String] {
        do {
            guard let run = try await external.run(day: day, channel: channel, trigger: .schedule) else {
                return ["\(channel.rawValue) \(day): done already"]
            }
            for item in run.differences {
                logger.warning(
                    "reconciliation difference",
                    metadata: ["channel": "\(channel.rawValue)", "day": "\(day)", "item": "\(item.itemID)",
                               "classification": "\(item.item.classification.rawValue)", "key": "\(item.item.key)"])
            }
            return ["\(channel.rawValue) \(day): run \(run.runID), \(run.differences.count) difference(s), \(run.count(.held)) held"]
        } catch {
            logger.error("reconciliation failed; the next tick retries", metadata: ["channel": "\(channel.rawValue)", "day": "\(day)", "error": "\(error)"])
            return ["\(channel.rawValue) \(day): failed"]
        }
    }

    func runInternal() async throws -> String {
        let outcome = try await internalRecon.run(trigger: .schedule)
        for violation in outcome.report.violations {
            logger.error("ledger invariant broken", metadata: ["rule": "\(violation.rule)", "subject": "\(violation.subject)", "detail": "\(violation)"])
        }
        return "run \(outcome.runID): \(outcome.report.totalViolations) violation(s)"
    }
}
