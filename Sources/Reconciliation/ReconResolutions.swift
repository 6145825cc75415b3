import LedgerStore
import PaystreamCore
import Postgres

/// An admin's resolution of a reported difference.
///
/// Guarantees: only an item whose classification is a difference can be resolved, and only once (a unique
/// constraint); who, why and when are recorded. Acknowledging a difference (nothing moves) is one operator's
/// decision (``resolve(itemID:by:reason:)``). A correction moves money, so it takes four eyes: one operator proposes
/// it (``propose(itemID:by:reason:correction:)``, checked then, nothing posted), another approves it
/// (``approve(proposalID:by:)``; the proposer's own approval is refused, here and by a trigger) or either declines it
/// (``decline(proposalID:by:reason:)``). Each proposal is decided once, and a difference (an item, and the same key
/// reported by other runs) has at most one undecided.
/// The approval posts the correction as a new, balanced journal entry of kind `correction` (key
/// `recon-resolution:<channel>:<item key>`, so one difference reported by several runs is corrected once; booked on
/// the item's order) through ``LedgerCorrection``, in the same transaction as the decision and the resolution row
/// (which names the proposal), so either all exist or none does. Old entries are never edited. A payment whose order
/// still waits for its payment event (`created`) takes no correction: that event books it, once, under the
/// payment's own key (unless the payment is held for review: then no event comes).
/// A correction is bounded by the difference it resolves: one side is the clearing account of the item's channel
/// (a difference is between that channel and the ledger), the other a user's, a merchant's or the platform's, and
/// the amount is at most the larger of the item's two amounts (the platform's and the channel's). An operator's
/// slip (or worse) cannot move money between two customers, or more than the item involves, and no one operator
/// can move it at all. Every check runs when the correction is proposed and again when it is approved.
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

    /// A correction waiting for a second operator.
    public struct Proposal: Sendable {
        public var proposalID: Int64
    }

    /// Acknowledges the difference of `itemID`: resolved, nothing moved. Refused while a correction of it waits for
    /// approval: that is decided first.
    public func resolve(itemID: Int64, by admin: String, reason: String) async throws -> Resolution {
        guard !admin.isEmpty, !reason.isEmpty else { throw Refusal(description: "a resolution names the admin and the reason") }
        return try await client.withTransaction { connection in
            _ = try await Self.difference(itemID, on: connection)
            try await Self.refuseIfProposed(itemID, on: connection)
            return try await Self.record(itemID, by: admin, reason: reason, entryKey: nil, proposalID: nil, on: connection)
        }
    }

    /// Proposes `correction` for the difference of `itemID`, after every check an approval makes; nothing is posted.
    public func propose(itemID: Int64, by admin: String, reason: String, correction: Correction) async throws -> Proposal {
        guard !admin.isEmpty, !reason.isEmpty else { throw Refusal(description: "a proposal names the admin and the reason") }
        return try await client.withTransaction { connection in
            let item = try await Self.difference(itemID, on: connection)
            _ = try Self.entry(for: correction, of: item)
            try await Self.refuseIfProposed(itemID, on: connection)
            try await Self.refuseOverdraw(correction, on: connection)
            let inserted = try await connection.query(
                """
                INSERT INTO recon_correction_proposals
                    (item_id, proposed_by, reason, debit_account, debit_bucket, credit_account, credit_bucket, amount_fen)
                VALUES (\(itemID), \(admin), \(reason), \(correction.debit.account.description), \(correction.debit.bucket.rawValue),
                        \(correction.credit.account.description), \(correction.credit.bucket.rawValue), \(correction.amountFen))
                RETURNING proposal_id
                """)
            guard let id = try inserted.first?.decode(Int64.self, column: "proposal_id") else { throw Refusal(description: "the proposal was not stored") }
            return Proposal(proposalID: id)
        }
    }

    /// Approves proposal `proposalID` as `admin`, who must not be its proposer: posts its correcting entry and
    /// resolves its item, after every check again (the ledger may have moved since it was proposed).
    public func approve(proposalID: Int64, by admin: String) async throws -> Resolution {
        guard !admin.isEmpty else { throw Refusal(description: "an approval names the admin") }
        return try await client.withTransaction { connection in
            let proposal = try await Self.undecided(proposalID, on: connection)
            guard proposal.proposedBy != admin else {
                throw Refusal(
                    description: "proposal \(proposalID) was made by \(admin): a correction is approved by another operator than the one who proposed it")
            }
            let item = try await Self.difference(proposal.itemID, on: connection)
            let entry = try Self.entry(for: proposal.correction, of: item)
            let posted: Bool
            do {
                posted = try await LedgerCorrection.post(entry, correlationID: "recon-item-\(proposal.itemID)", on: connection)
            } catch let error as LedgerStoreError {
                throw Refusal(description: "proposal \(proposalID) cannot be posted now: \(error.message)")
            }
            guard posted else {
                throw Refusal(description: "the difference of item \(proposal.itemID) has a correcting entry already (\(entry.idempotencyKey))")
            }
            try await connection.execute(
                "INSERT INTO recon_correction_decisions (proposal_id, decided_by, decision) VALUES (\(proposalID), \(admin), 'approved')")
            return try await Self.record(
                proposal.itemID, by: admin, reason: "\(proposal.reason) (proposed by \(proposal.proposedBy))", entryKey: entry.idempotencyKey,
                proposalID: proposalID, on: connection)
        }
    }

    /// Declines proposal `proposalID` (its proposer may withdraw it too); its item stays open.
    public func decline(proposalID: Int64, by admin: String, reason: String) async throws {
        guard !admin.isEmpty, !reason.isEmpty else { throw Refusal(description: "declining names the admin and the reason") }
        try await client.withTransaction { connection in
            _ = try await Self.undecided(proposalID, on: connection)
            try await connection.execute(
                """
                INSERT INTO recon_correction_decisions (proposal_id, decided_by, decision, reason)
                VALUES (\(proposalID), \(admin), 'declined', \(reason))
                """)
        }
    }

    /// A difference as a correction needs it, read once its difference (channel and key, whichever run reported it)
    /// is under a transaction lock and its item locked, so that proposals, approvals and acknowledgements of one
    /// difference take turns. Locks are taken in one order everywhere: a proposal's row, the difference, the item.
    private struct Difference {
        var itemID: Int64
        var orderID: String
        var channel: String
        var itemKey: String
        var boundFen: Int64
        /// Its payment's order still waits for its payment event, and is not held for review.
        var awaitsPaymentEvent: Bool
        var correctedBefore: Bool
    }

    private static func difference(_ itemID: Int64, on connection: PostgresConnection) async throws -> Difference {
        // The locks first, then the checks in a statement of their own: a statement that waited for a lock still
        // reads the other tables as they were when it began, and would miss a resolution committed meanwhile.
        // One difference may be reported by several runs' items: proposals and approvals of any of them take turns.
        let named = try await connection.query(
            "SELECT r.channel, i.item_key FROM recon_items i JOIN recon_runs r ON r.run_id = i.run_id WHERE i.item_id = \(itemID)")
        guard let name = named.first else { throw Refusal(description: "no recon item \(itemID)") }
        let lockName = "recon-difference:\(try name.decode(String.self, column: "channel")):\(try name.decode(String.self, column: "item_key"))"
        _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockName)))")
        _ = try await connection.query("SELECT 1 FROM recon_items WHERE item_id = \(itemID) FOR UPDATE")
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
                       AS corrected_before,
                   EXISTS (SELECT 1 FROM recon_resolutions rr WHERE rr.item_id = i.item_id) AS resolved
            FROM recon_items i JOIN recon_runs r ON r.run_id = i.run_id LEFT JOIN orders o ON o.order_id = i.out_trade_no
            WHERE i.item_id = \(itemID)
            """)
        guard let row = rows.first else { throw Refusal(description: "no recon item \(itemID)") }
        let classification = ReconClassification(rawValue: try row.decode(String.self, column: "classification"))
        guard classification?.isDifference == true else {
            throw Refusal(description: "item \(itemID) is \(classification?.rawValue ?? "?"), not a difference")
        }
        guard try !row.decode(Bool.self, column: "resolved") else { throw Refusal(description: "item \(itemID) is resolved already") }
        return Difference(
            itemID: itemID, orderID: try row.decode(String.self, column: "out_trade_no"), channel: try row.decode(String.self, column: "channel"),
            itemKey: try row.decode(String.self, column: "item_key"), boundFen: try row.decode(Int64.self, column: "bound_fen"),
            awaitsPaymentEvent: try row.decode(String.self, column: "kind") == "payment"
                && (try row.decode(String?.self, column: "order_status")) == "created" && !(try row.decode(Bool.self, column: "held_for_review")),
            correctedBefore: try row.decode(Bool.self, column: "corrected_before"))
    }

    /// The correcting entry of `correction` for `item`, or the refusal of every rule a correction must keep.
    private static func entry(for correction: Correction, of item: Difference) throws -> JournalEntry {
        try check(correction, channel: item.channel, boundFen: item.boundFen, itemID: item.itemID)
        // A payment the ledger has not booked yet is booked by its own event (delayed in the worker, in the dead
        // letters, or found by the payment poller), under the payment's idempotency key: a correction now would
        // credit it a second time then. One held for review (paid, but not as ordered) has no such event: the
        // intake holds it every time instead of publishing it, so it is the operator's to correct.
        if item.awaitsPaymentEvent {
            throw Refusal(
                description: """
                    order \(item.orderID) is still waiting for its payment event, which books it once: book it with \
                    `paystream recon requery --order \(item.orderID)`, or, if the ledger refused that event, replay it from the \
                    dead letters with paystream-dlq once its cause is fixed; a correction would credit it twice
                    """)
        }
        // One correction per difference, whichever run of whichever day reported it (the resolutions are asked as
        // well as the key: corrections made before the key named the difference carry the item's id).
        if item.correctedBefore {
            throw Refusal(description: "the difference of item \(item.itemID) was corrected already, in an earlier run's item")
        }
        let amount = try Amount(fen: correction.amountFen)
        return try JournalEntry(
            kind: .correction, idempotencyKey: "recon-resolution:\(item.channel):\(item.itemKey)", orderID: item.orderID,
            postings: [
                Posting(account: correction.debit.account, bucket: correction.debit.bucket, amountFen: -amount.fen),
                Posting(account: correction.credit.account, bucket: correction.credit.bucket, amountFen: amount.fen),
            ])
    }

    /// Refuses when a correction of the difference of `itemID` waits for approval: proposed for this item, or for the
    /// same difference (key and channel) reported by another run.
    private static func refuseIfProposed(_ itemID: Int64, on connection: PostgresConnection) async throws {
        let pending = try await connection.query(
            """
            SELECT p.proposal_id, p.proposed_by
            FROM recon_items i JOIN recon_runs r ON r.run_id = i.run_id
            JOIN recon_items i2 ON i2.item_key = i.item_key JOIN recon_runs r2 ON r2.run_id = i2.run_id AND r2.channel = r.channel
            JOIN recon_correction_proposals p ON p.item_id = i2.item_id
            LEFT JOIN recon_correction_decisions d ON d.proposal_id = p.proposal_id
            WHERE i.item_id = \(itemID) AND d.proposal_id IS NULL
            """)
        guard let open = pending.first else { return }
        throw Refusal(
            description: """
                item \(itemID) has a correction waiting for approval (proposal \(try open.decode(Int64.self, column: "proposal_id")) by \
                \(try open.decode(String.self, column: "proposed_by"))): approve or decline it first
                """)
    }

    /// Refuses a correction that would take its debited account below zero as the balances stand now (a clearing
    /// account may go below zero); the approval checks again, under the account's lock, when it posts.
    private static func refuseOverdraw(_ correction: Correction, on connection: PostgresConnection) async throws {
        let (account, bucket) = correction.debit
        guard !account.mayGoNegative else { return }
        let rows = try await connection.query(
            "SELECT available_fen, frozen_fen FROM accounts WHERE account_id = \(account.description)")
        let balance = try rows.first.map { bucket == .available ? try $0.decode(Int64.self, column: "available_fen") : try $0.decode(Int64.self, column: "frozen_fen") } ?? 0
        guard balance >= correction.amountFen else {
            throw Refusal(
                description: "the correction would take \(account).\(bucket.rawValue) below zero: it holds \(balance) fen, not \(correction.amountFen)")
        }
    }

    private struct Undecided {
        var itemID: Int64
        var proposedBy: String
        var reason: String
        var correction: Correction
    }

    /// Proposal `proposalID`, locked, if it is not decided yet.
    private static func undecided(_ proposalID: Int64, on connection: PostgresConnection) async throws -> Undecided {
        let rows = try await connection.query(
            """
            SELECT p.item_id, p.proposed_by, p.reason, p.debit_account, p.debit_bucket, p.credit_account, p.credit_bucket, p.amount_fen
            FROM recon_correction_proposals p WHERE p.proposal_id = \(proposalID) FOR UPDATE
            """)
        guard let row = rows.first else { throw Refusal(description: "no correction proposal \(proposalID)") }
        // Read after the lock, in a statement of its own: a decision committed while this waited for the lock is seen.
        let decided = try await connection.query(
            "SELECT decision, decided_by FROM recon_correction_decisions WHERE proposal_id = \(proposalID)")
        if let decision = decided.first {
            throw Refusal(
                description: "proposal \(proposalID) was \(try decision.decode(String.self, column: "decision")) already, by \(try decision.decode(String.self, column: "decided_by"))")
        }
        guard let debit = AccountID(try row.decode(String.self, column: "debit_account")),
            let debitBucket = Bucket(rawValue: try row.decode(String.self, column: "debit_bucket")),
            let credit = AccountID(try row.decode(String.self, column: "credit_account")),
            let creditBucket = Bucket(rawValue: try row.decode(String.self, column: "credit_bucket"))
        else { throw Refusal(description: "proposal \(proposalID) names an account this version does not know") }
        return Undecided(
            itemID: try row.decode(Int64.self, column: "item_id"), proposedBy: try row.decode(String.self, column: "proposed_by"),
            reason: try row.decode(String.self, column: "reason"),
            correction: Correction(debit: (debit, debitBucket), credit: (credit, creditBucket), amountFen: try row.decode(Int64.self, column: "amount_fen")))
    }

    private static func record(
        _ itemID: Int64, by admin: String, reason: String, entryKey: String?, proposalID: Int64?, on connection: PostgresConnection
    ) async throws -> Resolution {
        let inserted = try await connection.query(
            """
            INSERT INTO recon_resolutions (item_id, resolved_by, reason, action, entry_idempotency_key, proposal_id)
            VALUES (\(itemID), \(admin), \(reason), \(entryKey == nil ? "acknowledged" : "ledgerCorrection"), \(entryKey), \(proposalID))
            ON CONFLICT (item_id) DO NOTHING RETURNING resolution_id
            """)
        guard let id = try inserted.first?.decode(Int64.self, column: "resolution_id") else {
            throw Refusal(description: "item \(itemID) is resolved already")
        }
        return Resolution(resolutionID: id, entryIdempotencyKey: entryKey)
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
