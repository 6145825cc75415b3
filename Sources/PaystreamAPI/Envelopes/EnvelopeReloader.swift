import Foundation
import Logging
import PaystreamCore
import Postgres
import ServiceLifecycle

/// Loads again an activated envelope that Redis lost (a grab found it missing and marked it,
/// `reload_requested_at`): the shares of its split that neither a committed grab nor a grab still pending in Redis
/// took, and those grabbers as already grabbed.
///
/// Guarantees:
/// - It waits for two things first, so that the ledger knows every grab answered before the loss:
///   - the mark is ``settleSeconds`` old, for grabs whose produce to Kafka was still on its way;
///   - the worker has committed every grab Kafka held for the envelope after that (``GrabLogWatch``), however far
///     behind it was; until then it is looked at again every second.
/// - It runs in a loop of its own, apart from the activation of funded envelopes: a Kafka that is slow or down
///   delays reloads only. The envelopes of a pass are asked about together (one probe read per grabs tier, not
///   one per envelope), and when Kafka does not answer they wait another settle period.
/// - Rows are claimed with SKIP LOCKED, so several API processes can run it; reloading is idempotent (nothing
///   happens when Redis holds the envelope again).
///
/// A grab Redis granted whose produce failed is answered 200 with `credit: "pending"` and left pending in Redis for
/// compensation; if Redis loses it too, it is in neither place: that user was promised an amount never credited,
/// and its share is offered again. Should anything still be missed, the ledger credits each grabber once and never
/// more than the envelope, and refuses the grabs that come last.
struct EnvelopeReloader: Service {
    let services: APIServices
    /// Where the worker stands on the grabs topics.
    let grabLog: GrabLogWatch
    /// How old a reload mark must be before the envelope is loaded again, so grabs in flight are committed first.
    var settleSeconds = 30
    /// Marks are rare and wait ``settleSeconds`` anyway: looked at once a second.
    var interval: Duration = .seconds(1)

    /// At most this many envelopes in one pass.
    static let pageSize = 50

    func run() async throws {
        await runDispatchLoop("envelope reload", interval: interval, logger: services.logger) {
            // A full page goes on with the next pass at once; anything less waits for the interval.
            let cleared = try await reloadRequested()
            return cleared < Self.pageSize ? 0 : cleared
        }
        await grabLog.close()
    }

    /// Loads again the envelopes marked as lost from Redis whose mark has settled; answers how many marks it
    /// looked at. One still funded and not expired is reloaded once the worker has caught up on its grabs
    /// (nothing happens when Redis holds it again); any other just loses its mark.
    func reloadRequested() async throws -> Int {
        try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT e.envelope_order_id, e.sender, e.share_fen, e.expires_at, e.expires_at > now() AS live, o.status
                FROM envelopes e
                CROSS JOIN LATERAL (SELECT status FROM orders WHERE order_id = e.envelope_order_id OFFSET 0) o
                WHERE e.reload_requested_at IS NOT NULL
                  AND e.reload_requested_at <= now() - \(settleSeconds) * interval '1 second'
                ORDER BY e.reload_requested_at LIMIT \(Self.pageSize)
                FOR UPDATE OF e SKIP LOCKED
                """)
            var reloadable: [String: AccountID] = [:]
            for row in rows {
                if try row.decode(Bool.self, column: "live"), try row.decode(String.self, column: "status") == "funded",
                    let sender = AccountID(try row.decode(String.self, column: "sender"))
                {
                    reloadable[try row.decode(String.self, column: "envelope_order_id")] = sender
                }
            }
            let standing = reloadable.isEmpty ? [:] : await grabLog.standing(of: Array(reloadable.keys))
            // Each in its own savepoint: one whose reload throws (Redis down, say) waits for the next settle period
            // while the others go on.
            try await forEachClaimedRow(
                rows, on: connection, logger: services.logger, what: "envelope reload", key: "envelope_order_id",
                { row in
                    let envelopeID = try row.decode(String.self, column: "envelope_order_id")
                    if let sender = reloadable[envelopeID] {
                        switch standing[envelopeID] ?? .unknown {
                        case .behind:
                            try await lookAgainSoon(envelopeID, on: connection)
                            return
                        case .unknown:
                            try await Self.putOff(envelopeID, on: connection)
                            return
                        case .caughtUp:
                            let done = try await reload(
                                envelopeID, sender: sender, split: try row.decode([Int64].self, column: "share_fen"),
                                expiresAt: try row.decode(Date.self, column: "expires_at"))
                            if !done {
                                try await Self.putOff(envelopeID, on: connection)
                                return
                            }
                        }
                    }
                    await grabLog.forget(envelopeID: envelopeID)
                    try await connection.execute("UPDATE envelopes SET reload_requested_at = NULL WHERE envelope_order_id = \(envelopeID)")
                },
                putOff: { row in try await Self.putOff(try row.decode(String.self, column: "envelope_order_id"), on: connection) })
            return rows.count
        }
    }

    /// The mark stays, and is looked at again after another settle period.
    private static func putOff(_ envelopeID: String, on connection: PostgresConnection) async throws {
        try await connection.execute("UPDATE envelopes SET reload_requested_at = now() WHERE envelope_order_id = \(envelopeID)")
    }

    /// The mark stays, dated so that it has settled again in a second: the envelope waits for the worker.
    private func lookAgainSoon(_ envelopeID: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            UPDATE envelopes SET reload_requested_at = now() - \(max(0, settleSeconds - 1)) * interval '1 second'
            WHERE envelope_order_id = \(envelopeID)
            """)
    }

    /// Reloads one envelope; false when its grabs do not fit its split (nothing loaded, logged as critical).
    private func reload(_ envelopeID: String, sender: AccountID, split: [Int64], expiresAt: Date) async throws -> Bool {
        let committed = try await services.store.committedGrabRecords(envelopeID)
        let committedIDs = Set(committed.map(\.grab.grabId))
        // Grabs Redis still holds as pending (a partial loss) that the ledger has neither committed nor refused.
        var pending = try await services.envelopes.pending(envelopeID: envelopeID).filter { !committedIDs.contains($0.grabID) }
        let refused = try await services.store.refusedGrabs(pending.map(\.grabID))
        pending.removeAll { refused[$0.grabID] != nil }
        let taken = committed.map(\.grab.amountFen) + pending.map(\.amountFen)
        guard let shares = EnvelopeSplit.remaining(of: split, taking: taken) else {
            services.logger.critical(
                "envelope not reloaded: its grabs do not match its split",
                metadata: ["envelope_id": "\(envelopeID)", "grabs_fen": "\(taken)", "split_fen": "\(split)"])
            return false
        }
        let grabbed =
            committed.map { (user: $0.grab.user, record: "\($0.grab.grabId)|\($0.grab.amountFen)|\($0.atMs)") }
            + pending.map { (user: $0.user, record: "\($0.grabID)|\($0.amountFen)|\($0.atMs)") }
        let reloaded = try await services.envelopes.reload(
            envelopeID: envelopeID, sender: sender, expiresAt: expiresAt, shares: shares, grabbed: grabbed)
        services.logger.warning(
            reloaded ? "envelope reloaded into Redis from the ledger" : "envelope reload not needed: Redis holds it",
            metadata: [
                "envelope_id": "\(envelopeID)", "shares_left": "\(shares.count)", "committed_grabs": "\(committed.count)",
                "pending_grabs": "\(pending.count)",
            ])
        return true
    }
}
