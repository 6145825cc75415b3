import Foundation
import Logging
import PaystreamCore
import Postgres
import ServiceLifecycle

/// Puts the shares of every newly funded envelope into Redis, so it can be grabbed.
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
                SELECT e.envelope_order_id, e.sender, e.share_fen, e.expires_at FROM envelopes e
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
            }
            return rows.count
        }
    }
}
