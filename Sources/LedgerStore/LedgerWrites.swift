import Foundation
import PaystreamCore
import Postgres

/// Writes a batch's evaluated effects with a fixed number of set-based statements (unnest arrays),
/// whatever the batch size, sent as one pipeline: PostgreSQL runs each statement while the next one is
/// built and encoded, and the batch waits for answers once. Internal to the ledger store.
enum LedgerWrites {
    /// A statement of the pipeline and, where a wrong count would mean lost effects, how many rows it must
    /// touch.
    struct Statement {
        let query: PostgresQuery
        let expectedRows: Int?
        let what: String

        init(_ query: PostgresQuery, expectedRows: Int? = nil, what: String) {
            self.query = query
            self.expectedRows = expectedRows
            self.what = what
        }
    }

    static func write(_ evaluation: LedgerEvaluation, inputs: [LedgerInput], on connection: PostgresConnection) async throws {
        let applied = zip(inputs, evaluation.results).compactMap { input, effects in effects.map { (input, $0) } }
        let rejected = zip(inputs, evaluation.rejections).compactMap { input, rejection in rejection.map { (input, $0) } }

        // Each statement is built just before it is sent, so the server runs the journal while the orders are
        // being built.
        try await run(on: connection) { pipeline in
            if !rejected.isEmpty {
                try await pipeline.send(
                    Statement(
                        """
                        UPDATE processed_keys p SET result = 'rejected:' || t.code
                        FROM unnest(\(rejected.map(\.0.event.idempotencyKey))::text[], \(rejected.map(\.1.code))::text[]) AS t(k, code)
                        WHERE p.idempotency_key = t.k
                        """, what: "rejected keys"))
            }
            if applied.isEmpty { return }
            var entries: [JournalEntry] = [], correlations: [String?] = []
            for (input, effects) in applied {
                for entry in effects.entries {
                    entries.append(entry)
                    correlations.append(input.event.correlationID)
                }
            }
            try await pipeline.send(entriesStatement(entries, correlationIDs: correlations))
            try await pipeline.send(try balancesStatement(entries))
            for statement in orderStatements(applied) { try await pipeline.send(statement) }
            try await pipeline.send(grabbersStatement(applied))
            try await pipeline.send(outboxStatement(applied))
        }
    }

    /// Statements on their way to the server in one pipeline, with the counts to check once it answers.
    struct CheckedPipeline {
        let pipeline: PostgresPipeline
        var sent: [Statement] = []

        mutating func send(_ statement: Statement?) async throws {
            guard let statement else { return }
            sent.append(statement)
            try await pipeline.send(statement.query)
        }
    }

    /// Runs the statements `body` sends as one pipeline, then checks the counts that must match.
    static func run(on connection: PostgresConnection, _ body: (inout CheckedPipeline) async throws -> Void) async throws {
        var sent: [Statement] = []
        let results = try await connection.withPipeline { pipeline in
            var checked = CheckedPipeline(pipeline: pipeline)
            try await body(&checked)
            sent = checked.sent
        }
        guard results.count == sent.count else {
            throw LedgerStoreError(message: "a pipeline of \(sent.count) statements answered \(results.count) times")
        }
        for (statement, result) in zip(sent, results) {
            if let expected = statement.expectedRows, result.affectedRows != expected {
                throw LedgerStoreError(message: "wrote \(result.affectedRows) of \(expected) \(statement.what)")
            }
        }
    }

    /// Inserts the entries and all their postings (the corrections' path; a batch sends the same statement
    /// in its pipeline). Balances are not touched: see ``writeBalances(_:on:)``.
    static func insertEntries(_ entries: [JournalEntry], correlationIDs: [String?], on connection: PostgresConnection) async throws {
        try await run(on: connection) { try await $0.send(entriesStatement(entries, correlationIDs: correlationIDs)) }
    }

    /// Applies the entries' net change per account (the corrections' path).
    static func writeBalances(_ entries: [JournalEntry], on connection: PostgresConnection) async throws {
        try await run(on: connection) { try await $0.send(try balancesStatement(entries)) }
    }

    /// One statement for the entries and all their postings: the entries are inserted, and their postings
    /// joined to the new entry ids by idempotency key (unique per entry), in posting order. One INSERT into
    /// postings, so the balance trigger sees whole entries; its count must be every posting, or the
    /// statement would have dropped one.
    static func entriesStatement(_ entries: [JournalEntry], correlationIDs: [String?]) -> Statement? {
        precondition(entries.count == correlationIDs.count, "one correlation id (or nil) per entry")
        if entries.isEmpty { return nil }
        var keys: [String] = [], accounts: [String] = [], buckets: [String] = [], amounts: [Int64] = []
        for entry in entries {
            for posting in entry.postings {
                keys.append(entry.idempotencyKey)
                accounts.append(posting.account.description)
                buckets.append(posting.bucket.rawValue)
                amounts.append(posting.amountFen)
            }
        }
        return Statement(
            """
            WITH entries AS (
                INSERT INTO journal_entries (idempotency_key, kind, order_id, correlation_id)
                SELECT * FROM unnest(\(entries.map(\.idempotencyKey))::text[], \(entries.map(\.kind.rawValue))::text[],
                                     \(entries.map(\.orderID))::text[], \(correlationIDs)::text[])
                RETURNING entry_id, idempotency_key
            )
            INSERT INTO postings (entry_id, account_id, bucket, amount_fen)
            SELECT e.entry_id, p.account_id, p.bucket, p.amount_fen
            FROM unnest(\(keys)::text[], \(accounts)::text[], \(buckets)::text[], \(amounts)::bigint[])
                 WITH ORDINALITY AS p(entry_key, account_id, bucket, amount_fen, n)
            JOIN entries e ON e.idempotency_key = p.entry_key
            ORDER BY p.n
            """, expectedRows: keys.count, what: "postings")
    }

    /// One UPDATE for all accounts, each with its net change over the entries; every account must exist.
    static func balancesStatement(_ entries: [JournalEntry]) throws -> Statement? {
        var delta: [AccountID: (available: Int64, frozen: Int64)] = [:]
        for posting in entries.flatMap(\.postings) {
            var d = delta[posting.account] ?? (0, 0)
            switch posting.bucket {
            case .available: d.available = try checkedAdd(d.available, posting.amountFen)
            case .frozen: d.frozen = try checkedAdd(d.frozen, posting.amountFen)
            }
            delta[posting.account] = d
        }
        if delta.isEmpty { return nil }
        // Each id's text is built once: sorting by `description` in the comparator built two strings per
        // comparison (3% of the worker's CPU in a profile of the ledger benchmark).
        let sorted = delta.map { (id: $0.key.description, change: $0.value) }.sorted { $0.id < $1.id }
        return Statement(
            """
            UPDATE accounts a SET available_fen = a.available_fen + d.da, frozen_fen = a.frozen_fen + d.df, updated_at = now()
            FROM unnest(\(sorted.map(\.id))::text[], \(sorted.map(\.change.available))::bigint[],
                        \(sorted.map(\.change.frozen))::bigint[]) AS d(id, da, df)
            WHERE a.account_id = d.id
            """, expectedRows: sorted.count, what: "accounts")
    }

    private static func checkedAdd(_ a: Int64, _ b: Int64) throws -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { throw LedgerStoreError(message: "balance change overflows 64 bits") }
        return sum
    }

    /// Orders created in the batch are inserted with their final state; existing ones updated once each.
    /// Every change is also a flow row.
    private static func orderStatements(_ applied: [(LedgerInput, Effects)]) -> [Statement] {
        struct Final {
            var change: OrderChange
            var created: Bool
            var settledDelta: Int64
        }
        var finals: [String: Final] = [:]
        var order: [String] = []
        var flowOrders: [String] = [], flowSteps: [String] = [], flowFrom: [String?] = [], flowTo: [String] = []
        var flowAmounts: [Int64] = [], flowKeys: [String] = [], flowReasons: [String?] = []
        for (input, effects) in applied {
            for change in effects.orderChanges {
                if var f = finals[change.orderID] {
                    // The last change carries the final status; `created` stays as the first change set it.
                    f.settledDelta += change.settledDeltaFen
                    f.change = change
                    finals[change.orderID] = f
                } else {
                    finals[change.orderID] = Final(change: change, created: change.from == nil, settledDelta: change.settledDeltaFen)
                    order.append(change.orderID)
                }
                flowOrders.append(change.orderID)
                flowSteps.append(input.event.type.rawValue)
                flowFrom.append(change.from?.rawValue)
                flowTo.append(change.to.rawValue)
                flowAmounts.append(change.settledDeltaFen != 0 ? change.settledDeltaFen : change.amount.fen)
                flowKeys.append(input.event.idempotencyKey)
                flowReasons.append(change.reason)
            }
        }
        var statements: [Statement] = []
        let created = order.compactMap { finals[$0] }.filter(\.created)
        if !created.isEmpty {
            let c = created.map(\.change)
            statements.append(
                Statement(
                    """
                    INSERT INTO orders (order_id, kind, status, owner_account, counterparty_account, amount_fen, settled_fen,
                                        channel, parent_order_id, status_reason)
                    SELECT * FROM unnest(\(c.map(\.orderID))::text[], \(c.map(\.kind.rawValue))::text[], \(c.map(\.to.rawValue))::text[],
                                         \(c.map(\.owner.description))::text[], \(c.map { $0.counterparty?.description })::text[],
                                         \(c.map(\.amount.fen))::bigint[], \(created.map(\.settledDelta))::bigint[],
                                         \(c.map { $0.channel?.rawValue })::text[], \(c.map(\.parentOrderID))::text[],
                                         \(c.map(\.reason))::text[])
                    """, expectedRows: created.count, what: "new orders"))
        }
        let changed = order.compactMap { finals[$0] }.filter { !$0.created }
        if !changed.isEmpty {
            let c = changed.map(\.change)
            statements.append(
                Statement(
                    """
                    UPDATE orders o SET status = t.status, settled_fen = o.settled_fen + t.delta,
                           status_reason = COALESCE(t.reason, o.status_reason), updated_at = now()
                    FROM unnest(\(c.map(\.orderID))::text[], \(c.map(\.to.rawValue))::text[], \(changed.map(\.settledDelta))::bigint[],
                                \(c.map(\.reason))::text[]) AS t(id, status, delta, reason)
                    WHERE o.order_id = t.id
                    """, expectedRows: changed.count, what: "changed orders"))
        }
        if !flowOrders.isEmpty {
            statements.append(
                Statement(
                    """
                    INSERT INTO order_flows (order_id, step, from_status, to_status, amount_fen, idempotency_key, reason)
                    SELECT * FROM unnest(\(flowOrders)::text[], \(flowSteps)::text[], \(flowFrom)::text[], \(flowTo)::text[],
                                         \(flowAmounts)::bigint[], \(flowKeys)::text[], \(flowReasons)::text[])
                    """, expectedRows: flowOrders.count, what: "flows"))
        }
        return statements
    }

    /// The applied grabs' grabbers, one row each (the rules refused a grabber credited before, so none exists).
    private static func grabbersStatement(_ applied: [(LedgerInput, Effects)]) -> Statement? {
        var envelopes: [String] = [], grabbers: [String] = [], orders: [String] = []
        for (input, _) in applied {
            guard case .envelopeGrabbed(let p) = input.event.payload else { continue }
            envelopes.append(p.envelopeOrderID)
            grabbers.append(p.grabber.description)
            orders.append(p.incomingOrderID)
        }
        if envelopes.isEmpty { return nil }
        return Statement(
            """
            INSERT INTO envelope_grabbers (envelope_order_id, grabber, grab_order_id)
            SELECT * FROM unnest(\(envelopes)::text[], \(grabbers)::text[], \(orders)::text[])
            """, expectedRows: envelopes.count, what: "envelope grabbers")
    }

    private static func outboxStatement(_ applied: [(LedgerInput, Effects)]) -> Statement? {
        var topics: [String] = [], keys: [String] = [], payloads: [String] = [], headers: [String] = []
        for (input, effects) in applied {
            for followUp in effects.followUps {
                topics.append(followUp.topicFamily)
                keys.append(followUp.key)
                payloads.append(String(decoding: followUp.payload, as: UTF8.self))
                headers.append(
                    outboxHeaders(correlationID: input.event.correlationID, traceparent: input.traceparent, cause: input.event.idempotencyKey))
            }
        }
        if topics.isEmpty { return nil }
        return Statement(
            """
            INSERT INTO outbox (topic, message_key, payload, headers)
            SELECT t, k, convert_to(p, 'UTF8'), h::jsonb
            FROM unnest(\(topics)::text[], \(keys)::text[], \(payloads)::text[], \(headers)::text[]) AS x(t, k, p, h)
            """, expectedRows: topics.count, what: "outbox rows")
    }

    /// The follow-up's headers: the correlation id and trace it inherits and the key of the event that caused
    /// it, as a JSON object with sorted keys. Written directly (JSONSerialization cost more per batch than the
    /// INSERT).
    static func outboxHeaders(correlationID: String?, traceparent: String? = nil, cause: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(128 + cause.utf8.count + (correlationID?.utf8.count ?? 0))
        out.append(contentsOf: #"{"paystream-cause":"#.utf8)
        appendJSONString(cause, to: &out)
        if let correlationID {
            out.append(contentsOf: #","paystream-correlation-id":"#.utf8)
            appendJSONString(correlationID, to: &out)
        }
        if let traceparent {
            out.append(contentsOf: #","traceparent":"#.utf8)
            appendJSONString(traceparent, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string literal: `"` and `\` escaped, control characters as `\u00XX`, everything else as UTF-8.
    private static func appendJSONString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
