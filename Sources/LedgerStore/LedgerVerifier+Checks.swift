import Postgres

/// One set-based SQL query that finds the violations of one or more rules.
///
/// `sql` is a `WITH` clause whose last common table expression is `v`: one row per violation, with a `rule`
/// column (a ``LedgerViolation/Rule`` raw value) and the column named by `order` to sort by. ``query(limit:)``
/// wraps it so the server counts every violation per rule but returns at most `limit` of each.
struct LedgerCheck: Sendable {
    typealias Rule = LedgerViolation.Rule

    let rules: Set<Rule>
    let sql: String
    let order: String
    let violation: @Sendable (Rule, PostgresRow) throws -> LedgerViolation

    func query(limit: Int) -> PostgresQuery {
        """
        \(unsafeRaw: sql)
        SELECT * FROM (
            SELECT v.*, count(*) OVER (PARTITION BY v.rule) AS rule_total,
                   row_number() OVER (PARTITION BY v.rule ORDER BY v.\(unsafeRaw: order)) AS rule_rank
            FROM v) AS ranked
        WHERE ranked.rule_rank <= \(Int64(limit))
        ORDER BY ranked.rule, ranked.rule_rank
        """
    }

    /// Every check, in the order the report lists them.
    static let all: [LedgerCheck] = [
        entries, globalSum, buckets, negative, reconciliation, envelopes, refundedOrders, ordersWithoutEntry, ordersEntriesOnce,
        processedKeys, grabbers, restReturns,
    ]

    /// The number of rows the snapshot holds.
    static let countsSQL = """
        SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM journal_entries) AS entries,
               (SELECT count(*) FROM postings) AS postings, (SELECT count(*) FROM orders) AS orders
        """

    // MARK: 1. entries balance, with at least two postings

    static let entries = LedgerCheck(
        rules: [.entryUnbalanced, .entryTooFewPostings],
        sql: """
            WITH per_entry AS (
                SELECT coalesce(e.entry_id, p.entry_id) AS entry_id, e.entry_id IS NULL AS orphan,
                       coalesce(p.sum_fen, 0) AS sum_fen, coalesce(p.postings, 0) AS postings
                FROM journal_entries e
                FULL JOIN (SELECT entry_id, sum(amount_fen) AS sum_fen, count(*) AS postings
                           FROM postings GROUP BY entry_id) p ON p.entry_id = e.entry_id
            ),
            v AS (
                SELECT c.rule, pe.*
                FROM per_entry pe
                CROSS JOIN LATERAL (VALUES
                    ('entry.unbalanced', pe.sum_fen <> 0),
                    ('entry.too_few_postings', pe.postings < 2)) AS c(rule, broken)
                WHERE c.broken
            )
            """,
        order: "entry_id",
        violation: { rule, row in
            let sum = Figure("sum_fen", found: try int(row, "sum_fen"), expected: rule == .entryUnbalanced ? 0 : nil)
            let postings = Figure("postings", found: try int(row, "postings"))
            let orphan = try row.decode(Bool.self, column: "orphan")
            return LedgerViolation(
                rule: rule, subject: .entry(try int(row, "entry_id")),
                figures: rule == .entryUnbalanced ? [sum, postings] : [postings, sum],
                note: orphan ? "postings name an entry that has no journal_entries row" : nil)
        })

    // MARK: 2. all postings sum to zero

    static let globalSum = LedgerCheck(
        rules: [.ledgerGlobalSum],
        sql: """
            WITH v AS (
                SELECT 'ledger.global_sum' AS rule, t.sum_fen, t.postings
                FROM (SELECT coalesce(sum(amount_fen), 0) AS sum_fen, count(*) AS postings FROM postings) t
                WHERE t.sum_fen <> 0
            )
            """,
        order: "rule",
        violation: { rule, row in
            LedgerViolation(
                rule: rule, subject: .ledger,
                figures: [Figure("sum_fen", found: try int(row, "sum_fen"), expected: 0),
                          Figure("postings", found: try int(row, "postings"))])
        })

    // MARK: 3. buckets equal the sums of their postings

    static let buckets = LedgerCheck(
        rules: [.accountBucketMismatch],
        sql: """
            WITH per_account AS (
                SELECT account_id,
                       coalesce(sum(amount_fen) FILTER (WHERE bucket = 'available'), 0) AS available_sum,
                       coalesce(sum(amount_fen) FILTER (WHERE bucket = 'frozen'), 0) AS frozen_sum,
                       count(*) FILTER (WHERE bucket NOT IN ('available', 'frozen')) AS unknown_bucket_postings
                FROM postings GROUP BY account_id
            ),
            v AS (
                SELECT 'account.bucket_mismatch' AS rule, coalesce(a.account_id, p.account_id) AS account_id,
                       a.account_id IS NULL AS missing_row,
                       coalesce(a.available_fen, 0) AS available_fen, coalesce(p.available_sum, 0) AS available_sum,
                       coalesce(a.frozen_fen, 0) AS frozen_fen, coalesce(p.frozen_sum, 0) AS frozen_sum,
                       coalesce(p.unknown_bucket_postings, 0) AS unknown_bucket_postings
                FROM accounts a FULL JOIN per_account p ON p.account_id = a.account_id
                WHERE a.account_id IS NULL
                   OR a.available_fen <> coalesce(p.available_sum, 0)
                   OR a.frozen_fen <> coalesce(p.frozen_sum, 0)
                   OR coalesce(p.unknown_bucket_postings, 0) > 0
            )
            """,
        order: "account_id",
        violation: { rule, row in
            var figures = [
                Figure("available_fen", found: try int(row, "available_fen"), expected: try int(row, "available_sum")),
                Figure("frozen_fen", found: try int(row, "frozen_fen"), expected: try int(row, "frozen_sum")),
            ]
            let unknown = try int(row, "unknown_bucket_postings")
            if unknown > 0 { figures.append(Figure("unknown_bucket_postings", found: unknown, expected: 0)) }
            let missing = try row.decode(Bool.self, column: "missing_row")
            return LedgerViolation(
                rule: rule, subject: .account(try row.decode(String.self, column: "account_id")), figures: figures,
                note: missing ? "postings name an account that has no accounts row" : nil)
        })

    // MARK: 4. no negative bucket outside clearing accounts

    static let negative = LedgerCheck(
        rules: [.accountNegative],
        sql: """
            WITH v AS (
                SELECT 'account.negative' AS rule, account_id, available_fen, frozen_fen
                FROM accounts
                WHERE NOT (kind = 'clearing' AND account_id LIKE 'clearing:%')
                  AND (available_fen < 0 OR frozen_fen < 0)
            )
            """,
        order: "account_id",
        violation: { rule, row in
            LedgerViolation(
                rule: rule, subject: .account(try row.decode(String.self, column: "account_id")),
                figures: [Figure("available_fen", found: try int(row, "available_fen")),
                          Figure("frozen_fen", found: try int(row, "frozen_fen"))],
                note: "buckets of a non-clearing account must be >= 0")
        })

    // MARK: 5. recharge + income - withdrawal - consumption = balance

    /// Freeze and unfreeze entries move money between the two buckets of one account, so they are left out of
    /// the four figures; one that moved money between accounts shows up here as a difference.
    static let reconciliation = LedgerCheck(
        rules: [.accountReconciliation],
        sql: """
            WITH classified AS (
                SELECT p.account_id, p.amount_fen, coalesce(e.kind, '') AS kind
                FROM postings p LEFT JOIN journal_entries e ON e.entry_id = p.entry_id
            ),
            flows AS (
                SELECT account_id,
                    coalesce(sum(amount_fen) FILTER (WHERE amount_fen > 0
                        AND kind IN ('rechargePaid', 'envelopeFunded')), 0) AS recharge_fen,
                    coalesce(sum(amount_fen) FILTER (WHERE amount_fen > 0
                        AND kind NOT IN ('rechargePaid', 'envelopeFunded', 'withdrawFreeze', 'withdrawUnfreeze')), 0)
                        AS income_fen,
                    coalesce(-sum(amount_fen) FILTER (WHERE amount_fen < 0 AND kind = 'withdrawPaidOut'), 0)
                        AS withdrawal_fen,
                    coalesce(-sum(amount_fen) FILTER (WHERE amount_fen < 0
                        AND kind NOT IN ('withdrawPaidOut', 'withdrawFreeze', 'withdrawUnfreeze')), 0) AS consumption_fen
                FROM classified GROUP BY account_id
            ),
            per_account AS (
                SELECT a.account_id, a.available_fen::numeric + a.frozen_fen AS balance_fen,
                       coalesce(f.recharge_fen, 0) AS recharge_fen, coalesce(f.income_fen, 0) AS income_fen,
                       coalesce(f.withdrawal_fen, 0) AS withdrawal_fen, coalesce(f.consumption_fen, 0) AS consumption_fen
                FROM accounts a LEFT JOIN flows f ON f.account_id = a.account_id
                WHERE NOT (a.kind = 'clearing' AND a.account_id LIKE 'clearing:%')
            ),
            v AS (
                SELECT 'account.reconciliation' AS rule, pa.*,
                       pa.recharge_fen + pa.income_fen - pa.withdrawal_fen - pa.consumption_fen AS expected_fen
                FROM per_account pa
                WHERE pa.balance_fen <> pa.recharge_fen + pa.income_fen - pa.withdrawal_fen - pa.consumption_fen
            )
            """,
        order: "account_id",
        violation: { rule, row in
            LedgerViolation(
                rule: rule, subject: .account(try row.decode(String.self, column: "account_id")),
                figures: [
                    Figure("recharge_fen", found: try int(row, "recharge_fen")),
                    Figure("income_fen", found: try int(row, "income_fen")),
                    Figure("withdrawal_fen", found: try int(row, "withdrawal_fen")),
                    Figure("consumption_fen", found: try int(row, "consumption_fen")),
                    Figure("balance_fen", found: try int(row, "balance_fen"), expected: try int(row, "expected_fen")),
                ])
        })

    // MARK: 6. envelopes: grabs within the amount, settled, finished and expired ones complete

    /// Grabs are the debits of `envelopeGrab` entries booked on the envelope's order; refunds are the debits of
    /// `envelopeRefund` entries booked on the envelope's order or on a refund order whose parent it is.
    static let envelopes = LedgerCheck(
        rules: [.envelopeOverdrawn, .envelopeSettledMismatch, .envelopeFinishedIncomplete, .envelopeExpiredUnbalanced],
        sql: """
            WITH grabs AS (
                SELECT e.order_id, -sum(p.amount_fen) AS grabs_fen
                FROM journal_entries e JOIN postings p ON p.entry_id = e.entry_id AND p.amount_fen < 0
                WHERE e.kind = 'envelopeGrab'
                GROUP BY e.order_id
            ),
            refunds AS (
                SELECT coalesce(r.parent_order_id, e.order_id) AS order_id, -sum(p.amount_fen) AS refunds_fen
                FROM journal_entries e
                JOIN postings p ON p.entry_id = e.entry_id AND p.amount_fen < 0
                LEFT JOIN orders r ON r.order_id = e.order_id AND r.kind = 'refund'
                WHERE e.kind = 'envelopeRefund'
                GROUP BY 1
            ),
            per_envelope AS (
                SELECT o.order_id, o.status, o.amount_fen, o.settled_fen,
                       coalesce(g.grabs_fen, 0) AS grabs_fen, coalesce(r.refunds_fen, 0) AS refunds_fen
                FROM orders o
                LEFT JOIN grabs g ON g.order_id = o.order_id
                LEFT JOIN refunds r ON r.order_id = o.order_id
                WHERE o.kind = 'envelope'
            ),
            v AS (
                SELECT c.rule, pe.*
                FROM per_envelope pe
                CROSS JOIN LATERAL (VALUES
                    ('envelope.overdrawn', pe.grabs_fen > pe.amount_fen),
                    ('envelope.settled_mismatch', pe.settled_fen <> pe.grabs_fen),
                    ('envelope.finished_incomplete', pe.status = 'finished' AND pe.grabs_fen <> pe.amount_fen),
                    ('envelope.expired_unbalanced',
                        pe.status = 'expired' AND pe.grabs_fen + pe.refunds_fen <> pe.amount_fen)) AS c(rule, broken)
                WHERE c.broken
            )
            """,
        order: "order_id",
        violation: { rule, row in
            let amount = try int(row, "amount_fen")
            let grabs = try int(row, "grabs_fen")
            let settled = try int(row, "settled_fen")
            let refunds = try int(row, "refunds_fen")
            let figures: [Figure]
            switch rule {
            case .envelopeOverdrawn:
                figures = [Figure("grabs_fen", found: grabs), Figure("amount_fen", found: amount)]
            case .envelopeSettledMismatch:
                figures = [Figure("settled_fen", found: settled, expected: grabs)]
            case .envelopeFinishedIncomplete:
                figures = [Figure("grabs_fen", found: grabs, expected: amount), Figure("refunds_fen", found: refunds)]
            default:
                figures = [Figure("grabs_plus_refunds_fen", found: grabs + refunds, expected: amount),
                           Figure("grabs_fen", found: grabs), Figure("refunds_fen", found: refunds)]
            }
            return LedgerViolation(
                rule: rule, subject: .order(try row.decode(String.self, column: "order_id")), figures: figures,
                note: "status \(try row.decode(String.self, column: "status"))")
        })

    // MARK: 7. settled_fen of refundable orders equals what was refunded

    static let refundedOrders = LedgerCheck(
        rules: [.orderSettledMismatch],
        sql: """
            WITH refunded AS (
                -- A refund entry belongs to the original order (the rules' choice: it is the Kafka key); an entry
                -- filed under the refund order itself counts for that order's parent. A refund that came back
                -- (refundReturned) takes its amount off again.
                SELECT coalesce(r.parent_order_id, e.order_id) AS order_id,
                       sum(CASE WHEN e.kind = 'refund' THEN -p.amount_fen ELSE p.amount_fen END) AS refunded_fen
                FROM journal_entries e
                LEFT JOIN orders r ON r.order_id = e.order_id AND r.kind = 'refund'
                JOIN postings p ON p.entry_id = e.entry_id AND p.amount_fen < 0
                WHERE e.kind IN ('refund', 'refundReturned')
                GROUP BY coalesce(r.parent_order_id, e.order_id)
            ),
            v AS (
                SELECT 'order.settled_mismatch' AS rule, o.order_id, o.kind, o.amount_fen, o.settled_fen,
                       coalesce(f.refunded_fen, 0) AS refunded_fen
                FROM orders o LEFT JOIN refunded f ON f.order_id = o.order_id
                WHERE o.kind IN ('recharge', 'collection', 'transfer') AND o.settled_fen <> coalesce(f.refunded_fen, 0)
            )
            """,
        order: "order_id",
        violation: { rule, row in
            LedgerViolation(
                rule: rule, subject: .order(try row.decode(String.self, column: "order_id")),
                figures: [Figure("settled_fen", found: try int(row, "settled_fen"), expected: try int(row, "refunded_fen")),
                          Figure("amount_fen", found: try int(row, "amount_fen"))],
                note: "\(try row.decode(String.self, column: "kind")) order; expected = its refund entries less those that came back")
        })

    // MARK: 8. a status that says money moved has the entry that moved it

    static let ordersWithoutEntry = LedgerCheck(
        rules: [.orderTerminalWithoutEntry],
        sql: """
            WITH required (order_kind, status, entry_kind) AS (VALUES
                ('withdraw', 'requested', 'withdrawFreeze'),
                ('withdraw', 'approved', 'withdrawFreeze'),
                ('withdraw', 'paidOut', 'withdrawPaidOut'),
                ('withdraw', 'invalid', 'withdrawUnfreeze'),
                ('recharge', 'paid', 'rechargePaid'),
                ('collection', 'paid', 'collectionPaid')
            ),
            v AS (
                SELECT 'order.terminal_without_entry' AS rule, o.order_id, o.kind, o.status, o.amount_fen, r.entry_kind
                FROM orders o JOIN required r ON r.order_kind = o.kind AND r.status = o.status
                WHERE NOT EXISTS (
                    SELECT 1 FROM journal_entries e WHERE e.order_id = o.order_id AND e.kind = r.entry_kind)
            )
            """,
        order: "order_id",
        violation: { rule, row in
            let kind = try row.decode(String.self, column: "kind")
            let status = try row.decode(String.self, column: "status")
            let entryKind = try row.decode(String.self, column: "entry_kind")
            return LedgerViolation(
                rule: rule, subject: .order(try row.decode(String.self, column: "order_id")),
                figures: [Figure("amount_fen", found: try int(row, "amount_fen"))],
                note: "\(kind) order in status \(status) has no \(entryKind) entry")
        })

    // MARK: 8b. the entries that move an order's money once: once, for its amount, in a status that says so

    static let ordersEntriesOnce = LedgerCheck(
        rules: [.orderEntryUnexpected],
        sql: """
            WITH once (order_kind, entry_kinds, statuses, whole_amount) AS (VALUES
                ('recharge', ARRAY['rechargePaid'], ARRAY['paid'], true),
                ('collection', ARRAY['collectionPaid'], ARRAY['paid'], true),
                ('envelope', ARRAY['envelopeFunded', 'envelopeWalletFunded'], ARRAY['funded', 'finished', 'expired'], true),
                ('envelope', ARRAY['envelopeRefund'], ARRAY['expired'], false),
                ('withdraw', ARRAY['withdrawFreeze'], ARRAY['requested', 'approved', 'paidOut', 'invalid'], true),
                ('withdraw', ARRAY['withdrawPaidOut'], ARRAY['paidOut'], true),
                ('withdraw', ARRAY['withdrawUnfreeze'], ARRAY['invalid'], true),
                ('transfer', ARRAY['transfer'], ARRAY['completed'], true)
            ),
            found AS (
                -- An entry's amount: what its positive postings move. An order an operator corrected is theirs.
                SELECT o.order_id, o.kind, o.status, o.amount_fen, w.statuses, w.whole_amount,
                       string_agg(DISTINCT e.kind, ',') AS entry_kind, count(*) AS entries, sum(m.moved_fen) AS moved_fen
                FROM once w
                JOIN orders o ON o.kind = w.order_kind
                JOIN journal_entries e ON e.order_id = o.order_id AND e.kind = ANY (w.entry_kinds)
                CROSS JOIN LATERAL (
                    SELECT sum(p.amount_fen) AS moved_fen FROM postings p WHERE p.entry_id = e.entry_id AND p.amount_fen > 0) m
                WHERE NOT EXISTS (SELECT 1 FROM journal_entries c WHERE c.order_id = o.order_id AND c.kind = 'correction')
                GROUP BY o.order_id, o.kind, o.status, o.amount_fen, w.statuses, w.whole_amount
            ),
            v AS (
                SELECT 'order.entry_unexpected' AS rule, order_id, kind, status, amount_fen, entry_kind, entries, moved_fen
                FROM found
                WHERE entries > 1 OR NOT (status = ANY (statuses)) OR (whole_amount AND moved_fen <> amount_fen)
            )
            """,
        order: "order_id",
        violation: { rule, row in
            let kind = try row.decode(String.self, column: "kind")
            let status = try row.decode(String.self, column: "status")
            let entryKind = try row.decode(String.self, column: "entry_kind")
            return LedgerViolation(
                rule: rule, subject: .order(try row.decode(String.self, column: "order_id")),
                figures: [Figure("entries", found: try int(row, "entries"), expected: 1),
                          Figure("moved_fen", found: try int(row, "moved_fen"), expected: try int(row, "amount_fen"))],
                note: "\(kind) order in status \(status), \(entryKind) entries")
        })

    // MARK: 9. every entry's key is recorded as applied

    static let processedKeys = LedgerCheck(
        rules: [.processedKeyMissing],
        sql: """
            WITH v AS (
                SELECT 'processed_key.missing' AS rule, e.entry_id, e.idempotency_key, k.result
                FROM journal_entries e LEFT JOIN processed_keys k ON k.idempotency_key = e.idempotency_key
                WHERE k.result IS DISTINCT FROM 'applied'
            )
            """,
        order: "entry_id",
        violation: { rule, row in
            let key = try row.decode(String.self, column: "idempotency_key")
            let result = try row.decode(String?.self, column: "result")
            return LedgerViolation(
                rule: rule, subject: .entry(try int(row, "entry_id")), figures: [],
                note: result.map { "key \"\(key)\" is recorded as \"\($0)\", not \"applied\"" }
                    ?? "key \"\(key)\" has no processed_keys row")
        })

    // MARK: 10. no grabber is credited twice from one envelope, and every grab is recorded in envelope_grabbers

    static let grabbers = LedgerCheck(
        rules: [.envelopeGrabbedTwice, .envelopeGrabUnrecorded],
        sql: """
            WITH credits AS (
                SELECT e.order_id, p.account_id, count(*) AS grabs
                FROM journal_entries e JOIN postings p ON p.entry_id = e.entry_id AND p.amount_fen > 0
                WHERE e.kind = 'envelopeGrab'
                GROUP BY e.order_id, p.account_id
            ),
            v AS (
                SELECT 'envelope.grabbed_twice' AS rule, c.order_id, c.account_id AS grabber, c.grabs
                FROM credits c WHERE c.grabs > 1
                UNION ALL
                SELECT 'envelope.grab_unrecorded', g.order_id, g.owner_account, 1
                FROM orders g JOIN orders e ON e.order_id = g.parent_order_id AND e.kind = 'envelope'
                WHERE g.kind = 'transferIn'
                  AND NOT EXISTS (SELECT 1 FROM envelope_grabbers r WHERE r.grab_order_id = g.order_id)
            )
            """,
        order: "order_id",
        violation: { rule, row in
            let grabber = try row.decode(String.self, column: "grabber")
            return LedgerViolation(
                rule: rule, subject: .order(try row.decode(String.self, column: "order_id")),
                figures: rule == .envelopeGrabbedTwice ? [Figure("grabs", found: try int(row, "grabs"), expected: 1)] : [],
                note: rule == .envelopeGrabbedTwice
                    ? "\(grabber) was credited more than once from this envelope"
                    : "grab order of \(grabber) has no envelope_grabbers row")
        })

    // MARK: 11. an envelope's rest comes back from a channel only if it was sent there

    /// An `envelopeRestReturned` entry takes the rest out of the channel's clearing account: the envelope's
    /// `envelopeRefund` entry (booked on the envelope's order, or on a refund order whose parent it is) must have put
    /// that amount there. (The worker's rule sees the envelope's order, not where
    /// its rest went; a rest that went to the wallet and "came back" from the channel would be paid twice.)
    static let restReturns = LedgerCheck(
        rules: [.envelopeRestReturnedUnsent],
        sql: """
            WITH returned AS (
                SELECT e.order_id, p.account_id AS clearing, -p.amount_fen AS fen
                FROM journal_entries e JOIN postings p ON p.entry_id = e.entry_id AND p.amount_fen < 0
                WHERE e.kind = 'envelopeRestReturned'
            ),
            v AS (
                SELECT 'envelope.rest_returned_unsent' AS rule, r.order_id, r.clearing, r.fen
                FROM returned r
                WHERE NOT EXISTS (
                    SELECT 1 FROM journal_entries e JOIN postings p ON p.entry_id = e.entry_id
                    LEFT JOIN orders f ON f.order_id = e.order_id AND f.kind = 'refund'
                    WHERE coalesce(f.parent_order_id, e.order_id) = r.order_id AND e.kind = 'envelopeRefund'
                      AND p.account_id = r.clearing AND p.amount_fen = r.fen)
            )
            """,
        order: "order_id",
        violation: { rule, row in
            LedgerViolation(
                rule: rule, subject: .order(try row.decode(String.self, column: "order_id")),
                figures: [Figure("returned_fen", found: try int(row, "fen"))],
                note: "the rest came back from \(try row.decode(String.self, column: "clearing")), which no envelopeRefund of this envelope paid it to")
        })
}

private typealias Figure = LedgerViolation.Figure

/// A whole-number column (bigint, or a numeric sum of bigints); throws if it does not fit in Int64.
private func int(_ row: PostgresRow, _ column: String) throws -> Int64 {
    try row.decode(Int64.self, column: column)
}
