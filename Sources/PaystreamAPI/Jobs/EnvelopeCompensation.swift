import Foundation
import Logging
import PaystreamCore
import Postgres

#if canImport(Glibc)
import Glibc
#endif

/// The envelope compensation jobs of paystream-scheduler.
///
/// - ``redriveGrabs()``: a grab recorded in Redis whose transfer is not committed (the API died between the
///   grab script and Kafka's acknowledgement, or Kafka refused) is produced again after a grace period; its
///   idempotency key `grab:<grab id>` makes a second copy harmless. Committed ones are cleared from Redis, and so
///   are those the ledger refused (their key is recorded `rejected:<code>`, e.g. `envelope.already_grabbed`):
///   their message is in the dead-letter topic for an operator, and producing it again would only refuse it
///   again, every run, for as long as Redis keeps the envelope.
/// - ``expireEnvelopes()``: a funded envelope past its expiry (plus a grace period for grabs in flight) is closed
///   to grabs in Redis, then gets one `envelopeExpired` event, after its own pending grabs are re-driven, so the rest
///   refunded is exactly what no grab took. Its key `envelope-expire:<id>` makes it once, even when two schedulers run at once.
/// Every run is recorded in `compensation_runs` with what it found and did.
struct EnvelopeCompensation: Sendable {
    let services: APIServices
    /// Only envelopes created within this window are scanned.
    var windowSeconds: Int = 30 * 86_400
    /// A pending grab younger than this is left to the API that is producing it.
    var grabGraceMilliseconds: Int64 = 30_000
    /// An envelope is expired this long after its expiry time, so grabs granted just before are on Kafka first.
    var expiryGraceSeconds: Int = 5
    /// Where the rest of a channel-paid envelope goes: back through the channel, or to the sender's wallet.
    var refundToChannel = true
    /// How many envelopes one page of the re-drive reads, with one Redis round trip for all their pending grabs.
    var redrivePage = 500
    /// How many due envelopes one page of the expiry reads; a run goes on page after page until none is left.
    var expiryPage = 500

    struct RunResult: Sendable, Equatable {
        var found = 0
        var acted = 0
        /// Pending grabs the ledger had refused, cleared without producing them again.
        var refused = 0
    }

    /// Re-drives uncommitted grabs of every envelope activated within the window, a page of envelopes at a time
    /// (in creation order, so the scan's memory does not grow with the window).
    @discardableResult
    func redriveGrabs() async throws -> RunResult {
        let started = Date()
        var result = RunResult()
        var scanned = 0
        // The last envelope read: its creation time as PostgreSQL's text (exact to the microsecond) and its id;
        // the first page starts before every time.
        var after = (createdAt: "-infinity", id: "")
        while true {
            let rows = try await services.store.postgres.query(
                """
                SELECT envelope_order_id, sender, created_at::text AS created FROM envelopes
                WHERE activated_at IS NOT NULL AND created_at > now() - \(windowSeconds) * interval '1 second'
                  AND (created_at, envelope_order_id) > (\(after.createdAt)::timestamptz, \(after.id))
                ORDER BY created_at, envelope_order_id LIMIT \(redrivePage)
                """)
            guard let last = rows.last else { break }
            scanned += rows.count
            let envelopes = try rows.map { row in
                (id: try row.decode(String.self, column: "envelope_order_id"), sender: AccountID(try row.decode(String.self, column: "sender")))
            }
            let pending = try await services.envelopes.pending(envelopeIDs: envelopes.map(\.id))
            for (envelope, grabs) in zip(envelopes, pending) where !grabs.isEmpty {
                guard let sender = envelope.sender else { continue }
                let r = try await redrive(envelope.id, sender: sender, pending: grabs, graceMilliseconds: grabGraceMilliseconds)
                result.found += r.found
                result.acted += r.acted
                result.refused += r.refused
            }
            after = (try last.decode(String.self, column: "created"), try last.decode(String.self, column: "envelope_order_id"))
            if rows.count < redrivePage { break }
        }
        try await record(
            "grab-redrive", started: started, result,
            notes: "\(scanned) envelopes scanned" + (result.refused > 0 ? ", \(result.refused) refused by the ledger cleared" : ""))
        return result
    }

    /// One envelope's pending grabs: clears the committed ones, produces the others older than the grace.
    func redrive(_ envelopeID: String, sender: AccountID, graceMilliseconds: Int64) async throws -> RunResult {
        try await redrive(
            envelopeID, sender: sender, pending: try await services.envelopes.pending(envelopeID: envelopeID), graceMilliseconds: graceMilliseconds)
    }

    private func redrive(
        _ envelopeID: String, sender: AccountID, pending: [EnvelopeHotState.PendingGrab], graceMilliseconds: Int64
    ) async throws -> RunResult {
        if pending.isEmpty { return RunResult() }
        let orderIDs = pending.map { "grab:\($0.grabID)" }
        // One index probe per id (as the worker's order lock does): `order_id = ANY(ids)` over the eight
        // partitions may be planned as sequential scans that compare every row with every id, and an envelope
        // grabbed a thousand times has a thousand ids here.
        let committedRows = try await services.store.postgres.query(
            """
            SELECT o.order_id FROM unnest(\(orderIDs)::text[]) AS t(id)
            CROSS JOIN LATERAL (SELECT order_id FROM orders WHERE order_id = t.id OFFSET 0) o
            """)
        let committed = Set(try committedRows.map { String(try $0.decode(String.self, column: "order_id").dropFirst("grab:".count)) })
        let refused = try await services.store.refusedGrabs(pending.map(\.grabID).filter { !committed.contains($0) })
        try await services.envelopes.clearPending(envelopeID: envelopeID, grabIDs: Array(committed) + Array(refused.keys))
        for (grabID, result) in refused.sorted(by: { $0.key < $1.key }) {
            services.logger.warning(
                "pending grab refused by the ledger: cleared, its message is in the dead-letter topic",
                metadata: ["envelope_id": "\(envelopeID)", "grab_id": "\(grabID)", "result": "\(result)"])
        }
        let nowMs = Int64(services.now().timeIntervalSince1970 * 1000)
        var result = RunResult(found: pending.count - committed.count - refused.count, acted: 0, refused: refused.count)
        for grab in pending where !committed.contains(grab.grabID) && refused[grab.grabID] == nil && nowMs - grab.atMs >= graceMilliseconds {
            guard let grabber = AccountID(grab.user) else { continue }
            let event = try MoneyEvent(
                payload: .envelopeGrabbed(
                    try EnvelopeGrabbed(envelopeOrderID: envelopeID, grabID: grab.grabID, sender: sender, grabber: grabber, amount: try Amount(fen: grab.amountFen))),
                occurredAt: services.now(), correlationID: "redrive-\(grab.grabID)")
            try await services.publisher.publish(event, family: .envelopeGrabs)
            result.acted += 1
            services.logger.notice("grab re-driven", metadata: ["envelope_id": "\(envelopeID)", "grab_id": "\(grab.grabID)"])
        }
        return result
    }

    /// Expires every funded envelope past its expiry (and grace), each in a transaction of its own: a run that fails
    /// half-way keeps what it did, and no envelope's row stays locked while the others are expired. The due envelopes
    /// are read a page at a time, in expiry order, until none is left: a run that stopped at one page (it did, at 500)
    /// expired fewer a day than a busy day brings, and the rest fell out of the scanned window unrefunded.
    @discardableResult
    func expireEnvelopes() async throws -> RunResult {
        let started = Date()
        var result = RunResult()
        // The last envelope read: its expiry as PostgreSQL's text (exact to the microsecond) and its id.
        var after = (expiresAt: "-infinity", id: "")
        while true {
            let due = try await services.store.postgres.query(
                """
                SELECT e.envelope_order_id, e.expires_at::text AS expires FROM envelopes e JOIN orders o ON o.order_id = e.envelope_order_id
                WHERE \(unsafeRaw: Self.expiryDue(graceSeconds: expiryGraceSeconds, windowSeconds: windowSeconds))
                  AND (e.expires_at, e.envelope_order_id) > (\(after.expiresAt)::timestamptz, \(after.id))
                ORDER BY e.expires_at, e.envelope_order_id LIMIT \(expiryPage)
                """)
            guard let last = due.last else { break }
            after = (try last.decode(String.self, column: "expires"), try last.decode(String.self, column: "envelope_order_id"))
            result.found += due.count
            result.acted += try await expire(due.map { try $0.decode(String.self, column: "envelope_order_id") })
            if due.count < expiryPage { break }
        }
        try await record("envelope-expiry", started: started, result, notes: nil)
        return result
    }

    /// Expires the envelopes `ids` that are still due, one transaction each; returns how many it expired.
    private func expire(_ ids: [String]) async throws -> Int {
        var expiredCount = 0
        for id in ids {
            let expired = try await services.store.postgres.withTransaction { connection -> Bool in
                // Still due and not taken by another scheduler run meanwhile.
                let rows = try await connection.query(
                    """
                    SELECT e.envelope_order_id, e.sender, e.pay_with, o.channel FROM envelopes e
                    JOIN orders o ON o.order_id = e.envelope_order_id
                    WHERE e.envelope_order_id = \(id) AND \(unsafeRaw: Self.expiryDue(graceSeconds: expiryGraceSeconds, windowSeconds: windowSeconds))
                    FOR UPDATE OF e SKIP LOCKED
                    """)
                guard let row = rows.first else { return false }
                let envelopeID = try row.decode(String.self, column: "envelope_order_id")
                guard let sender = AccountID(try row.decode(String.self, column: "sender")) else { return false }
                // Closed in Redis first: a grab whose API read its clock before the expiry but reached Redis only now
                // (a slow call, or that API's clock behind) is refused instead of granted after the rest is taken.
                try await services.envelopes.close(envelopeID: envelopeID)
                // Grabs granted before the expiry go first, so the rest is what nobody took.
                _ = try await redrive(envelopeID, sender: sender, graceMilliseconds: 0)
                let channel = try row.decode(String?.self, column: "channel").flatMap(Channel.init(rawValue:))
                let destination: RefundDestination =
                    if let channel, refundToChannel, try row.decode(String.self, column: "pay_with") != "wallet" { .channel(channel) } else { .wallet(sender) }
                let event = try MoneyEvent(
                    payload: .envelopeExpired(try EnvelopeExpired(envelopeOrderID: envelopeID, sender: sender, destination: destination)),
                    occurredAt: services.now(), correlationID: "expire-\(envelopeID)")
                try await services.publisher.publish(event, family: .envelopeGrabs)
                ExpiryFaultInjection.afterExpiryEvent()
                try await connection.execute("UPDATE envelopes SET expiry_requested_at = now() WHERE envelope_order_id = \(envelopeID)")
                services.logger.info("envelope expired", metadata: ["envelope_id": "\(envelopeID)", "destination": "\(destination.account)"])
                return true
            }
            if expired { expiredCount += 1 }
        }
        return expiredCount
    }

    /// The condition on `envelopes e JOIN orders o` of an envelope due for expiry: funded, past its expiry and the
    /// grace, inside the scanned window, and not asked for in the last minute (its event may still be on its way).
    /// Pasted into SQL: made of the two integers only.
    static func expiryDue(graceSeconds: Int, windowSeconds: Int) -> String {
        """
        o.status = 'funded' AND e.expires_at <= now() - \(graceSeconds) * interval '1 second'
          AND e.created_at > now() - \(windowSeconds) * interval '1 second'
          AND (e.expiry_requested_at IS NULL OR e.expiry_requested_at < now() - interval '60 seconds')
        """
    }

    private func record(_ job: String, started: Date, _ result: RunResult, notes: String?) async throws {
        try await recordJobRun(job, started: started, found: result.found, acted: result.acted, notes: notes, on: services.store.postgres)
    }
}

/// Records one run of a scheduler job in `compensation_runs`: what it found and what it did.
func recordJobRun(_ job: String, started: Date, found: Int, acted: Int, notes: String?, on postgres: PostgresClient) async throws {
    let startedMs = Int64(started.timeIntervalSince1970 * 1000)
    try await postgres.execute(
        """
        INSERT INTO compensation_runs (job, started_at, found, acted, notes)
        VALUES (\(job), to_timestamp(\(startedMs)::double precision / 1000), \(found), \(acted), \(notes))
        """)
}

/// Test-only switch: `PAYSTREAM_TEST_KILL_AFTER_EXPIRY_EVENTS=N` makes paystream-scheduler kill itself (SIGKILL)
/// right after producing its N-th expiry event, before recording it: a crash in the middle of a run. Nothing
/// sets it outside tests.
enum ExpiryFaultInjection {
    static let limit: Int? = ProcessInfo.processInfo.environment["PAYSTREAM_TEST_KILL_AFTER_EXPIRY_EVENTS"].flatMap(Int.init)
    static let count = GrabFaultInjection.Counter()

    static func afterExpiryEvent() {
        guard let limit else { return }
        if count.increment() >= limit { kill(getpid(), SIGKILL) }
    }
}
