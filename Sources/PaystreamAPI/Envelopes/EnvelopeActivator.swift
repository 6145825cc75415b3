import Foundation
import Logging
import PaystreamCore
import Postgres
import ServiceLifecycle

/// Puts the shares of every newly funded envelope into Redis, so it can be grabbed, and announces it
/// (`envelope.available` to its group or receiver); announces envelopes that were grabbed to the last share
/// (`envelope.finished` to the sender and the group).
///
/// Guarantees: an envelope is loaded only once its funding is committed in the ledger (order `funded`);
/// loading is idempotent (an envelope already in Redis is not refilled), and `activated_at` is set after
/// it, so a crash in between loads nothing twice. Rows are claimed with SKIP LOCKED. Every finished envelope is
/// announced once: each pass looks at the envelopes that finished in the last 10 minutes (the index
/// `orders_finished` reads only those), and the first pass and one every ``sweepInterval`` look back over the
/// 8 days an envelope can live, for any that finished while no API process was running.
///
/// It also loads again an activated envelope that Redis lost (a grab found it missing and marked it,
/// `reload_requested_at`): the shares of its split that neither a committed grab nor a grab still pending in
/// Redis took, and those grabbers as already grabbed. It waits for two things first, so that the ledger knows
/// every grab answered before the loss:
/// - the mark is ``reloadSettleSeconds`` old, for grabs whose produce to Kafka was still on its way;
/// - the worker has committed every grab Kafka held for the envelope after that (``GrabLogWatch``), however far
///   behind it was; until then it is looked at again every second.
/// A grab Redis granted whose produce failed is answered 200 with `credit: "pending"` and left pending in Redis for
/// compensation; if Redis loses it too, it is in neither place: that user was promised an amount never credited,
/// and its share is offered again. Should anything still be missed, the ledger credits each grabber once and never more than
/// the envelope, and refuses the grabs that come last.
struct EnvelopeActivator: Service {
    let services: APIServices
    /// Where the worker stands on the grabs topics.
    let grabLog: GrabLogWatch
    var interval: Duration = .milliseconds(200)
    var sweepInterval: Duration = .seconds(300)
    /// How old a reload mark must be before the envelope is loaded again, so grabs in flight are committed first.
    var reloadSettleSeconds = 30

    func run() async throws {
        let clock = ContinuousClock()
        var lastSweep: ContinuousClock.Instant?
        var lastReloadCheck: ContinuousClock.Instant?
        await runDispatchLoop("envelope activation", interval: interval, logger: services.logger) {
            let sweep = lastSweep.map { clock.now - $0 >= sweepInterval } ?? true
            let pass = try await activateOnce(sweep: sweep)
            // A sweep that found a full page goes on with the next pass.
            if sweep && pass.announced < Self.pageSize { lastSweep = clock.now }
            // Reload marks are rare and wait reloadSettleSeconds anyway: looked at once a second, not every pass.
            var reloaded = 0
            if lastReloadCheck.map({ clock.now - $0 >= .seconds(1) }) ?? true {
                reloaded = try await reloadRequested()
                if reloaded < Self.pageSize { lastReloadCheck = clock.now }
            }
            return pass.activatedOrAbandoned + pass.announced + reloaded
        }
        await grabLog.close()
    }

    /// At most this many envelopes are activated or abandoned, and this many announced, in one pass.
    static let pageSize = 50

    /// Activates what is funded, marks abandoned what will never be (its order `failed` or `closed`), and
    /// announces what finished; `sweep` looks back 8 days instead of 10 minutes for finished envelopes.
    ///
    /// The envelopes not activated yet (index `envelopes_awaiting_activation`, those of the last 8 days) drive
    /// the activation query, each probing its own order: joined the other way, PostgreSQL's plan switched
    /// under load to a scan of every order for the funded ones, 6 ms a pass and growing with history.
    func activateOnce(sweep: Bool) async throws -> (activatedOrAbandoned: Int, announced: Int) {
        try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT e.envelope_order_id, e.sender, e.share_fen, e.expires_at, e.group_id, e.receiver, e.greeting, e.total_fen, e.shares,
                       settled.status
                FROM envelopes e
                CROSS JOIN LATERAL (
                    SELECT o.status FROM orders o
                    WHERE o.order_id = e.envelope_order_id AND o.status IN ('funded', 'failed', 'closed') LIMIT 1
                ) settled
                WHERE e.activated_at IS NULL AND e.abandoned_at IS NULL
                  AND e.created_at > now() - interval '8 days'  -- envelopes expire within 7 days
                ORDER BY e.created_at LIMIT \(Self.pageSize)
                FOR UPDATE OF e SKIP LOCKED
                """)
            for row in rows {
                let envelopeID = try row.decode(String.self, column: "envelope_order_id")
                let orderStatus = try row.decode(String.self, column: "status")
                guard orderStatus == "funded" else {
                    // Its payment failed or was closed, for good: it leaves the activator's index.
                    try await connection.execute("UPDATE envelopes SET abandoned_at = now() WHERE envelope_order_id = \(envelopeID)")
                    services.logger.info("envelope abandoned", metadata: ["envelope_id": "\(envelopeID)", "order_status": "\(orderStatus)"])
                    continue
                }
                guard let sender = AccountID(try row.decode(String.self, column: "sender")) else { continue }
                let loaded = try await services.envelopes.load(
                    envelopeID: envelopeID, sender: sender, expiresAt: try row.decode(Date.self, column: "expires_at"),
                    shares: try row.decode([Int64].self, column: "share_fen"))
                try await connection.execute("UPDATE envelopes SET activated_at = now() WHERE envelope_order_id = \(envelopeID)")
                services.logger.info("envelope available", metadata: ["envelope_id": "\(envelopeID)", "loaded": "\(loaded)"])
                var audiences: [String] = []
                if let group = try row.decode(String?.self, column: "group_id") { audiences.append("group:\(group)") }
                if let receiver = try row.decode(String?.self, column: "receiver") { audiences.append(receiver) }
                for audience in audiences {
                    try? await services.publisher.publish(
                        push: PushMessage(
                            audience: audience, event: "envelope.available", envelopeId: envelopeID, sender: sender.description,
                            greeting: try row.decode(String.self, column: "greeting"), totalFen: try row.decode(Int64.self, column: "total_fen"),
                            shares: try row.decode(Int.self, column: "shares")))
                }
            }
            return (rows.count, try await announceFinished(on: connection, sweep: sweep))
        }
    }

    /// Loads again the envelopes marked as lost from Redis whose mark has settled; answers how many marks it
    /// cleared. One still funded and not expired is reloaded (nothing happens when Redis holds it again); any other
    /// just loses its mark.
    func reloadRequested() async throws -> Int {
        try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT e.envelope_order_id, e.sender, e.share_fen, e.expires_at, e.expires_at > now() AS live, o.status
                FROM envelopes e
                CROSS JOIN LATERAL (SELECT status FROM orders WHERE order_id = e.envelope_order_id OFFSET 0) o
                WHERE e.reload_requested_at IS NOT NULL
                  AND e.reload_requested_at <= now() - \(reloadSettleSeconds) * interval '1 second'
                ORDER BY e.reload_requested_at LIMIT \(Self.pageSize)
                FOR UPDATE OF e SKIP LOCKED
                """)
            // Each in its own savepoint: one whose reload throws (Redis down, say) waits for the next settle period
            // while the others go on.
            try await forEachClaimedRow(
                rows, on: connection, logger: services.logger, what: "envelope reload", key: "envelope_order_id",
                { row in
                    let envelopeID = try row.decode(String.self, column: "envelope_order_id")
                    if try row.decode(Bool.self, column: "live"), try row.decode(String.self, column: "status") == "funded",
                        let sender = AccountID(try row.decode(String.self, column: "sender"))
                    {
                        if !(try await grabLog.caughtUp(envelopeID: envelopeID)) {
                            try await lookAgainSoon(envelopeID, on: connection)
                            return
                        }
                        let done = try await reload(
                            envelopeID, sender: sender, split: try row.decode([Int64].self, column: "share_fen"),
                            expiresAt: try row.decode(Date.self, column: "expires_at"))
                        if !done {
                            try await Self.putOffReload(envelopeID, on: connection)
                            return
                        }
                    }
                    await grabLog.forget(envelopeID: envelopeID)
                    try await connection.execute("UPDATE envelopes SET reload_requested_at = NULL WHERE envelope_order_id = \(envelopeID)")
                },
                putOff: { row in try await Self.putOffReload(try row.decode(String.self, column: "envelope_order_id"), on: connection) })
            return rows.count
        }
    }

    /// The mark stays, and is looked at again after another settle period.
    private static func putOffReload(_ envelopeID: String, on connection: PostgresConnection) async throws {
        try await connection.execute("UPDATE envelopes SET reload_requested_at = now() WHERE envelope_order_id = \(envelopeID)")
    }

    /// The mark stays, dated so that it has settled again in a second: the envelope waits for the worker.
    private func lookAgainSoon(_ envelopeID: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            UPDATE envelopes SET reload_requested_at = now() - \(max(0, reloadSettleSeconds - 1)) * interval '1 second'
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

    /// `envelope.finished` for envelopes grabbed to the last share, once each. `o.updated_at` is when the
    /// envelope finished (the order changes no more), so the partial index `orders_finished` hands over only
    /// the envelopes that finished in the window, instead of a scan of every order.
    private func announceFinished(on connection: PostgresConnection, sweep: Bool) async throws -> Int {
        let lookBackSeconds = sweep ? 8 * 86_400 : 600  // envelopes expire within 7 days
        let rows = try await connection.query(
            """
            SELECT e.envelope_order_id, e.sender, e.group_id, o.settled_fen FROM orders o
            JOIN envelopes e ON e.envelope_order_id = o.order_id
            WHERE o.status = 'finished' AND o.updated_at > now() - \(lookBackSeconds) * interval '1 second'
              AND e.finished_announced_at IS NULL
            LIMIT \(Self.pageSize) FOR UPDATE OF e SKIP LOCKED
            """)
        for row in rows {
            let envelopeID = try row.decode(String.self, column: "envelope_order_id")
            let sender = try row.decode(String.self, column: "sender")
            var audiences = [sender]
            if let group = try row.decode(String?.self, column: "group_id") { audiences.append("group:\(group)") }
            for audience in audiences {
                try? await services.publisher.publish(
                    push: PushMessage(
                        audience: audience, event: "envelope.finished", envelopeId: envelopeID, sender: sender,
                        grabbedFen: try row.decode(Int64.self, column: "settled_fen")))
            }
            try await connection.execute("UPDATE envelopes SET finished_announced_at = now() WHERE envelope_order_id = \(envelopeID)")
        }
        return rows.count
    }
}
