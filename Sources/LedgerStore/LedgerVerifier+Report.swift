/// One broken ledger invariant, found by ``LedgerVerifier``.
///
/// Guarantees: `rule` is a stable machine-readable code (its raw value never changes meaning); `subject` names
/// the one account, entry or order the violation is about (or the whole ledger); `figures` carry the numbers
/// that disagree, each with the value found and, where there is one, the value the invariant expects. The
/// `description` is one line: `<rule> <subject>: <figures>[; <note>]`.
public struct LedgerViolation: Sendable, Equatable, CustomStringConvertible {
    /// The invariants the verifier checks (money.md rules 2, 3, 6 and the schema's promises).
    public enum Rule: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// An entry's postings do not sum to zero.
        case entryUnbalanced = "entry.unbalanced"
        /// An entry has fewer than two postings (none at all included).
        case entryTooFewPostings = "entry.too_few_postings"
        /// All postings together do not sum to zero.
        case ledgerGlobalSum = "ledger.global_sum"
        /// An account's available or frozen bucket differs from the sum of its postings in that bucket (or
        /// postings name an account that has no row).
        case accountBucketMismatch = "account.bucket_mismatch"
        /// A bucket of a non-clearing account is below zero.
        case accountNegative = "account.negative"
        /// recharge + income - withdrawal - consumption differs from available + frozen (non-clearing).
        case accountReconciliation = "account.reconciliation"
        /// An envelope's grabs add up to more than its amount.
        case envelopeOverdrawn = "envelope.overdrawn"
        /// An envelope's settled_fen differs from the sum of its grabs.
        case envelopeSettledMismatch = "envelope.settled_mismatch"
        /// A finished envelope's grabs do not add up to its amount.
        case envelopeFinishedIncomplete = "envelope.finished_incomplete"
        /// An expired envelope's grabs plus its refund do not add up to its amount.
        case envelopeExpiredUnbalanced = "envelope.expired_unbalanced"
        /// One grabber was credited by more than one grab of the same envelope.
        case envelopeGrabbedTwice = "envelope.grabbed_twice"
        /// A grab order has no `envelope_grabbers` row, so the worker would not see that its grabber was credited.
        case envelopeGrabUnrecorded = "envelope.grab_unrecorded"
        /// An envelope's rest came back from a channel's clearing account that its expiry never sent it to.
        case envelopeRestReturnedUnsent = "envelope.rest_returned_unsent"
        /// A recharge, collection or transfer order's settled_fen differs from the refunds made against it.
        case orderSettledMismatch = "order.settled_mismatch"
        /// An order's status says money moved but the entry that moves it is missing.
        case orderTerminalWithoutEntry = "order.terminal_without_entry"
        /// An order has more than one entry of a kind that moves its money once (a payment credited twice, a
        /// withdrawal frozen twice), such an entry for another amount than the order's, or one its status says
        /// never happened (a payment entry on an order that failed).
        case orderEntryUnexpected = "order.entry_unexpected"
        /// A journal entry's idempotency key is not recorded as applied in processed_keys.
        case processedKeyMissing = "processed_key.missing"

        public var description: String { rawValue }
    }

    /// What a violation is about.
    public enum Subject: Sendable, Hashable, CustomStringConvertible {
        case ledger
        case account(String)
        case entry(Int64)
        case order(String)

        public var description: String {
            switch self {
            case .ledger: "ledger"
            case .account(let id): "account \(id)"
            case .entry(let id): "entry \(id)"
            case .order(let id): "order \(id)"
            }
        }
    }

    /// A named amount or count: the value found and, when the invariant fixes one, the value expected.
    public struct Figure: Sendable, Equatable, CustomStringConvertible {
        public let name: String
        public let found: Int64
        public let expected: Int64?

        public init(_ name: String, found: Int64, expected: Int64? = nil) {
            self.name = name
            self.found = found
            self.expected = expected
        }

        public var description: String {
            expected.map { "\(name)=\(found) (expected \($0))" } ?? "\(name)=\(found)"
        }
    }

    public let rule: Rule
    public let subject: Subject
    public let figures: [Figure]
    /// Facts that are not numbers, such as an order's status or an idempotency key.
    public let note: String?

    public init(rule: Rule, subject: Subject, figures: [Figure], note: String? = nil) {
        self.rule = rule
        self.subject = subject
        self.figures = figures
        self.note = note
    }

    /// The figure called `name`, if the violation has one.
    public func figure(_ name: String) -> Figure? {
        figures.first { $0.name == name }
    }

    public var description: String {
        var text = "\(rule) \(subject): " + figures.map(\.description).joined(separator: ", ")
        if let note { text += figures.isEmpty ? note : "; \(note)" }
        return text
    }
}

/// The outcome of one ``LedgerVerifier/verify()`` run, taken from one consistent snapshot of the database.
///
/// Guarantees: `violationCounts` counts every violation found, per rule; `violations` holds at most the
/// verifier's per-rule limit of them, ordered by rule (in ``LedgerViolation/Rule/allCases`` order) and then by
/// subject. `isClean` is true only when no rule found anything.
public struct LedgerReport: Sendable {
    /// How many rows the snapshot held.
    public struct Counts: Sendable, Equatable {
        public let accounts: Int
        public let entries: Int
        public let postings: Int
        public let orders: Int

        public init(accounts: Int, entries: Int, postings: Int, orders: Int) {
            self.accounts = accounts
            self.entries = entries
            self.postings = postings
            self.orders = orders
        }
    }

    public let checked: Counts
    public let violations: [LedgerViolation]
    /// Every violation found per rule, including those left out of `violations`; rules that found nothing are
    /// absent.
    public let violationCounts: [LedgerViolation.Rule: Int]

    public init(checked: Counts, violations: [LedgerViolation], violationCounts: [LedgerViolation.Rule: Int]) {
        self.checked = checked
        self.violations = violations
        self.violationCounts = violationCounts.filter { $0.value > 0 }
    }

    /// All violations found, including those left out of `violations`.
    public var totalViolations: Int { violationCounts.values.reduce(0, +) }

    public var isClean: Bool { violations.isEmpty && totalViolations == 0 }

    /// The rules that found at least one violation, in rule order.
    public var brokenRules: [LedgerViolation.Rule] {
        LedgerViolation.Rule.allCases.filter { (violationCounts[$0] ?? 0) > 0 }
    }

    /// The violations of `rule` that were left out because of the per-rule limit.
    public func omittedCount(of rule: LedgerViolation.Rule) -> Int {
        (violationCounts[rule] ?? 0) - violations.count { $0.rule == rule }
    }
}
