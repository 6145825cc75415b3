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

    /// Runs `day` (the due day by default) for every channel that has no scheduled run of it yet.
    func runDaily(day: String? = nil, now: Date = Date()) async -> String {
        guard let day = day ?? ReconDays.due(now: now, dueAfterSeconds: dueAfterSeconds) else { return "not due yet" }
        var results: [String] = []
        for channel in channels {
            do {
                if let run = try await external.run(day: day, channel: channel, trigger: .schedule) {
                    results.append("\(channel.rawValue) \(day): run \(run.runID), \(run.differences.count) difference(s), \(run.count(.held)) held")
                    for item in run.differences {
                        logger.warning(
                            "reconciliation difference",
                            metadata: ["channel": "\(channel.rawValue)", "day": "\(day)", "item": "\(item.itemID)",
                                       "classification": "\(item.item.classification.rawValue)", "key": "\(item.item.key)"])
                    }
                } else {
                    results.append("\(channel.rawValue) \(day): done already")
                }
            } catch {
                logger.error("reconciliation failed; the next tick retries", metadata: ["channel": "\(channel.rawValue)", "day": "\(day)", "error": "\(error)"])
                results.append("\(channel.rawValue) \(day): failed")
            }
        }
        return results.joined(separator: "; ")
    }

    func runInternal() async throws -> String {
        let outcome = try await internalRecon.run(trigger: .schedule)
        for violation in outcome.report.violations {
            logger.error("ledger invariant broken", metadata: ["rule": "\(violation.rule)", "subject": "\(violation.subject)", "detail": "\(violation)"])
        }
        return "run \(outcome.runID): \(outcome.report.totalViolations) violation(s)"
    }
}
