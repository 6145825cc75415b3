import PaystreamCore
import Postgres

/// The platform's side of an external reconciliation, read from the ledger (read-only).
///
/// Guarantees: a payment is booked when the ledger holds its `rechargePaid`, `envelopeFunded` or
/// `collectionPaid` entry (key `notify:<channel>:<transaction id>`); its amount is what that entry credited and
/// its time the entry's `created_at` in Asia/Shanghai. A refund is booked when the channel confirmed it
/// (`refund_requests.channel_state = 'succeeded'`), at its last update; a payout (withdrawal) when its
/// `withdrawPaidOut` entry exists.
public struct PlatformRecords: Sendable {
    public let client: PostgresClient

    public init(client: PostgresClient) { self.client = client }

    static let paidKinds = "('rechargePaid', 'envelopeFunded', 'collectionPaid')"
    static let shanghai = "'Asia/Shanghai'"

    /// What the platform booked on `day` through `channel`.
    public func booked(channel: Channel, day: String) async throws -> [PlatformRecord] {
        let prefix = "notify:\(channel.rawValue):"
        let payments = try await client.query(
            """
            SELECT o.order_id, o.status, e.idempotency_key,
                   (SELECT sum(p.amount_fen) FROM postings p WHERE p.entry_id = e.entry_id AND p.amount_fen > 0)::bigint AS amount_fen,
                   to_char(e.created_at AT TIME ZONE \(unsafeRaw: Self.shanghai), 'YYYY-MM-DD HH24:MI:SS') AS booked_at
            FROM journal_entries e JOIN orders o ON o.order_id = e.order_id
            WHERE e.kind IN \(unsafeRaw: Self.paidKinds) AND starts_with(e.idempotency_key, \(prefix))
              AND e.created_at >= (\(day)::date::timestamp AT TIME ZONE \(unsafeRaw: Self.shanghai))
              AND e.created_at < ((\(day)::date + 1)::timestamp AT TIME ZONE \(unsafeRaw: Self.shanghai))
            ORDER BY o.order_id
            """)
        var records = try payments.map { row in
            let key = try row.decode(String.self, column: "idempotency_key")
            return PlatformRecord(
                channel: channel, kind: .payment, orderID: try row.decode(String.self, column: "order_id"),
                transactionID: String(key.dropFirst(prefix.count)), status: try row.decode(String.self, column: "status"), booked: true,
                amountFen: try row.decode(Int64.self, column: "amount_fen"), bookedAt: try row.decode(String.self, column: "booked_at"))
        }
        let refunds = try await client.query(
            """
            SELECT refund_order_id, original_order_id, amount_fen, channel_state,
                   to_char(updated_at AT TIME ZONE \(unsafeRaw: Self.shanghai), 'YYYY-MM-DD HH24:MI:SS') AS booked_at
            FROM refund_requests
            WHERE channel = \(channel.rawValue) AND channel_state = 'succeeded'
              AND updated_at >= (\(day)::date::timestamp AT TIME ZONE \(unsafeRaw: Self.shanghai))
              AND updated_at < ((\(day)::date + 1)::timestamp AT TIME ZONE \(unsafeRaw: Self.shanghai))
            ORDER BY refund_order_id
            """)
        records += try refunds.map { try Self.refund($0, channel: channel) }
        let payouts = try await client.query(
            """
            \(unsafeRaw: Self.payoutSQL)
            WHERE w.channel = \(channel.rawValue)
              AND e.created_at >= (\(day)::date::timestamp AT TIME ZONE \(unsafeRaw: Self.shanghai))
              AND e.created_at < ((\(day)::date + 1)::timestamp AT TIME ZONE \(unsafeRaw: Self.shanghai))
            ORDER BY w.order_id
            """)
        records += try payouts.map { try Self.payout($0, channel: channel) }
        return records
    }

    /// Withdrawals through a channel with their `withdrawPaidOut` entry, if any (`e.*` is NULL without one).
    static let payoutSQL = """
        SELECT w.order_id, o.status, w.amount_fen AS order_fen, w.channel_payout_id,
               (SELECT sum(p.amount_fen) FROM postings p WHERE p.entry_id = e.entry_id AND p.amount_fen > 0)::bigint AS booked_fen,
               to_char(e.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') AS booked_at
        FROM withdrawal_requests w
        JOIN orders o ON o.order_id = w.order_id
        LEFT JOIN journal_entries e ON e.order_id = w.order_id AND e.kind = 'withdrawPaidOut'
        """

    private static func payout(_ row: PostgresRow, channel: Channel) throws -> PlatformRecord {
        let bookedAt = try row.decode(String?.self, column: "booked_at")
        return PlatformRecord(
            channel: channel, kind: .payout, orderID: try row.decode(String.self, column: "order_id"),
            transactionID: try row.decode(String?.self, column: "channel_payout_id"), status: try row.decode(String.self, column: "status"),
            booked: bookedAt != nil,
            amountFen: try row.decode(Int64?.self, column: "booked_fen") ?? row.decode(Int64.self, column: "order_fen"),
            bookedAt: bookedAt)
    }

    /// The platform's record of each key, whatever its day or status (keys it does not know are absent).
    public func known(channel: Channel, keys: [ReconKey]) async throws -> [ReconKey: PlatformRecord] {
        let orders = keys.filter { $0.kind == .payment }.map(\.number)
        let refundOrders = keys.filter { $0.kind == .refund }.map(\.number)
        let payoutOrders = keys.filter { $0.kind == .payout }.map(\.number)
        var known: [ReconKey: PlatformRecord] = [:]
        if !orders.isEmpty {
            let rows = try await client.query(
                """
                SELECT o.order_id, o.status, o.amount_fen AS order_fen, e.idempotency_key,
                       (SELECT sum(p.amount_fen) FROM postings p WHERE p.entry_id = e.entry_id AND p.amount_fen > 0)::bigint AS booked_fen,
                       to_char(e.created_at AT TIME ZONE \(unsafeRaw: Self.shanghai), 'YYYY-MM-DD HH24:MI:SS') AS booked_at
                FROM orders o
                JOIN channel_payments cp ON cp.order_id = o.order_id AND cp.channel = \(channel.rawValue)
                LEFT JOIN journal_entries e ON e.order_id = o.order_id AND e.kind IN \(unsafeRaw: Self.paidKinds)
                WHERE o.order_id = ANY(\(orders)::text[])
                """)
            let prefix = "notify:\(channel.rawValue):"
            for row in rows {
                let key = try row.decode(String?.self, column: "idempotency_key")
                let record = PlatformRecord(
                    channel: channel, kind: .payment, orderID: try row.decode(String.self, column: "order_id"),
                    transactionID: key.map { String($0.dropFirst(prefix.count)) }, status: try row.decode(String.self, column: "status"),
                    booked: key != nil,
                    amountFen: try row.decode(Int64?.self, column: "booked_fen") ?? row.decode(Int64.self, column: "order_fen"),
                    bookedAt: try row.decode(String?.self, column: "booked_at"))
                known[record.key] = record
            }
        }
        if !refundOrders.isEmpty {
            let rows = try await client.query(
                """
                SELECT refund_order_id, original_order_id, amount_fen, channel_state,
                       to_char(updated_at AT TIME ZONE \(unsafeRaw: Self.shanghai), 'YYYY-MM-DD HH24:MI:SS') AS booked_at
                FROM refund_requests WHERE channel = \(channel.rawValue) AND refund_order_id = ANY(\(refundOrders)::text[])
                """)
            for row in rows {
                let record = try Self.refund(row, channel: channel)
                known[record.key] = record
            }
        }
        if !payoutOrders.isEmpty {
            let rows = try await client.query(
                "\(unsafeRaw: Self.payoutSQL) WHERE w.channel = \(channel.rawValue) AND w.order_id = ANY(\(payoutOrders)::text[])")
            for row in rows {
                let record = try Self.payout(row, channel: channel)
                known[record.key] = record
            }
        }
        return known
    }

    /// The withdrawals sent to `channel` that `day` concerns: paid out on that day, or sent and last changed then.
    public func payoutCandidates(channel: Channel, day: String) async throws -> [String] {
        let rows = try await client.query(
            """
            SELECT w.order_id FROM withdrawal_requests w
            LEFT JOIN journal_entries e ON e.order_id = w.order_id AND e.kind = 'withdrawPaidOut'
            WHERE w.channel = \(channel.rawValue) AND w.payout_state IS NOT NULL
              AND ((e.created_at >= (\(day)::date::timestamp AT TIME ZONE \(unsafeRaw: Self.shanghai))
                    AND e.created_at < ((\(day)::date + 1)::timestamp AT TIME ZONE \(unsafeRaw: Self.shanghai)))
                OR (w.updated_at >= (\(day)::date::timestamp AT TIME ZONE \(unsafeRaw: Self.shanghai))
                    AND w.updated_at < ((\(day)::date + 1)::timestamp AT TIME ZONE \(unsafeRaw: Self.shanghai))))
            ORDER BY w.order_id
            """)
        return try rows.map { try $0.decode(String.self, column: "order_id") }
    }

    private static func refund(_ row: PostgresRow, channel: Channel) throws -> PlatformRecord {
        let state = try row.decode(String?.self, column: "channel_state")
        let booked = state == "succeeded"
        return PlatformRecord(
            channel: channel, kind: .refund, orderID: try row.decode(String.self, column: "original_order_id"),
            refundOrderID: try row.decode(String.self, column: "refund_order_id"), transactionID: nil, status: state ?? "unsent",
            booked: booked, amountFen: try row.decode(Int64.self, column: "amount_fen"),
            bookedAt: booked ? try row.decode(String.self, column: "booked_at") : nil)
    }
}
