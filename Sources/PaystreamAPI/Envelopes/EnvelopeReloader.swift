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
///   - the worker has committed every grab Kafka held for the envelope when the loss was first looked at
///     (``GrabLogWatch``), however far behind it was; until then it is looked at again every second. Those marks
///     are kept with the loss (`reload_marks`), shared by every API process and cleared with it.
/// - Kafka is asked outside any transaction, about all the envelopes of a pass together (one probe read per grabs
///   tier, not one per envelope); when it does not answer, the envelopes wait another settle period. It runs in a
///   loop of its own, apart from the activation of funded envelopes, so a Kafka that is slow or down delays
///   reloads only.
/// - Each envelope is then claimed in a short transaction of its own (`SKIP LOCKED`), and only if its loss's mark
///   is still the one the pass read: what another process did with it meanwhile is never undone. One caught up has
///   its marks cleared and its mark dated now in that transaction, before Redis is written, and its mark cleared
///   after, again only if unchanged: a reload that dies in between is looked at again after a full settle period,
///   with new marks. Reloading is idempotent (nothing happens when Redis holds the envelope again), so two processes
///   reloading one envelope at once load it once. One envelope that fails waits another settle period, with new
///   marks, while the others go on.
///
/// An envelope the expiry job expired while it was being reloaded (the job's close found nothing in Redis) is closed
/// again right after its write, under its row lock.
///
/// A grab Redis granted whose produce failed is kept in the outbox (`credit: "queued"`); only when that fails too is it
/// answered 200 with `credit: "pending"` and left pending in Redis for
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
            // A pass that cleared a full page goes on at once; one that cleared less (envelopes left waiting for the
            // worker included) waits for the interval.
            let cleared = try await reloadRequested()
            return cleared < Self.pageSize ? 0 : cleared
        }
        await grabLog.close()
    }

    /// A marked envelope as one pass read it, without a lock.
    private struct Loss {
        var envelopeID: String
        /// The loss's mark as read (text, to compare exactly): the claim goes ahead only if it is unchanged.
        var seen: String
        var marks: GrabLogWatch.Marks
        /// The sender when the envelope is still funded and not expired: only then is it reloaded.
        var liveSender: AccountID?
        var split: [Int64]
        var expiresAt: Date
        var audience: EnvelopeHotState.Audience
    }

    /// Looks at the envelopes marked as lost from Redis whose mark has settled; answers how many marks it cleared.
    /// One still funded and not expired is reloaded once the worker has caught up on its grabs (nothing happens
    /// when Redis holds it again); any other just loses its mark.
    func reloadRequested() async throws -> Int {
        let rows = try await services.store.postgres.query(
            """
            SELECT e.envelope_order_id, e.reload_requested_at::text AS seen, e.reload_marks::text AS marks, e.sender, e.share_fen,
                   e.expires_at, e.expires_at > now() AS live, o.status, e.receiver, e.group_id
            FROM envelopes e
            CROSS JOIN LATERAL (SELECT status FROM orders WHERE order_id = e.envelope_order_id OFFSET 0) o
            WHERE e.reload_requested_at IS NOT NULL
              AND e.reload_requested_at <= now() - \(settleSeconds) * interval '1 second'
            ORDER BY e.reload_requested_at LIMIT \(Self.pageSize)
            """)
        var losses: [Loss] = []
        for row in rows {
            do {
                let live = try row.decode(Bool.self, column: "live") && (try row.decode(String.self, column: "status")) == "funded"
                losses.append(
                    Loss(
                        envelopeID: try row.decode(String.self, column: "envelope_order_id"), seen: try row.decode(String.self, column: "seen"),
                        marks: try row.decode(String?.self, column: "marks").map { try JSONDecoder().decode(GrabLogWatch.Marks.self, from: Data($0.utf8)) } ?? [:],
                        liveSender: live ? AccountID(try row.decode(String.self, column: "sender")) : nil,
                        split: try row.decode([Int64].self, column: "share_fen"), expiresAt: try row.decode(Date.self, column: "expires_at"),
                        audience: .init(receiver: try row.decode(String?.self, column: "receiver"), group: try row.decode(String?.self, column: "group_id"))))
            } catch {
                services.logger.error(
                    "envelope reload: a marked envelope could not be read",
                    metadata: ["envelope_id": "\((try? row.decode(String.self, column: "envelope_order_id")) ?? "?")", "error": "\(error)"])
            }
        }
        let live = losses.filter { $0.liveSender != nil }
        let standing = live.isEmpty ? [:] : await grabLog.standing(of: Dictionary(uniqueKeysWithValues: live.map { ($0.envelopeID, $0.marks) }))
        var cleared = 0
        for loss in losses {
            do {
                if try await settle(loss, standing: standing[loss.envelopeID]) { cleared += 1 }
            } catch {
                services.logger.error(
                    "envelope reload failed for one envelope; it waits, the others go on",
                    metadata: ["envelope_id": "\(loss.envelopeID)", "error": "\(error)"])
                // Marks taken later only mean more waiting: dropped with the failure.
                _ = try? await services.store.postgres.execute(
                    """
                    UPDATE envelopes SET reload_requested_at = now(), reload_marks = NULL
                    WHERE envelope_order_id = \(loss.envelopeID) AND reload_requested_at::text = \(loss.seen)
                    """)
            }
        }
        return cleared
    }

    /// Claims one loss if its mark is unchanged and acts on it; true when its mark was cleared.
    private func settle(_ loss: Loss, standing: (standing: GrabLogWatch.Standing, marks: GrabLogWatch.Marks)?) async throws -> Bool {
        guard let (sender, claimedMark) = try await claim(loss, standing: standing) else { return false }
        // Caught up. The loss's marks were cleared and its mark dated now, committed, before Redis is written: a
        // reload that reaches Redis but fails or crashes before its mark is cleared leaves no marks behind and a mark
        // that must settle again, so the next look waits a full settle period and takes new marks, above the grabs
        // made since.
        let audience = try await EnvelopeHotState.Audience.of(receiver: loss.audience.receiver, group: loss.audience.group) {
            try await services.groups.exists($0)
        }
        let done = try await reload(loss.envelopeID, sender: sender, audience: audience, split: loss.split, expiresAt: loss.expiresAt)
        let rows = try await services.store.postgres.query(
            """
            UPDATE envelopes SET reload_requested_at = \(done ? nil : Date())
            WHERE envelope_order_id = \(loss.envelopeID) AND reload_requested_at::text = \(claimedMark)
            RETURNING envelope_order_id
            """)
        return done && !rows.isEmpty
    }

    /// In a short transaction, if the loss's mark is unchanged: one not to reload loses its mark; one behind, or
    /// unknown, keeps it with the marks taken so far; one caught up gets its marks cleared and its mark dated now, and
    /// is answered with its sender and that mark, for ``settle`` to reload it.
    private func claim(_ loss: Loss, standing: (standing: GrabLogWatch.Standing, marks: GrabLogWatch.Marks)?) async throws
        -> (AccountID, String)?
    {
        try await services.store.postgres.withTransaction { connection in
            let claimed = try await connection.query(
                """
                SELECT (o.status = 'funded' AND e.expires_at > now() AND e.expiry_requested_at IS NULL) AS live,
                       (o.status = 'expired' OR e.expiry_requested_at IS NOT NULL) AS expiring
                FROM envelopes e JOIN orders o ON o.order_id = e.envelope_order_id
                WHERE e.envelope_order_id = \(loss.envelopeID) AND e.reload_requested_at::text = \(loss.seen)
                FOR UPDATE OF e SKIP LOCKED
                """)
            guard let row = claimed.first else { return nil }  // another process has it, or had it meanwhile
            // Live when it was read, and still, under the lock: the expiry job (which closes the envelope in Redis and
            // takes the rest) may have run since, and a reload would reopen it to grabs the ledger then refuses.
            guard let sender = loss.liveSender, try row.decode(Bool.self, column: "live") else {
                // One expired: closed in Redis too (nothing happens when Redis does not hold it), in case an earlier
                // reload wrote it back after its expiry and failed before closing it again (see `reload`).
                if try row.decode(Bool.self, column: "expiring") { try await services.envelopes.close(envelopeID: loss.envelopeID) }
                try await connection.execute(
                    "UPDATE envelopes SET reload_requested_at = NULL, reload_marks = NULL WHERE envelope_order_id = \(loss.envelopeID)")
                return nil
            }
            let marks = try String(decoding: JSONEncoder().encode(standing?.marks ?? loss.marks), as: UTF8.self)
            switch standing?.standing ?? .unknown {
            case .behind:
                // Looked at again in a second, with the marks taken so far.
                try await connection.execute(
                    """
                    UPDATE envelopes SET reload_requested_at = now() - \(max(0, settleSeconds - 1)) * interval '1 second',
                           reload_marks = \(marks)::jsonb
                    WHERE envelope_order_id = \(loss.envelopeID)
                    """)
                return nil
            case .unknown:
                try await Self.putOff(loss.envelopeID, marks: marks, on: connection)
                return nil
            case .caughtUp:
                let marked = try await connection.query(
                    """
                    UPDATE envelopes SET reload_marks = NULL, reload_requested_at = now() WHERE envelope_order_id = \(loss.envelopeID)
                    RETURNING reload_requested_at::text AS mark
                    """)
                guard let mark = try marked.first?.decode(String.self, column: "mark") else { return nil }
                return (sender, mark)
            }
        }
    }

    /// The mark stays, with the grabs-topic marks taken so far, and is looked at again after another settle period.
    private static func putOff(_ envelopeID: String, marks: String, on connection: PostgresConnection) async throws {
        try await connection.execute(
            "UPDATE envelopes SET reload_requested_at = now(), reload_marks = \(marks)::jsonb WHERE envelope_order_id = \(envelopeID)")
    }

    /// Whether the envelope is not expired nor asked to expire, read under its row lock: an expiry that has its lock
    /// (it closes Redis, takes the rest and marks the row in one transaction) is waited for, at most 5 s (it publishes to
    /// Kafka meanwhile; the reload fails then, and its envelope is looked at again after a settle period, when the claim
    /// closes an expired one); one that comes after finds the envelope in Redis and closes it itself. A finished
    /// envelope (every share grabbed) stays open: its grabbers are answered "already grabbed", not "expired".
    private func stillOpen(_ envelopeID: String) async throws -> Bool {
        try await services.store.postgres.withTransaction { connection in
            try await connection.execute("SET LOCAL lock_timeout = '5s'")
            let rows = try await connection.query(
                """
                SELECT (o.status IN ('funded', 'finished') AND e.expiry_requested_at IS NULL) AS open
                FROM envelopes e JOIN orders o ON o.order_id = e.envelope_order_id
                WHERE e.envelope_order_id = \(envelopeID) FOR UPDATE OF e
                """)
            return try rows.first?.decode(Bool.self, column: "open") ?? false
        }
    }

    /// Reloads one envelope; false when its grabs do not fit its split (nothing loaded, logged as critical).
    private func reload(
        _ envelopeID: String, sender: AccountID, audience: EnvelopeHotState.Audience, split: [Int64], expiresAt: Date
    ) async throws -> Bool {
        // Grabs Redis still holds as pending (a partial loss), read before the committed ones: a grab the worker commits
        // (and compensation then clears from pending) between the two reads is in both, and counted once, as committed.
        // Read the other way round, it could be in neither, and its share handed out again.
        let stillPending = try await services.envelopes.pending(envelopeID: envelopeID)
        let committed = try await services.store.committedGrabRecords(envelopeID)
        let committedIDs = Set(committed.map(\.grab.grabId))
        // Of those, the ones the ledger has neither committed nor refused.
        var pending = stillPending.filter { !committedIDs.contains($0.grabID) }
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
        await ReloadFaultInjection.pauseBeforeWrite(services.logger, envelopeID: envelopeID)
        let reloaded = try await services.envelopes.reload(
            envelopeID: envelopeID, sender: sender, audience: audience, expiresAt: expiresAt, shares: shares, grabbed: grabbed)
        if reloaded, try await !stillOpen(envelopeID) {
            // The expiry job took the rest while this reload read its grabs: it closed the envelope in Redis when Redis
            // held nothing, so this reload reopened it, and a grab whose API's clock is behind would be granted a share
            // the ledger then refuses. Closed again, as the expiry would have closed it.
            try await services.envelopes.close(envelopeID: envelopeID)
            services.logger.warning("envelope expired while it was reloaded: closed in Redis again", metadata: ["envelope_id": "\(envelopeID)"])
        }
        services.logger.warning(
            reloaded ? "envelope reloaded into Redis from the ledger" : "envelope reload not needed: Redis holds it",
            metadata: [
                "envelope_id": "\(envelopeID)", "shares_left": "\(shares.count)", "committed_grabs": "\(committed.count)",
                "pending_grabs": "\(pending.count)",
            ])
        return true
    }
}

/// Test-only switch: `PAYSTREAM_TEST_RELOAD_PAUSE_MS=N` makes the reloader wait N ms after reading an envelope's grabs
/// and before writing it to Redis, so that a test can expire the envelope in between. Production never sets it.
enum ReloadFaultInjection {
    static let pauseMilliseconds: Int? = ProcessInfo.processInfo.environment["PAYSTREAM_TEST_RELOAD_PAUSE_MS"].flatMap(Int.init)

    static func pauseBeforeWrite(_ logger: Logger, envelopeID: String) async {
        guard let pauseMilliseconds else { return }
        logger.warning("FAULT INJECTION: envelope reload paused before its write", metadata: ["envelope_id": "\(envelopeID)"])
        try? await Task.sleep(for: .milliseconds(pauseMilliseconds))
    }
}
