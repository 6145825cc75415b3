import Foundation
import PaystreamCore
import Reconciliation

/// How `paystream recon run` and `recon show` print runs: text for people, one JSON object for scripts.
enum ReconOutput {
    static func text(_ runs: [ReconRun]) -> String {
        if runs.isEmpty { return "no reconciliation runs" }
        var lines: [String] = []
        for run in runs {
            lines.append(
                "recon \(run.channel.rawValue) \(run.day): run \(run.runID) (\(run.trigger.rawValue); \(run.billRows) bill rows; "
                    + "next day's bill \(run.nextDayBill ? "read" : "not out")"
                    + (run.previousRunID.map { "; previous run \($0)" } ?? "") + ")")
            lines.append(
                "  matched \(run.count(.matched)), held \(run.count(.held)), differences \(run.differences.count)")
            for stored in run.items where stored.item.classification != .matched {
                let item = stored.item
                let label = item.classification == .held ? "HELD" : "DIFF"
                lines.append(
                    "  \(label) item \(stored.itemID) \(item.classification.rawValue) \(item.key): platform "
                        + "\(item.platform.map { "\($0.amountFen) fen \($0.status)" } ?? "-"), channel "
                        + "\(item.bill.map { "\($0.amountFen) fen \($0.status)" } ?? "-")" + (item.note.map { " (\($0))" } ?? "")
                        + (stored.resolution.map { "; RESOLVED \($0)" } ?? "")
                        + (stored.proposal.map {
                            "; PROPOSED correction \($0.proposalID) by \($0.proposedBy): \($0.amountFen) fen \($0.debit) -> \($0.credit) (\($0.reason)), "
                                + "waiting for another operator's approval"
                        } ?? ""))
            }
            for change in run.changes {
                lines.append(
                    "  CHANGED \(change.key): \(change.before?.rawValue ?? "absent") -> \(change.after?.rawValue ?? "absent")")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `{"runs":[{"runId","day","channel","trigger","billRows","nextDayBill","previousRunId","counts":{…},
    /// "items":[{"itemId","classification","key","platformAmountFen","channelAmountFen","platformStatus",
    /// "channelStatus","note","resolution","proposal":{"proposalId","proposedBy","reason","debit","credit","amountFen"}}],
    /// "changes":[{"key","before","after"}]}]}` on one line, keys sorted (`proposal`: a correction waiting for approval).
    static func json(_ runs: [ReconRun]) -> String {
        let objects: [[String: Any]] = runs.map { run in
            var counts: [String: Int] = [:]
            for classification in ReconClassification.allCases { counts[classification.rawValue] = run.count(classification) }
            var object: [String: Any] = [
                "runId": run.runID, "day": run.day, "channel": run.channel.rawValue, "trigger": run.trigger.rawValue,
                "billRows": run.billRows, "nextDayBill": run.nextDayBill, "counts": counts,
                "differences": run.differences.count,
                "items": run.items.map { stored -> [String: Any] in
                    let item = stored.item
                    var fields: [String: Any] = [
                        "itemId": stored.itemID, "classification": item.classification.rawValue, "key": item.key.description,
                    ]
                    fields["platformAmountFen"] = item.platform?.amountFen
                    fields["channelAmountFen"] = item.bill?.amountFen
                    fields["platformStatus"] = item.platform?.status
                    fields["channelStatus"] = item.bill?.status
                    fields["note"] = item.note
                    fields["resolution"] = stored.resolution
                    fields["proposal"] = stored.proposal.map { proposal -> [String: Any] in
                        [
                            "proposalId": proposal.proposalID, "proposedBy": proposal.proposedBy, "reason": proposal.reason,
                            "debit": proposal.debit, "credit": proposal.credit, "amountFen": proposal.amountFen,
                        ]
                    }
                    return fields
                },
                "changes": run.changes.map { change -> [String: Any] in
                    var fields: [String: Any] = ["key": change.key.description]
                    fields["before"] = change.before?.rawValue
                    fields["after"] = change.after?.rawValue
                    return fields
                },
            ]
            object["previousRunId"] = run.previousRunID
            return object
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["runs": objects], options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
