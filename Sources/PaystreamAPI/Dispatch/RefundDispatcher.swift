import Channels
import Foundation
import Logging
import PaystreamCore
import Postgres
import ServiceLifecycle

/// Sends refunds the ledger has applied (the money left the payer's wallet) to the channel, and follows
/// them to a final state.
///
/// Guarantees: the channel is asked with the refund order number as out_refund_no (its idempotency key), so
/// asking again after a timeout or crash cannot refund twice; rows are claimed with SKIP LOCKED; a final
/// state is recorded once. A refund that ends `closed`, or that the channel refused in a verified answer as it does
/// not know the paid order, or refused for good (``isPermanentRefusal(_:)``) and still holds no refund under its
/// number a settle period later (recorded `abnormal`, not retried for ever), comes back to the payer's wallet: a `refundReturned`
/// event goes into the outbox in the transaction that records the state (the refund order becomes `failed`, the
/// original may be refunded again; `given_up_at` is set). An `abnormal` refund the channel accepted is not final
/// (WeChat: the payer's card no longer takes money; the merchant finishes it in its platform, and it ends
/// `succeeded`): it is logged as critical for an operator once, and asked about every
/// `APIServices.refundAbnormalRecheckSeconds` (or told by a notify) until it ends `succeeded` (recorded, nothing returned) or
/// `closed` (returned). The rest of an expired envelope that fails at the channel goes to the sender's wallet. A report
/// contradicting a recorded final state is logged as critical.
///
/// Held for an operator (`held_reason`, `held_since`; ``hold(_:reason:asked:on:)``), as no answer of the channel can
/// settle them safely: an abnormal refund it accepted, a report of another amount than the refund's (answer, query or
/// WeChat notify: nothing is recorded on it), and a refund it accepted and later, in a verified answer, knows nothing
/// of (Alipay: after it was asked for once more with the same out_request_no, as Alipay documents for an empty refund
/// query: a refund that did not go through is answered fund_change "N", and Alipay refunds one number at most once; that
/// repeat refused, it is held too). A held refund is still asked about every `refundAbnormalRecheckSeconds`; the channel settling it ends the hold.
/// Otherwise an operator resolves it once (`POST /v1/admin/refunds/{id}/resolve`, ``RefundRoutes``), after which the
/// dispatcher leaves it alone and logs as critical any final report that contradicts the resolution.
struct RefundDispatcher: Service {
    let services: APIServices
    var interval: Duration = .milliseconds(500)
    /// Seconds after a permanent refusal before "the channel holds no such refund" is believed: an earlier try of
    /// the same request may still be on its way through the channel (`paystream-api --refund-refusal-settle-seconds`).
    var refusalSettlesAfter = 600

    func run() async throws {
        do {
            let returned = try await returnGivenUpRests()
            if returned > 0 { services.logger.notice("rests of expired envelopes given up before returned to their senders", metadata: ["count": "\(returned)"]) }
        } catch {
            services.logger.error("rests of expired envelopes given up before not returned; next start tries again", metadata: ["error": "\(error)"])
        }
        await runDispatchLoop("refund dispatch", interval: interval, logger: services.logger) { try await dispatchOnce() }
    }

    /// Rests of expired envelopes whose refund the channel did not complete, given up by a dispatcher that did not
    /// return them yet (before ``returnToPayer(refundOrderID:rawState:on:)`` could; an older release only logged them):
    /// returned now. Once per start, as such rows come only from older code; the return's key keeps it to once.
    func returnGivenUpRests() async throws -> Int {
        try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT r.refund_order_id, r.channel_state FROM refund_requests r
                WHERE r.ledger_order_id IS NOT NULL AND r.given_up_at IS NOT NULL AND r.channel_state IN ('closed', 'abnormal')
                  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.order_id = r.refund_order_id)
                FOR UPDATE OF r SKIP LOCKED
                """)
            for row in rows {
                try await returnToPayer(
                    refundOrderID: try row.decode(String.self, column: "refund_order_id"),
                    rawState: try row.decode(String.self, column: "channel_state").uppercased(), on: connection)
            }
            return rows.count
        }
    }

    func dispatchOnce() async throws -> Int {
        try await requestExpiredEnvelopeRefunds()
        return try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT r.refund_order_id, r.original_order_id, r.channel, r.amount_fen, r.total_fen, r.reason, r.channel_state, r.attempts,
                       r.refusal, (r.refused_at < now() - \(refusalSettlesAfter) * interval '1 second') AS refusal_settled,
                       (r.unknown_since < now() - \(refusalSettlesAfter) * interval '1 second') AS unknown_settled,
                       r.unknown_since IS NULL AS known, r.held_reason IS NOT NULL AS held
                FROM refund_requests r JOIN orders o ON o.order_id = coalesce(r.ledger_order_id, r.refund_order_id)
                WHERE o.status IN ('refunded', 'expired') AND r.resolved_at IS NULL
                  AND (r.channel_state IS NULL OR r.channel_state = 'processing' OR (r.channel_state = 'abnormal' AND r.given_up_at IS NULL))
                  AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= now())
                ORDER BY r.updated_at LIMIT 10
                FOR UPDATE OF r SKIP LOCKED
                """)
            try await forEachClaimedRow(rows, on: connection, logger: services.logger, what: "refund dispatch", key: "refund_order_id") { row in
                try await dispatch(row, on: connection)
            } putOff: { row in
                try await later(try row.decode(String.self, column: "refund_order_id"), attempts: try row.decode(Int.self, column: "attempts"), on: connection)
            }
            return rows.count
        }
    }

    /// Sends one claimed refund to its channel, or asks the channel about it, and applies the answer.
    private func dispatch(_ row: PostgresRow, on connection: PostgresConnection) async throws {
        let refundOrderID = try row.decode(String.self, column: "refund_order_id")
        let originalOrderID = try row.decode(String.self, column: "original_order_id")
        let attempts = try row.decode(Int.self, column: "attempts")
        guard let channel = Channel(rawValue: try row.decode(String.self, column: "channel")) else { return }
        let isFirstAsk = try row.decode(String?.self, column: "channel_state") == nil
        let refusal = try row.decode(String?.self, column: "refusal")
        let refusalSettled = try row.decode(Bool?.self, column: "refusal_settled") ?? false
        do {
            let client = try services.channels.payments(channel)
            let status: RefundStatus
            if isFirstAsk {
                status = try await client.refund(
                    RefundRequest(
                        outTradeNo: originalOrderID, outRefundNo: refundOrderID,
                        refundAmount: try Amount(fen: row.decode(Int64.self, column: "amount_fen")),
                        totalAmount: try Amount(fen: row.decode(Int64.self, column: "total_fen")),
                        reason: try row.decode(String?.self, column: "reason")))
            } else {
                status = try await client.queryRefund(outTradeNo: originalOrderID, outRefundNo: refundOrderID)
            }
            // The channel knows the refund (again): a "knows none" noted before is over, and so is a hold it caused. Not
            // Alipay's fund_change "N" to a request: it says no money moved, which a refund that did not go through says
            // too (asked again after an empty query, below, it must not start the settle period over, or it never ends).
            if !(channel == .alipay && isFirstAsk && status.state == .processing) {
                try await knownAgain(refundOrderID, on: connection)
            }
            let expected = try row.decode(Int64.self, column: "amount_fen")
            if status.refundAmount.fen != expected {
                // The channel holds a refund under this number: the hold marks it asked about from now on, never sent
                // again, and forgets a refusal noted before.
                try await amountDiffers(
                    refundOrderID: refundOrderID, reported: status.refundAmount.fen, expected: expected, rawState: status.rawState,
                    asked: true, on: connection)
                return
            }
            try await apply(refundOrderID: refundOrderID, state: status.state, rawState: status.rawState, refundID: status.refundID, attempts: attempts, on: connection)
            if channel == .alipay && isFirstAsk && status.state == .processing {
                // Alipay asks for 10 s at least between a refund request and its query: one sooner can answer empty
                // for a refund it is still making.
                try await connection.execute(
                    """
                    UPDATE refund_requests SET next_attempt_at = greatest(next_attempt_at, now() + \(Self.alipayQueryAfterSeconds) * interval '1 second')
                    WHERE refund_order_id = \(refundOrderID)
                    """)
            }
        } catch let error as ChannelError
            where isFirstAsk && (try? row.decode(Bool.self, column: "known")) == false
            && ((error.code == .notFound && error.isVerifiedAnswer) || Self.isPermanentRefusal(error))
        {
            // Refused when asked for again after Alipay's empty query (below): it accepted this refund before, and may
            // have made it since (a trade refunded in full is closed, and a repeat then refused), so the money is
            // neither given back on this word nor called refunded: held for an operator.
            try await hold(
                refundOrderID,
                reason: "\(Self.unknownHoldReason), and refused it when asked for again (\(error.channelCode ?? error.code.rawValue))",
                on: connection)
        } catch let error as ChannelError where isFirstAsk && error.code == .notFound && error.isVerifiedAnswer {
            // The channel does not know the paid order, so it holds no refund of it: final, and the money comes back.
            try await apply(
                refundOrderID: refundOrderID, state: .abnormal, rawState: error.channelCode ?? error.code.rawValue,
                refundID: nil, attempts: attempts, neverAccepted: true, on: connection)
        } catch let error as ChannelError where isFirstAsk && Self.isPermanentRefusal(error) {
            // Refused for good, unless this answered a repeat of a request the channel accepted (the first answer lost
            // to a timeout): noted, and the refund itself is asked about before any money comes back.
            try await noteRefusal(
                "\(error.channelCode ?? ""): \(error.channelMessage ?? error.message)", refundOrderID: refundOrderID, attempts: attempts,
                on: connection)
        } catch let error as ChannelError where !isFirstAsk && error.code == .notFound && refusal == nil && error.isVerifiedAnswer {
            // The channel answered for this refund before (it accepted it) and now, in a verified answer, holds none
            // under its number. Neither outcome can be taken on that word: returning the money could pay the payer
            // twice, calling it done could pay them nothing. A channel's query side can lag (just after a refund is
            // made, or while it is down), so it is asked again with back-off until it has said so for a settle period
            // (`unknown_since`, from its first such answer); after that an operator finds out at the channel.
            guard try row.decode(Bool?.self, column: "unknown_settled") ?? false else {
                if channel == .alipay, try row.decode(Bool.self, column: "known"), try !row.decode(Bool.self, column: "held") {
                    // Alipay documents an empty refund query as "not refunded": the refund did not go through, and is
                    // to be asked for again with the same out_request_no, which Alipay refunds at most once. Done once
                    // per streak of empty answers (`unknown_since` stays set); still empty a settle period after the
                    // first, it is held as below. Never for a held refund: a hold is never sent again.
                    try await connection.execute(
                        """
                        UPDATE refund_requests SET unknown_since = now(), channel_state = NULL WHERE refund_order_id = \(refundOrderID)
                        """)
                    services.logger.warning(
                        "Alipay holds no such refund; asking for it again with the same number",
                        metadata: ["refund_order_id": "\(refundOrderID)"])
                    try await later(refundOrderID, attempts: attempts, on: connection)
                    return
                }
                try await connection.execute(
                    "UPDATE refund_requests SET unknown_since = coalesce(unknown_since, now()) WHERE refund_order_id = \(refundOrderID)")
                services.logger.warning(
                    "the channel knows no refund it accepted; asking again", metadata: ["refund_order_id": "\(refundOrderID)"])
                try await later(refundOrderID, attempts: attempts, on: connection)
                return
            }
            try await hold(refundOrderID, reason: "\(Self.unknownHoldReason) (\(error.channelCode ?? error.code.rawValue))", on: connection)
        } catch let error as ChannelError where !isFirstAsk && error.code == .notFound && refusal != nil && error.isVerifiedAnswer {
            if error.channelCode == AlipayClient.refundDataWithoutSuccess {
                // Refused, yet Alipay holds refund data under the number (without REFUND_SUCCESS): not a refund made by
                // its current documentation, one by an older edition. Its money is not given back on that word.
                try await hold(
                    refundOrderID, reason: "Alipay refused this refund, yet holds refund data under its number without REFUND_SUCCESS",
                    on: connection)
                return
            }
            if refusalSettled {
                // Refused, and still unknown to the channel a settle period later: it will never be refunded there.
                try await apply(
                    refundOrderID: refundOrderID, state: .abnormal, rawState: String((refusal ?? "").prefix(while: { $0 != ":" })),
                    refundID: nil, attempts: attempts, neverAccepted: true, on: connection)
            } else {
                try await later(refundOrderID, attempts: attempts, on: connection)
            }
        } catch let error as ChannelError {
            services.logger.warning("refund call failed; will retry", metadata: ["refund_order_id": "\(refundOrderID)", "error": "\(error)"])
            try await later(refundOrderID, attempts: attempts, on: connection)
        }
    }

    /// Seconds Alipay asks merchants to wait between a refund request and its query (alipay.trade.fastpay.refund.query).
    static let alipayQueryAfterSeconds = 10

    /// The start of a hold for a refund the channel accepted and then knew none of.
    static let unknownHoldReason = "the channel accepted this refund and now knows none under its number"

    /// The channel answered about the refund: a "knows none" streak noted before ends, and so does a hold it caused
    /// (its reason would mislead an operator into returning money the channel holds). Holds for other reasons stay.
    private func knownAgain(_ refundOrderID: String, on connection: PostgresConnection) async throws {
        let rows = try await connection.query(
            """
            WITH before AS (
                SELECT coalesce(held_reason LIKE \(Self.unknownHoldReason + "%"), false) AS unknown_hold
                FROM refund_requests WHERE refund_order_id = \(refundOrderID)
            )
            UPDATE refund_requests SET unknown_since = NULL,
                   held_reason = CASE WHEN held_reason LIKE \(Self.unknownHoldReason + "%") THEN NULL ELSE held_reason END,
                   held_since = CASE WHEN held_reason LIKE \(Self.unknownHoldReason + "%") THEN NULL ELSE held_since END
            WHERE refund_order_id = \(refundOrderID) AND resolved_at IS NULL
              AND (unknown_since IS NOT NULL OR held_reason LIKE \(Self.unknownHoldReason + "%"))
            RETURNING (SELECT unknown_hold FROM before) AS released
            """)
        if try rows.first?.decode(Bool.self, column: "released") == true {
            services.logger.notice("the channel knows the held refund again; hold released", metadata: ["refund_order_id": "\(refundOrderID)"])
        }
    }

    /// A permanent refusal of the request, noted: `processing`, so the next rounds ask the channel about the refund.
    private func noteRefusal(_ refusal: String, refundOrderID: String, attempts: Int, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            UPDATE refund_requests SET channel_state = 'processing', refusal = \(String(refusal.prefix(300))), refused_at = now(),
                   attempts = attempts + 1,
                   next_attempt_at = now() + make_interval(secs => \(PayoutDispatcher.backoffSeconds(attempts))), updated_at = now()
            WHERE refund_order_id = \(refundOrderID)
            """)
        services.logger.warning(
            "refund refused for good; asking the channel about it before returning the money",
            metadata: ["refund_order_id": "\(refundOrderID)", "refusal": "\(refusal)"])
    }

    private func later(_ refundOrderID: String, attempts: Int, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            UPDATE refund_requests SET attempts = attempts + 1,
                   next_attempt_at = now() + make_interval(secs => \(PayoutDispatcher.backoffSeconds(attempts))), updated_at = now()
            WHERE refund_order_id = \(refundOrderID)
            """)
    }

    /// A refusal of the refund request that no retry of it can change, in a verified answer (``permanentRefusals``:
    /// the payer's account is closed, the refund period is over, the trade is finished). It is noted, not acted on:
    /// the refund itself is asked about, and its money comes back only if the channel still holds none under its
    /// number ``refusalSettlesAfter`` later. Other refusals are retried with back-off: a business error such as
    /// WeChat's NOT_ENOUGH (the merchant's refundable balance) can pass later, a PARAM_ERROR is ours to fix, and an
    /// unsigned refusal decides nothing. (The channel's "no such paid order", verified, ends a refund at once.)
    static func isPermanentRefusal(_ error: ChannelError) -> Bool {
        guard error.isVerifiedAnswer, let code = error.channelCode else { return false }
        return permanentRefusals[error.channel]?.contains(code) ?? false
    }

    /// The channels' codes for a refund request refused for good. WeChat Pay (v3 refunds): USER_ACCOUNT_ABNORMAL (the
    /// payer's account is abnormal or closed: WeChat says the merchant settles it outside), INVALID_REQUEST (the
    /// request breaks a business rule: past the refund period, the order not refundable, the number used for another
    /// refund). Alipay (alipay.trade.refund): the trade finished (refund period over), closed, in a state that takes
    /// no refund, the buyer's status, an amount that does not fit the trade. Any of them may also answer a repeat of
    /// a request the channel accepted, hence the question about the refund before anything is returned.
    static let permanentRefusals: [Channel: Set<String>] = [
        .wechat: ["USER_ACCOUNT_ABNORMAL", "INVALID_REQUEST"],
        .alipay: ["ACQ.TRADE_HAS_FINISHED", "ACQ.TRADE_HAS_CLOSE", "ACQ.TRADE_STATUS_ERROR", "ACQ.BUYER_ERROR", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"],
    ]

    /// The rest of an expired envelope paid through a channel goes back through that channel: once the ledger
    /// has moved it (order `expired`, entry `envelopeRefund` to the channel's clearing account), a refund row
    /// for exactly that rest is added (once: its number is the envelope's order number + `EXP`). Only envelopes
    /// past their expiry time and not yet checked are read (a partial index); each is marked checked once its
    /// order is final (expired, finished, or failed/closed unpaid; an unpaid one may still be paid late and
    /// expire then). The expiry itself is not
    /// required to be recorded by the scheduler: one that crashed after producing it leaves no record.
    func requestExpiredEnvelopeRefunds() async throws {
        try await services.store.postgres.execute(
            """
            WITH due AS (
                SELECT e.envelope_order_id FROM envelopes e JOIN orders o ON o.order_id = e.envelope_order_id
                WHERE e.expires_at <= now() AND e.rest_refund_checked_at IS NULL AND o.status NOT IN ('created', 'funded')
                LIMIT 100
                FOR UPDATE OF e SKIP LOCKED
            ),
            requested AS (
                INSERT INTO refund_requests (refund_order_id, original_order_id, account_id, channel, amount_fen, total_fen, reason, ledger_order_id)
                SELECT o.order_id || 'EXP', o.order_id, o.owner_account, o.channel, -p.amount_fen, o.amount_fen, 'envelope expired', o.order_id
                FROM due d
                JOIN orders o ON o.order_id = d.envelope_order_id
                JOIN journal_entries j ON j.order_id = o.order_id AND j.kind = 'envelopeRefund'
                JOIN postings p ON p.entry_id = j.entry_id AND p.amount_fen < 0
                WHERE o.status = 'expired' AND o.channel IN ('wechat', 'alipay')
                  AND EXISTS (SELECT 1 FROM postings c WHERE c.entry_id = j.entry_id AND c.account_id = 'clearing:' || o.channel)
                ON CONFLICT (refund_order_id) DO NOTHING
            )
            UPDATE envelopes SET rest_refund_checked_at = now() WHERE envelope_order_id IN (SELECT envelope_order_id FROM due)
            """)
    }

    /// A channel report of another amount than the refund's: nothing is recorded on its word (the money stays in
    /// the channel's clearing account, the payer is neither told it is done nor given it back); the refund is held
    /// for an operator, who reconciles it with the channel, and the channel is asked again meanwhile.
    private func amountDiffers(
        refundOrderID: String, reported: Int64, expected: Int64, rawState: String, asked: Bool, on connection: PostgresConnection
    ) async throws {
        services.logger.critical(
            "refund amount differs from the refund; nothing recorded, reconcile it with the channel",
            metadata: [
                "refund_order_id": "\(refundOrderID)", "reported_fen": "\(reported)", "refund_fen": "\(expected)", "reported_state": "\(rawState)",
            ])
        try await hold(
            refundOrderID, reason: "the channel reported \(reported) fen (\(rawState)) for this refund of \(expected) fen", asked: asked,
            on: connection)
    }

    /// Holds a refund for an operator (``RefundRoutes/resolve(_:admin:body:correlationID:)``): why, and since when, are
    /// recorded the first time (a later reason for the same refund is logged, the first one kept), and the channel is
    /// asked again every `APIServices.refundAbnormalRecheckSeconds`, not every minute: its answer may still settle it
    /// (which ends the hold). A new hold is logged as critical once; asking again is not. A hold means the channel holds
    /// (or held) a refund under this number, so it is asked about from now on, never sent again, and a refusal noted
    /// before no longer counts: a later "no such refund" must not return money the channel may pay.
    /// `asked`: the hold follows a question to the channel (counted in `attempts`), not a state already recorded.
    private func hold(_ refundOrderID: String, reason: String, asked: Bool = true, on connection: PostgresConnection) async throws {
        let rows = try await connection.query(
            """
            WITH before AS (SELECT held_since FROM refund_requests WHERE refund_order_id = \(refundOrderID))
            UPDATE refund_requests SET held_reason = coalesce(held_reason, \(String(reason.prefix(300)))), held_since = coalesce(held_since, now()),
                   channel_state = coalesce(channel_state, 'processing'), refusal = NULL, refused_at = NULL,
                   attempts = attempts + \(asked ? 1 : 0), next_attempt_at = now() + \(services.refundAbnormalRecheckSeconds) * interval '1 second',
                   updated_at = now()
            WHERE refund_order_id = \(refundOrderID) AND resolved_at IS NULL AND given_up_at IS NULL
              AND coalesce(channel_state, 'processing') IN ('processing', 'abnormal')
            RETURNING (SELECT held_since IS NULL FROM before) AS newly_held
            """)
        // A refund already final (settled by the channel, given up, resolved) is not held: the report is logged only.
        guard let row = rows.first else { return }
        if try row.decode(Bool.self, column: "newly_held") {
            services.logger.critical(
                "refund held for an operator: check it with the channel, then resolve it (POST /v1/admin/refunds/{id}/resolve)",
                metadata: ["refund_order_id": "\(refundOrderID)", "held_reason": "\(reason)"])
        } else {
            services.logger.warning(
                "held refund still unsettled at the channel", metadata: ["refund_order_id": "\(refundOrderID)", "reason": "\(reason)"])
        }
    }

    /// Records a refund's state reported by a notify; `amount` is the refund's amount the notify reports, when it
    /// reports this refund's own (a different one records nothing).
    func record(refundOrderID: String, state: RefundState?, rawState: String, refundID: String?, amount: Amount?, source: String) async throws {
        try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                "SELECT attempts, amount_fen FROM refund_requests WHERE refund_order_id = \(refundOrderID) FOR UPDATE")
            guard let row = rows.first else {
                services.logger.error("refund result for an unknown refund", metadata: ["refund_order_id": "\(refundOrderID)", "source": "\(source)"])
                return
            }
            let expected = try row.decode(Int64.self, column: "amount_fen")
            if let amount, amount.fen != expected {
                try await amountDiffers(
                    refundOrderID: refundOrderID, reported: amount.fen, expected: expected, rawState: rawState, asked: false, on: connection)
                return
            }
            try await apply(
                refundOrderID: refundOrderID, state: state, rawState: rawState, refundID: refundID,
                attempts: try row.decode(Int.self, column: "attempts"), on: connection)
        }
    }

    /// Records the channel's state of a refund. `neverAccepted`: the channel refused the refund itself, as it does
    /// not know the paid order, so nothing can ever be refunded there.
    private func apply(
        refundOrderID: String, state: RefundState?, rawState: String, refundID: String?, attempts: Int, neverAccepted: Bool = false,
        on connection: PostgresConnection
    ) async throws {
        let name = state?.rawValue ?? "processing"
        let current = try await connection.query(
            """
            SELECT channel_state, given_up_at IS NOT NULL AS given_up, resolution FROM refund_requests WHERE refund_order_id = \(refundOrderID)
            """)
        let existing = try current.first?.decode(String?.self, column: "channel_state")
        let givenUp = try current.first?.decode(Bool.self, column: "given_up") ?? false
        if let resolution = try current.first?.decode(String?.self, column: "resolution") {
            // An operator resolved it: final. A final report the other way is an operator's case again.
            if let state, state != .processing, (state == .succeeded) != (resolution == "succeeded") {
                services.logger.critical(
                    "refund reported \(name) after an operator resolved it \(resolution); reconcile it with the channel",
                    metadata: ["refund_order_id": "\(refundOrderID)"])
            }
            return
        }
        // An abnormal refund the channel accepted is followed until it ends; anything else but `processing` is final.
        let wasAbnormal = existing == "abnormal" && !givenUp
        if let existing, existing != "processing", !wasAbnormal {
            // Already final: a repeated report changes nothing, a contradicting one is an operator's case.
            if state != nil && state != .processing && name != existing {
                services.logger.critical(
                    "refund reported \(name) after it was recorded \(existing); reconcile it with the channel",
                    metadata: ["refund_order_id": "\(refundOrderID)"])
            }
            return
        }
        let givesUp = state == .closed || (state == .abnormal && neverAccepted)
        // Settled by the channel: a hold for an operator ends (an abnormal refund stays held until it ends).
        let settles = givesUp || state == .succeeded
        let askAgainSeconds: Int64? =
            switch state {
            case nil, .processing?: Int64(PayoutDispatcher.backoffSeconds(attempts))
            case .abnormal? where !neverAccepted: services.refundAbnormalRecheckSeconds
            default: nil
            }
        try await connection.execute(
            """
            UPDATE refund_requests SET channel_state = \(name), channel_refund_id = coalesce(\(refundID), channel_refund_id),
                   attempts = attempts + 1,
                   refusal = CASE WHEN \(neverAccepted) THEN refusal END, refused_at = CASE WHEN \(neverAccepted) THEN refused_at END,
                   next_attempt_at = \(askAgainSeconds) * interval '1 second' + now(),
                   given_up_at = CASE WHEN \(givesUp) THEN now() END,
                   held_reason = CASE WHEN \(settles) THEN NULL ELSE held_reason END,
                   held_since = CASE WHEN \(settles) THEN NULL ELSE held_since END,
                   updated_at = now()
            WHERE refund_order_id = \(refundOrderID)
            """)
        switch state {
        case .succeeded where wasAbnormal:
            services.logger.notice(
                "abnormal refund finished at the channel; the payer has the money", metadata: ["refund_order_id": "\(refundOrderID)"])
        case .succeeded: services.logger.info("refund completed at the channel", metadata: ["refund_order_id": "\(refundOrderID)"])
        case .closed: try await returnToPayer(refundOrderID: refundOrderID, rawState: rawState, on: connection)
        case .abnormal where neverAccepted: try await returnToPayer(refundOrderID: refundOrderID, rawState: rawState, on: connection)
        case .abnormal:
            // Not final at the channel: WeChat's ABNORMAL (the payer's card no longer takes money) is finished by the
            // merchant in its platform (to the payer's balance, or another card), and then ends SUCCESS. Returning
            // the money here as well would pay the payer twice; the money waits in the channel's clearing account,
            // and the refund is asked about until it ends, held for an operator meanwhile (every report holds it: one
            // abnormal before holds existed is held at its next report).
            if !wasAbnormal {
                services.logger.critical(
                    "refund is abnormal at the channel; an operator finishes it there (the payer is owed the money)",
                    metadata: ["refund_order_id": "\(refundOrderID)", "state": "\(rawState)"])
            }
            try await hold(
                refundOrderID, reason: "abnormal at the channel (\(rawState)): the merchant finishes it in the channel's platform",
                asked: false, on: connection)
        default: break
        }
    }

    /// A refund the channel did not complete: its money goes back to the payer's wallet through the ledger
    /// (`refundReturned`, exactly once: its key names the refund order). An expired envelope's rest, which has no
    /// refund order of its own, goes back to the sender's wallet (`envelopeRestReturned`, once per envelope), on the
    /// envelope's topic, behind its expiry.
    /// `reason`: the event's reason, when not the channel's state (an operator's resolution), and `correlationID` the
    /// event's. Answers false when the row cannot say whom to pay (nothing is enqueued; logged as critical).
    @discardableResult
    func returnToPayer(
        refundOrderID: String, rawState: String, reason given: String? = nil, correlationID: String? = nil, on connection: PostgresConnection
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT original_order_id, account_id, channel, amount_fen, ledger_order_id FROM refund_requests
            WHERE refund_order_id = \(refundOrderID)
            """)
        guard let row = rows.first, let channel = Channel(rawValue: try row.decode(String.self, column: "channel")),
            let payer = AccountID(try row.decode(String.self, column: "account_id"))
        else {
            services.logger.critical(
                "refund did not complete at the channel; the payer is owed the money",
                metadata: ["refund_order_id": "\(refundOrderID)", "state": "\(rawState)"])
            return false
        }
        let reason = PayoutDispatcher.eventReason(given ?? "\(channel.rawValue) refund \(rawState)", state: rawState)
        if let envelopeID = try row.decode(String?.self, column: "ledger_order_id") {
            // The rest of an expired envelope (no refund order of its own): back to the sender's wallet.
            let event = try MoneyEvent(
                payload: .envelopeRestReturned(
                    try EnvelopeRestReturned(
                        envelopeOrderID: envelopeID, sender: payer, channel: channel,
                        amount: try Amount(fen: row.decode(Int64.self, column: "amount_fen")), reason: reason)),
                occurredAt: services.now(), correlationID: correlationID ?? "refund-\(refundOrderID)")
            try await services.publisher.enqueue(event, family: .envelopeGrabs, on: connection)
            services.logger.warning(
                "the rest of an expired envelope did not reach the sender through the channel; it goes back to their wallet",
                metadata: ["refund_order_id": "\(refundOrderID)", "envelope_id": "\(envelopeID)", "state": "\(rawState)"])
            return true
        }
        let event = try MoneyEvent(
            payload: .refundReturned(
                try RefundReturned(
                    refundOrderID: refundOrderID, originalOrderID: try row.decode(String.self, column: "original_order_id"),
                    payer: payer, channel: channel, amount: try Amount(fen: row.decode(Int64.self, column: "amount_fen")),
                    reason: reason)),
            occurredAt: services.now(), correlationID: correlationID ?? "refund-\(refundOrderID)")
        try await services.publisher.enqueue(event, family: .refunds, on: connection)
        services.logger.warning(
            "refund did not complete at the channel; its money goes back to the payer's wallet",
            metadata: ["refund_order_id": "\(refundOrderID)", "state": "\(rawState)"])
        return true
    }
}
