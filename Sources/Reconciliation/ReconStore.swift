import Foundation
import LedgerStore
import PaystreamCore
import Postgres

/// Who started a reconciliation run.
public enum ReconTrigger: String, Sendable, Codable {
    /// paystream-scheduler's daily job: at most one per day and channel (a unique index says so).
    case schedule
    /// `paystream recon run` / `recon internal` by hand: as many as wanted, each recorded.
    case manual
}

/// One stored external run with its items.
public struct ReconRun: Sendable, Codable {
    public var runID: Int64
    public var day: String
    public var channel: Channel
    public var trigger: ReconTrigger
    public var billRows: Int
    public var nextDayBill: Bool
    public var previousRunID: Int64?
    public var items: [StoredItem]
    public var changes: [ReconChange]

    public struct StoredItem: Sendable, Codable {
        public var itemID: Int64
        public var item: ReconItem
        /// The latest resolution of this key on this day and channel (of this item or of the same difference in an
        /// earlier run): "item 12 by ops-lee: ledgerCorrection recon-resolution:12 (why)".
        public var resolution: String?
        /// The correction proposed for this difference (this item, or the same key in another run, of any day: one
        /// difference has one open proposal) and not decided yet: it waits for a second operator.
        public var proposal: PendingCorrection?
    }

    /// A correction one operator proposed and no one has approved or declined yet.
    public struct PendingCorrection: Sendable, Codable {
        public var proposalID: Int64
        public var proposedBy: String
        public var reason: String
        /// `account:bucket`.
        public var debit: String
        public var credit: String
        public var amountFen: Int64
    }

    public func count(_ classification: ReconClassification) -> Int { items.count { $0.item.classification == classification } }
    public var differences: [StoredItem] { items.filter { $0.item.classification.isDifference } }
}

/// The reconciliation tables of migration 0016 (runs, items, resolutions; all append-only).
///
/// Guarantees: a run and its items are written in one transaction, never updated; a scheduled run of a day and
/// channel that exists already is not written again (``record(_:)`` returns nil); a resolution is recorded once
/// per item, in the same transaction as its correcting journal entry.
public struct ReconStore: Sendable {
    public let client: PostgresClient

    public init(client: PostgresClient) { self.client = client }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

    /// What a new run holds before it is stored.
    public struct NewRun: Sendable {
        public var day: String
        public var channel: Channel
        public var trigger: ReconTrigger
        public var startedAt: Date
        public var billRows: Int
        public var nextDayBill: Bool
        public var items: [ReconItem]
        public var previousRunID: Int64?
        public var changes: [ReconChange]

        public init(
            day: String, channel: Channel, trigger: ReconTrigger, startedAt: Date, billRows: Int, nextDayBill: Bool,
            items: [ReconItem], previousRunID: Int64?, changes: [ReconChange]
        ) {
            self.day = day
            self.channel = channel
            self.trigger = trigger
            self.startedAt = startedAt
            self.billRows = billRows
            self.nextDayBill = nextDayBill
            self.items = items
            self.previousRunID = previousRunID
            self.changes = changes
        }
    }

    public func hasScheduledRun(day: String, channel: Channel) async throws -> Bool {
        try await !client.query(
            "SELECT 1 FROM recon_runs WHERE bill_day = \(day)::date AND channel = \(channel.rawValue) AND trigger = 'schedule'"
        ).isEmpty
    }

    /// The latest run of `day` and `channel`, with its items.
    public func latestRun(day: String, channel: Channel) async throws -> ReconRun? {
        let rows = try await client.query(
            "SELECT max(run_id) AS run_id FROM recon_runs WHERE bill_day = \(day)::date AND channel = \(channel.rawValue)")
        guard let id = try rows.first?.decode(Int64?.self, column: "run_id") else { return nil }
        return try await run(id)
    }

    /// Every run of `day` (all channels), oldest first.
    public func runs(day: String) async throws -> [ReconRun] {
        let rows = try await client.query("SELECT run_id FROM recon_runs WHERE bill_day = \(day)::date ORDER BY run_id")
        var runs: [ReconRun] = []
        for row in rows { if let run = try await run(try row.decode(Int64.self, column: "run_id")) { runs.append(run) } }
        return runs
    }

    public func run(_ runID: Int64) async throws -> ReconRun? {
        let rows = try await client.query(
            """
            SELECT to_char(bill_day, 'YYYY-MM-DD') AS day, channel, trigger, bill_rows, next_day_bill, previous_run_id, changes::text AS changes
            FROM recon_runs WHERE run_id = \(runID)
            """)
        guard let row = rows.first else { return nil }
        let items = try await client.query(
            """
            SELECT i.item_id, i.classification, i.item_key, r.channel, i.platform_record::text AS platform,
                   i.bill_record::text AS bill, i.note,
                   'item ' || res.item_id || ' by ' || res.resolved_by || ': ' || res.action
                       || coalesce(' ' || res.entry_idempotency_key, '') || ' (' || res.reason || ')' AS resolution,
                   prop.proposal_id, prop.proposed_by, prop.reason AS proposal_reason, prop.debit_account || ':' || prop.debit_bucket AS debit,
                   prop.credit_account || ':' || prop.credit_bucket AS credit, prop.amount_fen
            FROM recon_items i JOIN recon_runs r ON r.run_id = i.run_id
            LEFT JOIN LATERAL (
                SELECT p.* FROM recon_correction_proposals p
                JOIN recon_items i3 ON i3.item_id = p.item_id JOIN recon_runs r3 ON r3.run_id = i3.run_id
                WHERE i3.item_key = i.item_key AND r3.channel = r.channel
                  AND NOT EXISTS (SELECT 1 FROM recon_correction_decisions d WHERE d.proposal_id = p.proposal_id)
                ORDER BY p.proposal_id DESC LIMIT 1) prop ON true
            LEFT JOIN LATERAL (
                SELECT rr.item_id, rr.resolved_by, rr.action, rr.entry_idempotency_key, rr.reason
                FROM recon_resolutions rr
                JOIN recon_items i2 ON i2.item_id = rr.item_id JOIN recon_runs r2 ON r2.run_id = i2.run_id
                WHERE i2.item_key = i.item_key AND r2.channel = r.channel AND r2.bill_day = r.bill_day AND i2.item_id <= i.item_id
                ORDER BY rr.resolution_id DESC LIMIT 1) res ON true
            WHERE i.run_id = \(runID) ORDER BY i.item_key
            """)
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T? {
            try text.map { try decoder.decode(type, from: Data($0.utf8)) }
        }
        return ReconRun(
            runID: runID, day: try row.decode(String.self, column: "day"),
            channel: try Self.channel(try row.decode(String.self, column: "channel")),
            trigger: ReconTrigger(rawValue: try row.decode(String.self, column: "trigger")) ?? .manual,
            billRows: try row.decode(Int.self, column: "bill_rows"), nextDayBill: try row.decode(Bool.self, column: "next_day_bill"),
            previousRunID: try row.decode(Int64?.self, column: "previous_run_id"),
            items: try items.map { item in
                guard let classification = ReconClassification(rawValue: try item.decode(String.self, column: "classification")),
                    let key = try decode(ReconKey.self, "\"\(try item.decode(String.self, column: "item_key"))\"")
                else { throw ReconStoreError("recon item with an unknown classification or key") }
                return ReconRun.StoredItem(
                    itemID: try item.decode(Int64.self, column: "item_id"),
                    item: ReconItem(
                        classification, key: key, channel: try Self.channel(try item.decode(String.self, column: "channel")),
                        platform: try decode(PlatformRecord.self, try item.decode(String?.self, column: "platform")),
                        bill: try decode(ChannelBillRecord.self, try item.decode(String?.self, column: "bill")),
                        note: try item.decode(String?.self, column: "note")),
                    resolution: try item.decode(String?.self, column: "resolution"),
                    proposal: try item.decode(Int64?.self, column: "proposal_id").map { id in
                        ReconRun.PendingCorrection(
                            proposalID: id, proposedBy: try item.decode(String.self, column: "proposed_by"),
                            reason: try item.decode(String.self, column: "proposal_reason"), debit: try item.decode(String.self, column: "debit"),
                            credit: try item.decode(String.self, column: "credit"), amountFen: try item.decode(Int64.self, column: "amount_fen"))
                    })
            },
            changes: try decode([ReconChange].self, try row.decode(String.self, column: "changes")) ?? [])
    }

    /// The items held for `day`: those of the latest run of the closest earlier day that has a run (normally the
    /// day before; if that day was never run, held items are not lost but come to the next day that is).
    public func heldItems(before day: String, channel: Channel) async throws -> [ReconItem] {
        let rows = try await client.query(
            """
            SELECT max(run_id) AS run_id FROM recon_runs
            WHERE channel = \(channel.rawValue)
              AND bill_day = (SELECT max(bill_day) FROM recon_runs WHERE channel = \(channel.rawValue) AND bill_day < \(day)::date)
            """)
        guard let id = try rows.first?.decode(Int64?.self, column: "run_id") else { return [] }
        return try await run(id)?.items.map(\.item).filter { $0.classification == .held } ?? []
    }

    /// Stores the run and its items in one transaction; nil when it is a scheduled run of a day and channel
    /// that has one already.
    public func record(_ new: NewRun) async throws -> Int64? {
        try await client.withTransaction { connection in
            let counts = (
                matched: new.items.count { $0.classification == .matched }, held: new.items.count { $0.classification == .held },
                differences: new.items.count { $0.classification.isDifference })
            let inserted = try await connection.query(
                """
                INSERT INTO recon_runs (bill_day, channel, trigger, started_at, bill_rows, next_day_bill, matched, held, differences,
                                        previous_run_id, changes)
                VALUES (\(new.day)::date, \(new.channel.rawValue), \(new.trigger.rawValue), \(new.startedAt), \(new.billRows),
                        \(new.nextDayBill), \(counts.matched), \(counts.held), \(counts.differences), \(new.previousRunID),
                        \(try Self.json(new.changes))::jsonb)
                ON CONFLICT (bill_day, channel) WHERE trigger = 'schedule' DO NOTHING
                RETURNING run_id
                """)
            guard let runID = try inserted.first?.decode(Int64.self, column: "run_id") else { return nil }
            if new.items.isEmpty { return runID }
            let items = new.items
            try await connection.execute(
                """
                INSERT INTO recon_items (run_id, classification, item_key, kind, out_trade_no, out_refund_no, channel_transaction_id,
                                         platform_amount_fen, channel_amount_fen, platform_status, channel_status, platform_booked_at,
                                         channel_billed_at, platform_record, bill_record, note)
                SELECT \(runID), * FROM unnest(
                    \(items.map(\.classification.rawValue))::text[], \(items.map(\.key.description))::text[],
                    \(items.map(\.key.kind.rawValue))::text[], \(items.map { $0.platform?.orderID ?? $0.bill?.outTradeNo ?? $0.key.number })::text[],
                    \(items.map { $0.key.kind == .refund ? $0.key.number : nil })::text[],
                    \(items.map { $0.bill?.transactionID ?? $0.platform?.transactionID })::text[],
                    \(items.map { $0.platform?.amountFen })::bigint[], \(items.map { $0.bill?.amountFen })::bigint[],
                    \(items.map { $0.platform?.status })::text[], \(items.map { $0.bill?.status })::text[],
                    \(items.map { $0.platform?.bookedAt })::text[], \(items.map { $0.bill?.billedAt })::text[],
                    \(try items.map { try $0.platform.map(Self.json) })::jsonb[], \(try items.map { try $0.bill.map(Self.json) })::jsonb[],
                    \(items.map(\.note))::text[])
                """)
            return runID
        }
    }

    static func channel(_ text: String) throws -> Channel {
        guard let channel = Channel(rawValue: text) else { throw ReconStoreError("unknown channel \(text)") }
        return channel
    }
}

/// A stored reconciliation row that cannot be read back (a bug or manual corruption).
public struct ReconStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
