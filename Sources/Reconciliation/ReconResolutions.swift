import LedgerStore
import PaystreamCore
import Postgres

/// An admin's resolution of a reported difference.
///
/// Guarantees: only an item whose classification is a difference can be resolved, and only once (a unique
/// constraint); who, why and when are recorded; a `correction` is posted as a new, balanced journal entry of kind
/// `correction` (key `recon-resolution:<channel>:<item key>`, so one difference reported by several runs is corrected
/// once; booked on the item's order) through ``LedgerCorrection`` in
/// the same transaction as the resolution row, so either both exist or neither does. Old entries are never
/// edited. A payment whose order still waits for its payment event (`created`) takes no correction: that event
/// books it, once, under the payment's own key (unless the payment is held for review: then no event comes).
/// A correction is bounded by the difference it resolves: one side is the clearing account of the item's channel
/// (a difference is between that channel and the ledger), the other a user's, a merchant's or the platform's, and
/// the amount is at most the larger of the item's two amounts (the platform's and the channel's). An operator's
/// slip (or worse) cannot move money between two customers, or more than the item involves.
public struct ReconResolutions: Sendable {
    public let client: PostgresClient

    public init(client: PostgresClient) { self.client = client }

    /// One side of a correcting entry: `account.bucket` debited (`-amount`) or credited.
    public struct Correction: Sendable {
        public var debit: (account: AccountID, bucket: Bucket)
        public var credit: (account: AccountID, bucket: Bucket)
        public var amountFen: Int64

        public init(debit: (AccountID, Bucket), credit: (AccountID, Bucket), amountFen: Int64) {
            self.debit = debit
            self.credit = credit
            self.amountFen = amountFen
        }
    }

    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Resolution: Sendable {
        public var resolutionID: Int64
        public var entryIdempotencyKey: String?
    }

    public func resolve(itemID: Int64, by admin: String, reason: String, correction: Correction?) async throws -> Resolution {
        guard !admin.isEmpty, !reason.isEmpty else { throw Refusal(description: "a resolution names the admin and the reason") }
        return try await client.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT i.classification, i.kind, i.item_key, i.out_trade_no, r.channel, o.status AS order_status,
                       greatest(coalesce(i.platform_amount_fen, 0), coalesce(i.channel_amount_fen, 0)) AS bound_fen,
                       EXISTS (SELECT 1 FROM payment_reviews pr
                               WHERE pr.order_id = i.out_trade_no AND pr.channel = r.channel
                                 AND pr.channel_transaction_id = i.channel_transaction_id) AS held_for_review,
                       EXISTS (SELECT 1 FROM recon_resolutions rr JOIN recon_items i2 ON i2.item_id = rr.item_id
                               JOIN recon_runs r2 ON r2.run_id = i2.run_id
                               WHERE rr.action = 'ledgerCorrection' AND i2.item_key = i.item_key AND r2.channel = r.channel)
                           AS corrected_before
                FROM recon_items i JOIN recon_runs r ON r.run_id = i.run_id LEFT JOIN orders o ON o.order_id = i.out_trade_no
                WHERE i.item_id = \(itemID) FOR SHARE OF i
                """)
            guard let row = rows.first else { throw Refusal(description: "no recon item \(itemID)") }
            let classification = ReconClassification(rawValue: try row.decode(String.self, column: "classification"))
            guard classification?.isDifference == true else {
                throw Refusal(description: "item \(itemID) is \(classification?.rawValue ?? "?"), not a difference")
            }
            var key: String?
            if let correction {
                let orderID = try row.decode(String.self, column: "out_trade_no")
                let channel = try row.decode(String.self, column: "channel")
                try Self.check(correction, channel: channel, boundFen: try row.decode(Int64.self, column: "bound_fen"), itemID: itemID)
                // A payment the ledger has not booked yet is booked by its own event (delayed in the worker, in the dead
                // letters, or found by the payment poller), under the payment's idempotency key: a correction now would
                // credit it a second time then. One held for review (paid, but not as ordered) has no such event: the
                // intake holds it every time instead of publishing it, so it is the operator's to correct.
                if try row.decode(String.self, column: "kind") == "payment", try row.decode(String?.self, column: "order_status") == "created",
                    try !row.decode(Bool.self, column: "held_for_review")
                {
                    throw Refusal(
                        description: """
                            order \(orderID) is still waiting for its payment event, which books it once: book it with \
                            `paystream recon requery --order \(orderID)`, or, if the ledger refused that event, replay it from the \
                            dead letters with paystream-dlq once its cause is fixed; a correction would credit it twice
                            """)
                }
                // One correction per difference, whichever run of whichever day reported it (the resolutions are asked as
                // well as the key: corrections made before the key named the difference carry the item's id).
                if try row.decode(Bool.self, column: "corrected_before") {
                    throw Refusal(description: "the difference of item \(itemID) was corrected already, in an earlier run's item")
                }
                let entryKey = "recon-resolution:\(try row.decode(String.self, column: "channel")):\(try row.decode(String.self, column: "item_key"))"
                let amount = try Amount(fen: correction.amountFen)
                let entry = try JournalEntry(
                    kind: .correction, idempotencyKey: entryKey, orderID: orderID,
                    postings: [
                        Posting(account: correction.debit.account, bucket: correction.debit.bucket, amountFen: -amount.fen),
                        Posting(account: correction.credit.account, bucket: correction.credit.bucket, amountFen: amount.fen),
                    ])
                guard try await LedgerCorrection.post(entry, correlationID: "recon-item-\(itemID)", on: connection) else {
                    throw Refusal(description: "the difference of item \(itemID) has a correcting entry already (\(entryKey))")
                }
                key = entryKey
            }
            let inserted = try await connection.query(
                """
                INSERT INTO recon_resolutions (item_id, resolved_by, reason, action, entry_idempotency_key)
                VALUES (\(itemID), \(admin), \(reason), \(key == nil ? "acknowledged" : "ledgerCorrection"), \(key))
                ON CONFLICT (item_id) DO NOTHING RETURNING resolution_id
                """)
            guard let id = try inserted.first?.decode(Int64.self, column: "resolution_id") else {
                throw Refusal(description: "item \(itemID) is resolved already")
            }
            return Resolution(resolutionID: id, entryIdempotencyKey: key)
        }
    }

    /// Refuses a correction that is not between the item's channel's clearing account and one customer's or the
    /// platform's account, or that moves more than `boundFen`.
    static func check(_ correction: Correction, channel: String, boundFen: Int64, itemID: Int64) throws {
        let sides = [correction.debit.account, correction.credit.account]
        let clearing = sides.filter { $0.kind == .clearing }
        guard clearing.count == 1, clearing[0].name == channel else {
            throw Refusal(
                description: """
                    a correction of item \(itemID) moves money between clearing:\(channel) (the channel this difference is with) \
                    and one user's, merchant's or the platform's account; not \(sides.map(\.description).joined(separator: " and "))
                    """)
        }
        guard correction.amountFen <= boundFen else {
            throw Refusal(description: "a correction of item \(itemID) moves at most \(boundFen) fen (the larger of its two amounts), not \(correction.amountFen)")
        }
    }
}
