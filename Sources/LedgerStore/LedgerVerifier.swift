import Postgres

/// Checks the ledger's invariants (money.md rules 2, 3 and 6, and what the schema promises) against the
/// database, while workers may keep writing.
///
/// Guarantees:
/// - every check of one ``verify()`` runs inside ONE read-only REPEATABLE READ transaction, so the report
///   describes a single consistent snapshot: a batch committed half-way through the run is either wholly in
///   it or wholly out of it. The verifier never writes.
/// - each check is one set-based query (aggregates and joins on the server), so the cost grows with the
///   size of the tables, never with round trips per row.
/// - every violation is counted (``LedgerReport/violationCounts``); at most `violationLimitPerRule` of each
///   rule are returned with their figures.
/// - a sum that does not fit in Int64 fails the run with an error instead of being reported as clean.
///
/// The rules, by code (``LedgerViolation/Rule``):
/// 1. `entry.unbalanced`, `entry.too_few_postings`: each entry's postings sum to zero, and it has at least two.
/// 2. `ledger.global_sum`: all postings together sum to zero.
/// 3. `account.bucket_mismatch`: each bucket of each account equals the sum of its postings.
/// 4. `account.negative`: no bucket of a non-clearing account is below zero.
/// 5. `account.reconciliation`: per non-clearing account, recharge + income - withdrawal - consumption =
///    available + frozen, where recharge = credits by `rechargePaid`/`envelopeFunded`, income = other credits,
///    withdrawal = debits by `withdrawPaidOut`, consumption = other debits; `withdrawFreeze`/`withdrawUnfreeze`
///    move money within one account and are left out.
/// 6. `envelope.overdrawn`, `envelope.settled_mismatch`, `envelope.finished_incomplete`,
///    `envelope.expired_unbalanced`: grabs <= amount; settled_fen = grabs; finished: grabs = amount; expired:
///    grabs + envelope refunds = amount.
/// 7. `order.settled_mismatch`: a recharge, collection or transfer order's settled_fen equals the sum of the
///    `refund` entries of the refund orders whose parent it is, less their `refundReturned` entries.
/// 8. `order.terminal_without_entry`: a withdraw order that is requested/approved has a `withdrawFreeze`
///    entry, paidOut a `withdrawPaidOut` entry, invalid a `withdrawUnfreeze` entry; a paid recharge a
///    `rechargePaid` entry.
/// 9. `processed_key.missing`: every entry's idempotency key is in processed_keys with result `applied`.
/// 10. `envelope.grabbed_twice`, `envelope.grab_unrecorded`: no account is credited by two `envelopeGrab` entries
///    of one envelope; every grab order (a `transferIn` whose parent is an envelope) has its `envelope_grabbers`
///    row, which is what the worker reads to refuse a second grab.
public struct LedgerVerifier: Sendable {
    /// Why a run could not produce a report (the database answered something the verifier does not expect).
    public struct VerificationError: Error, CustomStringConvertible {
        public let description: String
    }

    public let client: PostgresClient
    /// The most violations of one rule that a report carries with their figures (all are counted).
    public let violationLimitPerRule: Int

    public init(client: PostgresClient, violationLimitPerRule: Int = 100) {
        precondition(violationLimitPerRule >= 1, "violationLimitPerRule must be at least 1")
        self.client = client
        self.violationLimitPerRule = violationLimitPerRule
    }

    /// Runs every check on one consistent snapshot and reports what it found.
    public func verify() async throws -> LedgerReport {
        let limit = violationLimitPerRule
        return try await client.withTransaction(isolation: .repeatableRead) { connection in
            // Before the first query: the snapshot is taken by the first statement that reads.
            try await connection.execute("SET TRANSACTION READ ONLY")
            let countRow = try await connection.query(PostgresQuery(sql: LedgerCheck.countsSQL))[0]
            let counts = LedgerReport.Counts(
                accounts: try countRow.decode(Int.self, column: "accounts"),
                entries: try countRow.decode(Int.self, column: "entries"),
                postings: try countRow.decode(Int.self, column: "postings"),
                orders: try countRow.decode(Int.self, column: "orders"))

            var violations: [LedgerViolation] = []
            var violationCounts: [LedgerViolation.Rule: Int] = [:]
            for check in LedgerCheck.all {
                for row in try await connection.query(check.query(limit: limit)) {
                    let code = try row.decode(String.self, column: "rule")
                    guard let rule = LedgerViolation.Rule(rawValue: code), check.rules.contains(rule) else {
                        throw VerificationError(description: "a ledger check reported the unknown rule \"\(code)\"")
                    }
                    violationCounts[rule] = try row.decode(Int.self, column: "rule_total")
                    violations.append(try check.violation(rule, row))
                }
            }
            return LedgerReport(
                checked: counts, violations: Self.inRuleOrder(violations), violationCounts: violationCounts)
        }
    }

    /// Sorts by rule (declaration order), keeping the subject order each query returned within a rule.
    static func inRuleOrder(_ violations: [LedgerViolation]) -> [LedgerViolation] {
        let rank = Dictionary(
            uniqueKeysWithValues: LedgerViolation.Rule.allCases.enumerated().map { ($0.element, $0.offset) })
        return violations.enumerated()
            .sorted { (rank[$0.element.rule]!, $0.offset) < (rank[$1.element.rule]!, $1.offset) }
            .map(\.element)
    }
}
