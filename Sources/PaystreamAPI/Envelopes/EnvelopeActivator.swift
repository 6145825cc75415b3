import Foundation
import Logging
import PaystreamCore
import Postgres
import ServiceLifecycle

/// Puts the shares of every newly funded envelope into Redis, so it can be grabbed, and announces it
/// (`envelope.available` to its group or receiver); announces envelopes that were grabbed to the last share
/// (`envelope.finished` to the sender and the group).
///
/// Guarantees: an envelope is loaded only once its funding is committed in the ledger (order `funded`), and
/// neither loaded nor announced when that came after its expiry (the expiry job returns it);
/// loading is idempotent (an envelope already in Redis is not refilled), and `activated_at` is set after
/// it, so a crash in between loads nothing twice. Rows are claimed with SKIP LOCKED. Every finished envelope is
/// announced once: each pass looks at the envelopes that finished in the last 10 minutes (the index
/// `orders_finished` reads only those), and the first pass and one every ``sweepInterval`` look back over the
/// 8 days an envelope can live, for any that finished while no API process was running.
///
/// An activated envelope that Redis lost is loaded again by ``EnvelopeReloader``, in a loop of its own.
struct EnvelopeActivator: Service {
    let services: APIServices
    var interval: Duration = .milliseconds(200)
    var sweepInterval: Duration = .seconds(300)

    func run() async throws {
        let clock = ContinuousClock()
        var lastSweep: ContinuousClock.Instant?
        await runDispatchLoop("envelope activation", interval: interval, logger: services.logger) {
            let sweep = lastSweep.map { clock.now - $0 >= sweepInterval } ?? true
            let pass = try await activateOnce(sweep: sweep)
            // A sweep that found a full page goes on with the next pass.
            if sweep && pass.announced < Self.pageSize { lastSweep = clock.now }
            return pass.activatedOrAbandoned + pass.announced
        }
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
                       settled.status, e.expires_at > now() AS live
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
                guard try row.decode(Bool.self, column: "live") else {
                    // Paid after its expiry (a payer who scanned late): never offered, nothing to grab. It leaves the
                    // index; the expiry job returns the whole amount, as for any funded envelope past its expiry.
                    try await connection.execute("UPDATE envelopes SET activated_at = now() WHERE envelope_order_id = \(envelopeID)")
                    services.logger.notice("envelope funded after its expiry: not offered", metadata: ["envelope_id": "\(envelopeID)"])
                    continue
                }
                let group = try row.decode(String?.self, column: "group_id")
                let receiver = try row.decode(String?.self, column: "receiver")
                let audience = try await EnvelopeHotState.Audience.of(receiver: receiver, group: group) { try await services.groups.exists($0) }
                let loaded = try await services.envelopes.load(
                    envelopeID: envelopeID, sender: sender, audience: audience,
                    expiresAt: try row.decode(Date.self, column: "expires_at"),
                    shares: try row.decode([Int64].self, column: "share_fen"))
                try await connection.execute("UPDATE envelopes SET activated_at = now() WHERE envelope_order_id = \(envelopeID)")
                services.logger.info("envelope available", metadata: ["envelope_id": "\(envelopeID)", "loaded": "\(loaded)"])
                var audiences: [String] = []
                if let group { audiences.append("group:\(group)") }
                if let receiver { audiences.append(receiver) }
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
