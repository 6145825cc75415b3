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
/// it, so a crash in between loads nothing twice. Rows are claimed with SKIP LOCKED.
struct EnvelopeActivator: Service {
    let services: APIServices
    var interval: Duration = .milliseconds(200)

    func run() async throws {
        await runDispatchLoop("envelope activation", interval: interval, logger: services.logger) { try await activateOnce() }
    }

    func activateOnce() async throws -> Int {
        try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT e.envelope_order_id, e.sender, e.share_fen, e.expires_at, e.group_id, e.receiver, e.greeting, e.total_fen, e.shares
                FROM envelopes e
                JOIN orders o ON o.order_id = e.envelope_order_id
                WHERE o.status = 'funded' AND e.activated_at IS NULL
                ORDER BY e.created_at LIMIT 50
                FOR UPDATE OF e SKIP LOCKED
                """)
            for row in rows {
                let envelopeID = try row.decode(String.self, column: "envelope_order_id")
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
            return rows.count + (try await announceFinished(on: connection))
        }
    }

    /// `envelope.finished` for envelopes grabbed to the last share, once each.
    private func announceFinished(on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT e.envelope_order_id, e.sender, e.group_id, o.settled_fen FROM envelopes e
            JOIN orders o ON o.order_id = e.envelope_order_id
            WHERE o.status = 'finished' AND e.finished_announced_at IS NULL
              AND e.created_at > now() - interval '8 days'  -- envelopes expire within 7 days
            LIMIT 50 FOR UPDATE OF e SKIP LOCKED
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
