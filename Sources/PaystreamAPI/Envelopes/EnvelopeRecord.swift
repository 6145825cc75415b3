import Foundation
import PaystreamCore
import Postgres

/// An envelope as PostgreSQL has it: its row and its order.
struct EnvelopeRecord: Sendable, Encodable {
    var envelopeId: String
    var sender: String
    var totalFen: Int64
    var shares: Int
    var mode: String
    var greeting: String
    var groupId: String?
    var receiver: String?
    var payWith: String
    /// The ledger order's status: created (waiting for payment), funded, finished (all grabbed), expired.
    var status: String
    /// Grabbed so far, in fen, as committed in the ledger.
    var grabbedFen: Int64
    var expiresAt: Date
    var codeUrl: String?
    var payUrl: String?
    var createdAt: Date
    /// Internal: the split decided at send time.
    var shareFen: [Int64]
    var activated: Bool

    enum CodingKeys: String, CodingKey {
        case envelopeId, sender, totalFen, shares, mode, greeting, groupId, receiver, payWith, status, grabbedFen, expiresAt
        case codeUrl, payUrl, createdAt
    }

    static let selectSQL = """
        SELECT e.envelope_order_id, e.sender, e.total_fen, e.shares, e.split_mode, e.greeting, e.group_id, e.receiver, e.pay_with,
               e.expires_at, e.created_at, e.share_fen, e.activated_at IS NOT NULL AS activated,
               coalesce(o.status, 'created') AS status, coalesce(o.settled_fen, 0) AS settled_fen, p.code_url, p.pay_url
        FROM envelopes e LEFT JOIN orders o ON o.order_id = e.envelope_order_id
        LEFT JOIN channel_payments p ON p.order_id = e.envelope_order_id
        """

    init(row: PostgresRow) throws {
        envelopeId = try row.decode(String.self, column: "envelope_order_id")
        sender = try row.decode(String.self, column: "sender")
        totalFen = try row.decode(Int64.self, column: "total_fen")
        shares = try row.decode(Int.self, column: "shares")
        mode = try row.decode(String.self, column: "split_mode")
        greeting = try row.decode(String.self, column: "greeting")
        groupId = try row.decode(String?.self, column: "group_id")
        receiver = try row.decode(String?.self, column: "receiver")
        payWith = try row.decode(String.self, column: "pay_with")
        expiresAt = try row.decode(Date.self, column: "expires_at")
        createdAt = try row.decode(Date.self, column: "created_at")
        shareFen = try row.decode([Int64].self, column: "share_fen")
        activated = try row.decode(Bool.self, column: "activated")
        status = try row.decode(String.self, column: "status")
        grabbedFen = try row.decode(Int64.self, column: "settled_fen")
        codeUrl = try row.decode(String?.self, column: "code_url")
        payUrl = try row.decode(String?.self, column: "pay_url")
    }
}

extension PaymentStore {
    func envelope(_ envelopeID: String) async throws -> EnvelopeRecord? {
        let rows = try await postgres.query("\(unsafeRaw: EnvelopeRecord.selectSQL) WHERE e.envelope_order_id = \(envelopeID)")
        return try rows.first.map(EnvelopeRecord.init(row:))
    }

    /// The committed grabs of an envelope: its grabbers' transferIn orders, in grab id order.
    func committedGrabs(_ envelopeID: String) async throws -> [EnvelopeHotState.Grab] {
        try await committedGrabRecords(envelopeID).map(\.grab)
    }

    /// The committed grabs of an envelope with when each was committed (ms since the epoch), in grab id order.
    /// Read through `envelope_grabbers` (its primary key starts with the envelope), then one index probe per grab
    /// order, instead of a search of every orders partition for the envelope's children.
    func committedGrabRecords(_ envelopeID: String) async throws -> [(grab: EnvelopeHotState.Grab, atMs: Int64)] {
        let rows = try await postgres.query(
            """
            SELECT g.grab_order_id, g.grabber, o.amount_fen, (extract(epoch FROM o.created_at) * 1000)::bigint AS at_ms
            FROM envelope_grabbers g
            CROSS JOIN LATERAL (SELECT amount_fen, created_at FROM orders WHERE order_id = g.grab_order_id OFFSET 0) o
            WHERE g.envelope_order_id = \(envelopeID) ORDER BY g.grab_order_id
            """)
        return try rows.map { row in
            (
                EnvelopeHotState.Grab(
                    grabId: String(try row.decode(String.self, column: "grab_order_id").dropFirst("grab:".count)),
                    user: try row.decode(String.self, column: "grabber"), amountFen: try row.decode(Int64.self, column: "amount_fen")),
                try row.decode(Int64.self, column: "at_ms")
            )
        }
    }

    /// The grabs among `grabIDs` that the ledger refused, each with its recorded result (`rejected:<code>`). A grab's
    /// event key is its order id, `grab:<id>`, and a refusal is recorded under it in `processed_keys`; one index
    /// probe per id.
    func refusedGrabs(_ grabIDs: [String]) async throws -> [String: String] {
        if grabIDs.isEmpty { return [:] }
        let rows = try await postgres.query(
            """
            SELECT k.idempotency_key, k.result FROM unnest(\(grabIDs.map { "grab:\($0)" })::text[]) AS t(id)
            CROSS JOIN LATERAL (SELECT idempotency_key, result FROM processed_keys
                                WHERE idempotency_key = t.id AND result LIKE 'rejected:%' OFFSET 0) k
            """)
        var refused: [String: String] = [:]
        for row in rows {
            refused[String(try row.decode(String.self, column: "idempotency_key").dropFirst("grab:".count))] =
                try row.decode(String.self, column: "result")
        }
        return refused
    }

    /// Marks an activated envelope for the envelope reloader to load into Redis again (a grab found it missing
    /// there), with no grabs-topic marks yet. Answers true when this call marked it (it was not marked already). A row
    /// another transaction holds (the expiry job's, for the length of its run; the reloader's) is skipped rather than
    /// waited for, so the grab that asks answers at once; the next grab asks again.
    func requestReload(_ envelopeID: String) async throws -> Bool {
        let rows = try await postgres.query(
            """
            WITH target AS (
                SELECT envelope_order_id FROM envelopes
                WHERE envelope_order_id = \(envelopeID) AND activated_at IS NOT NULL AND reload_requested_at IS NULL
                FOR UPDATE SKIP LOCKED
            )
            UPDATE envelopes e SET reload_requested_at = now(), reload_marks = NULL
            FROM target t WHERE e.envelope_order_id = t.envelope_order_id
            RETURNING e.envelope_order_id
            """)
        return !rows.isEmpty
    }

    func insertEnvelope(
        _ envelopeID: String, sender: AccountID, total: Amount, shares: [Amount], mode: EnvelopeSplit.Mode, greeting: String,
        groupID: String?, receiver: String?, payWith: String, expiresInSeconds: Int, on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            """
            INSERT INTO envelopes (envelope_order_id, sender, total_fen, shares, split_mode, share_fen, greeting, group_id, receiver,
                                   pay_with, expires_at)
            VALUES (\(envelopeID), \(sender.description), \(total.fen), \(shares.count), \(mode.rawValue), \(shares.map(\.fen))::bigint[],
                    \(greeting), \(groupID), \(receiver), \(payWith), now() + \(expiresInSeconds) * interval '1 second')
            """)
    }
}
