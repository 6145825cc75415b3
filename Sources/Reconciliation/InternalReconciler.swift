import Foundation
import LedgerStore
import Postgres

/// The internal reconciliation: the ledger's invariants checked by ``LedgerVerifier`` on one snapshot (every
/// entry balanced; all postings sum to zero; per account, merchants' accounts included, recharge + income -
/// withdrawal - consumption = balance and each bucket = the sum of its postings, never negative; envelopes as in
/// money.md), recorded in `recon_internal_runs` with every violation it names.
public struct InternalReconciler: Sendable {
    public let client: PostgresClient
    public let violationLimitPerRule: Int

    public init(client: PostgresClient, violationLimitPerRule: Int = 100) {
        self.client = client
        self.violationLimitPerRule = violationLimitPerRule
    }

    public struct Outcome: Sendable {
        public var runID: Int64
        public var report: LedgerReport
    }

    public func run(trigger: ReconTrigger) async throws -> Outcome {
        let startedAt = Date()
        let report = try await LedgerVerifier(client: client, violationLimitPerRule: violationLimitPerRule).verify()
        let rows = try await client.query(
            """
            INSERT INTO recon_internal_runs (trigger, started_at, accounts, entries, violations, report)
            VALUES (\(trigger.rawValue), \(startedAt), \(report.checked.accounts), \(report.checked.entries), \(report.totalViolations),
                    \(Self.json(report))::jsonb)
            RETURNING run_id
            """)
        return Outcome(runID: try rows[0].decode(Int64.self, column: "run_id"), report: report)
    }

    /// The report as JSON: `{"clean":…,"violations":[{"rule","subject","figures":[{"name","found","expected"}],"note"}],
    /// "counts":{rule: n}}` (sorted keys).
    public static func json(_ report: LedgerReport) -> String {
        let violations: [[String: Any]] = report.violations.map { v in
            var object: [String: Any] = [
                "rule": v.rule.rawValue, "subject": v.subject.description,
                "figures": v.figures.map { f -> [String: Any] in
                    var figure: [String: Any] = ["name": f.name, "found": f.found]
                    if let expected = f.expected { figure["expected"] = expected }
                    return figure
                },
            ]
            if let note = v.note { object["note"] = note }
            return object
        }
        let object: [String: Any] = [
            "clean": report.isClean, "violations": violations,
            "counts": Dictionary(uniqueKeysWithValues: report.violationCounts.map { ($0.key.rawValue, $0.value) }),
            "checked": [
                "accounts": report.checked.accounts, "entries": report.checked.entries, "postings": report.checked.postings,
                "orders": report.checked.orders,
            ],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
