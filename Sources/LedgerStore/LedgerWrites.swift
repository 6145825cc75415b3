import Foundation
import PaystreamCore
import Postgres

/// Writes a batch's evaluated effects with a fixed number of set-based statements (unnest arrays),
/// whatever the batch size. Internal to the ledger store.
enum LedgerWrites {
    static func write(_ evaluation: LedgerEvaluation, inputs: [LedgerInput], on connection: PostgresConnection) async throws {
        let applied = zip(inputs, evaluation.results).compactMap { input, effects in effects.map { (input, $0) } }
        let rejected = zip(inputs, evaluation.rejections).compactMap { input, rejection in rejection.map { (input, $0) } }

        if !rejected.isEmpty {
            try await connection.execute(
                """
                UPDATE processed_keys p SET result = 'rejected:' || t.code
                FROM unnest(\(rejected.map(\.0.event.idempotencyKey))::text[], \(rejected.map(\.1.code))::text[]) AS t(k, code)
                WHERE p.idempotency_key = t.k
                """)
        }
        if applied.isEmpty { return }

        try await writeJournal(applied, on: connection)
        try await writeBalances(applied.flatMap { $0.1.entries }, on: connection)
        try await writeOrders(applied, on: connection)
        try await writeOutbox(applied, on: connection)
    }

    private static func writeJournal(_ applied: [(LedgerInput, Effects)], on connection: PostgresConnection) async throws {
        var entries: [JournalEntry] = [], correlations: [String?] = []
        for (input, effects) in applied {
            for entry in effects.entries {
                entries.append(entry)
                correlations.append(input.event.correlationID)
            }
        }
        try await insertEntries(entries, correlationIDs: correlations, on: connection)
    }

    /// Inserts the entries and all their postings (one statement each, so the balance trigger sees whole
    /// entries). Balances are not touched: see ``writeBalances(_:on:)``.
    static func insertEntries(_ entries: [JournalEntry], correlationIDs: [String?], on connection: PostgresConnection) async throws {
        precondition(entries.count == correlationIDs.count, "one correlation id (or nil) per entry")
        if entries.isEmpty { return }
        let rows = try await connection.query(
            """
            INSERT INTO journal_entries (idempotency_key, kind, order_id, correlation_id)
            SELECT * FROM unnest(\(entries.map(\.idempotencyKey))::text[], \(entries.map(\.kind.rawValue))::text[],
                                 \(entries.map(\.orderID))::text[], \(correlationIDs)::text[])
            RETURNING entry_id, idempotency_key
            """)
        var entryIDs: [String: Int64] = [:]
        for row in rows {
            entryIDs[try row.decode(String.self, column: "idempotency_key")] = try row.decode(Int64.self, column: "entry_id")
        }
        var ids: [Int64] = [], accounts: [String] = [], buckets: [String] = [], amounts: [Int64] = []
        for entry in entries {
            guard let id = entryIDs[entry.idempotencyKey] else {
                throw LedgerStoreError(message: "entry \(entry.idempotencyKey) was not inserted")
            }
            for posting in entry.postings {
                ids.append(id)
                accounts.append(posting.account.description)
                buckets.append(posting.bucket.rawValue)
                amounts.append(posting.amountFen)
            }
        }
        // One statement for all postings: the balance trigger sees whole entries.
        try await connection.execute(
            """
            INSERT INTO postings (entry_id, account_id, bucket, amount_fen)
            SELECT * FROM unnest(\(ids)::bigint[], \(accounts)::text[], \(buckets)::text[], \(amounts)::bigint[])
            """)
    }

    /// One UPDATE for all accounts, each with its net change over the batch.
    static func writeBalances(_ entries: [JournalEntry], on connection: PostgresConnection) async throws {
        var delta: [AccountID: (available: Int64, frozen: Int64)] = [:]
        for posting in entries.flatMap(\.postings) {
            var d = delta[posting.account] ?? (0, 0)
            switch posting.bucket {
            case .available: d.available = try checkedAdd(d.available, posting.amountFen)
            case .frozen: d.frozen = try checkedAdd(d.frozen, posting.amountFen)
            }
            delta[posting.account] = d
        }
        // Each id's text is built once: sorting by `description` in the comparator built two strings per
        // comparison (3% of the worker's CPU in a profile of the ledger benchmark).
        let sorted = delta.map { (id: $0.key.description, change: $0.value) }.sorted { $0.id < $1.id }
        let updated = try await connection.execute(
            """
            UPDATE accounts a SET available_fen = a.available_fen + d.da, frozen_fen = a.frozen_fen + d.df, updated_at = now()
            FROM unnest(\(sorted.map(\.id))::text[], \(sorted.map(\.change.available))::bigint[],
                        \(sorted.map(\.change.frozen))::bigint[]) AS d(id, da, df)
            WHERE a.account_id = d.id
            """)
        guard updated == sorted.count else {
            throw LedgerStoreError(message: "updated \(updated) of \(sorted.count) accounts")
        }
    }

    private static func checkedAdd(_ a: Int64, _ b: Int64) throws -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { throw LedgerStoreError(message: "balance change overflows 64 bits") }
        return sum
    }

    /// Orders created in the batch are inserted with their final state; existing ones updated once each.
    /// Every change is also a flow row.
    private static func writeOrders(_ applied: [(LedgerInput, Effects)], on connection: PostgresConnection) async throws {
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
        let created = order.compactMap { finals[$0] }.filter(\.created)
        if !created.isEmpty {
            let c = created.map(\.change)
            try await connection.execute(
                """
                INSERT INTO orders (order_id, kind, status, owner_account, counterparty_account, amount_fen, settled_fen,
                                    channel, parent_order_id, status_reason)
                SELECT * FROM unnest(\(c.map(\.orderID))::text[], \(c.map(\.kind.rawValue))::text[], \(c.map(\.to.rawValue))::text[],
                                     \(c.map(\.owner.description))::text[], \(c.map { $0.counterparty?.description })::text[],
                                     \(c.map(\.amount.fen))::bigint[], \(created.map(\.settledDelta))::bigint[],
                                     \(c.map { $0.channel?.rawValue })::text[], \(c.map(\.parentOrderID))::text[],
                                     \(c.map(\.reason))::text[])
                """)
        }
        let changed = order.compactMap { finals[$0] }.filter { !$0.created }
        if !changed.isEmpty {
            let c = changed.map(\.change)
            let updated = try await connection.execute(
                """
                UPDATE orders o SET status = t.status, settled_fen = o.settled_fen + t.delta,
                       status_reason = COALESCE(t.reason, o.status_reason), updated_at = now()
                FROM unnest(\(c.map(\.orderID))::text[], \(c.map(\.to.rawValue))::text[], \(changed.map(\.settledDelta))::bigint[],
                            \(c.map(\.reason))::text[]) AS t(id, status, delta, reason)
                WHERE o.order_id = t.id
                """)
            guard updated == changed.count else {
                throw LedgerStoreError(message: "updated \(updated) of \(changed.count) orders")
            }
        }
        if !flowOrders.isEmpty {
            try await connection.execute(
                """
                INSERT INTO order_flows (order_id, step, from_status, to_status, amount_fen, idempotency_key, reason)
                SELECT * FROM unnest(\(flowOrders)::text[], \(flowSteps)::text[], \(flowFrom)::text[], \(flowTo)::text[],
                                     \(flowAmounts)::bigint[], \(flowKeys)::text[], \(flowReasons)::text[])
                """)
        }
    }

    private static func writeOutbox(_ applied: [(LedgerInput, Effects)], on connection: PostgresConnection) async throws {
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
        if topics.isEmpty { return }
        try await connection.execute(
            """
            INSERT INTO outbox (topic, message_key, payload, headers)
            SELECT t, k, convert_to(p, 'UTF8'), h::jsonb
            FROM unnest(\(topics)::text[], \(keys)::text[], \(payloads)::text[], \(headers)::text[]) AS x(t, k, p, h)
            """)
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
