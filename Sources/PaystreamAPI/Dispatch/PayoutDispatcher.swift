import Channels
import Cryptography
import Foundation
import Logging
import PaystreamCore
import Postgres
import ServiceLifecycle

/// Pays approved withdrawals out through their channel and turns the channel's answer into the money event
/// that settles or unfreezes them.
///
/// Guarantees:
/// - a payout is requested with the withdrawal's order number as the channel's idempotency key (Bill99
///   orderId, WeChat out_bill_no), so a retry after a timeout or a crash cannot pay twice;
/// - rows are claimed with `FOR UPDATE SKIP LOCKED`, so several API processes can run dispatchers;
/// - a final result (by answer, polling or notify) is recorded once, together with its event in the outbox
///   (`withdrawalPaidOut` or `withdrawalFailed`), in one transaction; later reports of it change nothing;
/// - a payout that is still processing is polled with growing intervals (2 s … 60 s);
/// - a refusal of the payout request (`.rejected`) unfreezes nothing by itself: such answers are unsigned, and a
///   retried request can be refused after the first one was accepted ("duplicate order", "busy"). The refusal is
///   noted (`failure_reason` and `refused_at` on a `processing` row) and the channel is asked: a payout it reports
///   is followed to its end; one it still does not hold (`.notFound`) ``refusalSettlesAfter`` the refusal fails
///   with the refusal's reason (asked earlier, the first try may still be on its way). A request refused before
///   it was sent (`.invalidRequest`: the client's own checks) fails at once, since the channel never saw it;
/// - a report of another amount than the withdrawal's settles and unfreezes nothing: the row stays `processing`
///   with the difference as its reason, the channel is asked again later, and it is logged as critical for an
///   operator (Bill99's client already refuses such a first answer);
/// - once the channel has reported a payout in a verified answer (`acknowledged_at`), a later "no such payout" is
///   a contradiction, not a reason to send it again or fail it: the money stays frozen, the reason is shown, the
///   channel is asked again later, and it is logged as critical (once per reason); an operator resolves such a held
///   withdrawal (``WithdrawalRoutes/resolve(_:admin:body:correlationID:)``);
/// - a report that contradicts a final result already recorded (paid after failed, say) changes nothing and is
///   logged as critical: an operator reconciles it with the channel;
/// - a payout whose card or WeChat account its holder removed before it was sent is not sent again. A row not marked
///   sent may have reached the channel all the same (an answer lost or timed out, a crash during the call), so it is
///   not failed at once: the removal is noted as a refusal, and the channel is asked; a payout it holds is followed
///   to its end, and one it still does not hold ``refusalSettlesAfter`` fails and is unfrozen. A WeChat transfer
///   waiting for the user's confirmation is cancelled at WeChat instead of asked about (the unbound WeChat user is
///   not to confirm it); one WeChat no longer lets cancel is asked about as before;
/// - a payout whose destination, amount or channel was changed in the database without the keys (its sealed members
///   do not open for its row, or its route does not match: ``WithdrawalRecord/Destination/opened(for:amountFen:channel:with:)``)
///   is not sent, and is logged as critical; like a removed destination, it is noted as a refusal and the channel is
///   asked, and one it does not hold fails and is unfrozen. Before, it was retried for ever, its money frozen, with
///   nothing an operator could do. A destination that does not even decode (its JSON changed in the database) is
///   refused the same way; it used to fail every round and wait, its money frozen, until someone edited the row.
struct PayoutDispatcher: Service {
    let services: APIServices
    var interval: Duration = .milliseconds(500)
    /// Seconds after a refusal before "the channel holds no such payout" is believed: an earlier try of the same
    /// request may still be on its way through the channel (`paystream-api --payout-refusal-settle-seconds`).
    var refusalSettlesAfter = 600

    func run() async throws {
        await runDispatchLoop("payout dispatch", interval: interval, logger: services.logger) { try await dispatchOnce() }
    }

    func dispatchOnce() async throws -> Int {
        try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT w.order_id, w.channel, w.amount_fen, w.destination::text AS destination, w.payout_state, w.payout_attempts,
                       w.failure_reason, (w.refused_at < now() - \(refusalSettlesAfter) * interval '1 second') AS refusal_settled,
                       w.acknowledged_at IS NOT NULL AS acknowledged,
                       \(literalSQL: WithdrawalRoutes.destinationRemoved) AS destination_removed
                FROM withdrawal_requests w JOIN orders o ON o.order_id = w.order_id
                WHERE o.status = 'approved'
                  AND (w.payout_state IS NULL OR w.payout_state IN ('processing', 'awaitingUserConfirmation'))
                  AND (w.next_attempt_at IS NULL OR w.next_attempt_at <= now())
                ORDER BY w.updated_at LIMIT 10
                FOR UPDATE OF w SKIP LOCKED
                """)
            try await forEachClaimedRow(rows, on: connection, logger: services.logger, what: "payout dispatch", key: "order_id") { row in
                try await dispatch(row, on: connection)
            } putOff: { row in
                try await later(try row.decode(String.self, column: "order_id"), attempts: try row.decode(Int.self, column: "payout_attempts"), on: connection)
            }
            return rows.count
        }
    }

    /// Sends one claimed withdrawal to its channel, or asks the channel about it, and applies the answer.
    private func dispatch(_ row: PostgresRow, on connection: PostgresConnection) async throws {
        let orderID = try row.decode(String.self, column: "order_id")
        let attempts = try row.decode(Int.self, column: "payout_attempts")
        guard let channel = Channel(rawValue: try row.decode(String.self, column: "channel")) else { return }
        let client = services.channels.payouts(channel)
        let payoutState = try row.decode(String?.self, column: "payout_state")
        let sent = payoutState != nil
        let destinationRemoved = try row.decode(Bool.self, column: "destination_removed")
        // A refusal noted on a request that may have been accepted anyway (see the type's guarantees).
        let refusal = sent ? try row.decode(String?.self, column: "failure_reason") : nil
        let refusalSettled = try row.decode(Bool?.self, column: "refusal_settled") ?? false
        let acknowledged = try row.decode(Bool.self, column: "acknowledged")
        do {
            let status: PayoutStatus
            if destinationRemoved, payoutState == PayoutState.awaitingUserConfirmation.rawValue {
                status = try await cancelOrQuery(client, orderID: orderID)
            } else if sent {
                status = try await client.queryPayout(payoutID: orderID)
            } else if destinationRemoved {
                // Not sent again; an earlier try may have reached the channel, so ask it before unfreezing (see above).
                try await noteRefusal(
                    WithdrawalRoutes.RemovedDestination.reason(channel: channel.rawValue) + " before the payout was sent", orderID: orderID,
                    attempts: attempts, on: connection)
                return
            } else {
                let stored = try row.decode(String.self, column: "destination")
                let destination: WithdrawalRecord.Destination
                do {
                    destination = try JSONDecoder().decode(WithdrawalRecord.Destination.self, from: Data(stored.utf8)).opened(
                        for: orderID, amountFen: try row.decode(Int64.self, column: "amount_fen"), channel: channel.rawValue,
                        with: services.security.cipher)
                } catch let error as WithdrawalRecord.Destination.Tampered {
                    try await refuseChanged("\(error)", orderID: orderID, attempts: attempts, on: connection)
                    return
                } catch let error as CryptoError where error.code == .authenticationFailed {
                    try await refuseChanged("\(error)", orderID: orderID, attempts: attempts, on: connection)
                    return
                } catch let error as DecodingError {
                    // No version of Paystream wrote it in this shape: it was written without the code, as without the keys.
                    try await refuseChanged("its destination does not decode: \(error)", orderID: orderID, attempts: attempts, on: connection)
                    return
                }
                guard let to = destination.payout else {
                    // Incomplete, or of a type this version does not pay (a newer one's): not sent, and, like a changed
                    // one, failed only once the channel confirms it holds no such payout (an earlier try may have
                    // reached it), never failed at once.
                    services.logger.critical(
                        "a withdrawal's destination names no payee this version can pay; not sent",
                        metadata: ["order_id": "\(orderID)", "type": "\(destination.type)"])
                    try await noteRefusal(
                        "its destination is incomplete or of a type this version does not pay (\(destination.type)) before the payout was sent",
                        orderID: orderID, attempts: attempts, on: connection)
                    return
                }
                status = try await client.requestPayout(
                    PayoutRequest(
                        payoutID: orderID, amount: try Amount(fen: row.decode(Int64.self, column: "amount_fen")), destination: to,
                        remark: "Paystream 提现"))
            }
            try await apply(status, orderID: orderID, attempts: attempts, on: connection)
        } catch let error as ChannelError {
            if error.code == .invalidRequest && !sent {
                // Refused by the client's own checks: nothing reached the channel.
                try await apply(failure: "cannot be paid out by \(channel.rawValue): \(error.message)", orderID: orderID, on: connection)
            } else if error.code == .rejected && !sent {
                try await noteRefusal(
                    "\(channel.rawValue) refused the payout: \(error.channelMessage ?? error.message)", orderID: orderID,
                    attempts: attempts, on: connection)
            } else if error.code == .notFound && sent && acknowledged {
                // The channel answered for this payout before: it holds it. Its "no such payout" now is not believed,
                // neither to send it again (a refused duplicate could then unfreeze it) nor to fail it.
                try await hold(
                    "\(channel.rawValue) says it holds no such payout, though it reported this one before: \(error.channelMessage ?? error.message)",
                    orderID: orderID, attempts: attempts, heldFor: try row.decode(String?.self, column: "failure_reason"), on: connection)
            } else if error.code == .notFound && sent, let refusal {
                if refusalSettled {
                    // Refused, and the channel has held no such payout for a while: it will never be paid.
                    try await apply(failure: refusal, orderID: orderID, on: connection)
                } else {
                    try await later(orderID, attempts: attempts, on: connection)
                }
            } else if error.code == .notFound && sent {
                // The channel never got the request: send it again (same idempotency key).
                try await connection.execute(
                    "UPDATE withdrawal_requests SET payout_state = NULL, updated_at = now() WHERE order_id = \(orderID)")
            } else {
                services.logger.warning("payout call failed; will retry", metadata: ["order_id": "\(orderID)", "error": "\(error)"])
                try await later(orderID, attempts: attempts, on: connection)
            }
        }
    }

    /// Cancels a transfer whose WeChat account was unbound while it waited for the user's confirmation; asks about
    /// it instead when WeChat no longer lets cancel it (the user confirmed meanwhile, say).
    private func cancelOrQuery(_ client: any PayoutChannel, orderID: String) async throws(ChannelError) -> PayoutStatus {
        do {
            let status = try await client.cancelPayout(payoutID: orderID)
            services.logger.notice(
                "transfer to an unbound WeChat account cancelled", metadata: ["order_id": "\(orderID)", "state": "\(status.rawState)"])
            return status
        } catch {
            services.logger.warning(
                "transfer to an unbound WeChat account not cancelled; asking about it", metadata: ["order_id": "\(orderID)", "error": "\(error)"])
            return try await client.queryPayout(payoutID: orderID)
        }
    }

    /// Records a payout result reported by a notify (or any other source) for the withdrawal it names.
    func record(_ status: PayoutStatus, source: String) async throws {
        try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                "SELECT payout_attempts FROM withdrawal_requests WHERE order_id = \(status.payoutID) FOR UPDATE")
            guard let row = rows.first else {
                services.logger.error("payout result for an unknown withdrawal", metadata: ["payout_id": "\(status.payoutID)", "source": "\(source)"])
                return
            }
            try await apply(status, orderID: status.payoutID, attempts: try row.decode(Int.self, column: "payout_attempts"), on: connection)
        }
    }

    /// Applies a channel's answer to a locked row.
    private func apply(_ status: PayoutStatus, orderID: String, attempts: Int, on connection: PostgresConnection) async throws {
        // A verified report: from now on the channel holds this payout (see `hold`). Noted as the row is read.
        let current = try await connection.query(
            """
            UPDATE withdrawal_requests SET acknowledged_at = coalesce(acknowledged_at, now()) WHERE order_id = \(orderID)
            RETURNING payout_state, amount_fen
            """)
        if let state = try current.first?.decode(String?.self, column: "payout_state"), ["succeeded", "failed", "cancelled"].contains(state) {
            // Already final: a repeated report changes nothing, a contradicting one is an operator's case.
            let reported = status.state.rawValue
            if reported != state && (state == "succeeded" || status.state == .succeeded) {
                services.logger.critical(
                    "payout reported \(reported) after it was recorded \(state); reconcile it with the channel",
                    metadata: ["order_id": "\(orderID)", "channel_payout_id": "\(status.channelPayoutID ?? "")"])
            }
            return
        }
        if let reported = status.amount, let expected = try current.first?.decode(Int64.self, column: "amount_fen"), reported.fen != expected {
            // The channel speaks of another amount than the withdrawal's: neither settled nor unfrozen on its word.
            // The money stays frozen, the channel is asked again later, and an operator reconciles it. The channel
            // holds a payout under this number, so an earlier refusal no longer counts (`refused_at` cleared: a later
            // "no such payout" must not fail, and unfreeze, a withdrawal the channel has paid).
            let reason = "\(status.channel.rawValue) reports \(reported.fen) fen (\(status.rawState)) for a withdrawal of \(expected) fen"
            services.logger.critical(
                "payout amount differs from the withdrawal; held frozen for an operator",
                metadata: ["order_id": "\(orderID)", "reported_fen": "\(reported.fen)", "withdrawal_fen": "\(expected)",
                           "reported_state": "\(status.rawState)", "channel_payout_id": "\(status.channelPayoutID ?? "")"])
            try await connection.execute(
                """
                UPDATE withdrawal_requests SET payout_state = 'processing', failure_reason = \(reason), refused_at = NULL,
                       channel_payout_id = coalesce(\(status.channelPayoutID), channel_payout_id), payout_attempts = payout_attempts + 1,
                       next_attempt_at = now() + make_interval(secs => \(Self.backoffSeconds(attempts))), updated_at = now()
                WHERE order_id = \(orderID)
                """)
            return
        }
        switch status.state {
        case .succeeded:
            let event = try MoneyEvent(
                payload: .withdrawalPaidOut(try WithdrawalPaidOut(orderID: orderID, channelTransactionID: status.channelPayoutID ?? orderID)),
                occurredAt: services.now(), correlationID: "payout-\(orderID)")
            try await services.publisher.enqueue(event, family: .withdrawals, on: connection)
            try await connection.execute(
                """
                UPDATE withdrawal_requests SET payout_state = 'succeeded', channel_payout_id = \(status.channelPayoutID),
                       payout_attempts = payout_attempts + 1, failure_reason = NULL, refused_at = NULL, updated_at = now() WHERE order_id = \(orderID)
                """)
            services.logger.info("withdrawal paid out", metadata: ["order_id": "\(orderID)", "channel_payout_id": "\(status.channelPayoutID ?? "")"])
        case .failed, .cancelled:
            try await apply(failure: status.failureReason ?? "payout \(status.rawState)", orderID: orderID, on: connection, state: status.state.rawValue)
        case .processing, .awaitingUserConfirmation:
            try await connection.execute(
                """
                UPDATE withdrawal_requests SET payout_state = \(status.state.rawValue), channel_payout_id = coalesce(\(status.channelPayoutID), channel_payout_id),
                       package_info = coalesce(\(status.packageInfo), package_info),
                       payout_attempts = payout_attempts + 1, next_attempt_at = now() + make_interval(secs => \(Self.backoffSeconds(attempts))),
                       failure_reason = NULL, refused_at = NULL, updated_at = now() WHERE order_id = \(orderID)
                """)
        }
    }

    /// A refused request that the channel may have accepted all the same: `processing`, with the refusal noted,
    /// so that the next round asks the channel instead of unfreezing.
    private func noteRefusal(_ reason: String, orderID: String, attempts: Int, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            UPDATE withdrawal_requests SET payout_state = 'processing', failure_reason = \(reason), refused_at = now(),
                   payout_attempts = payout_attempts + 1,
                   next_attempt_at = now() + make_interval(secs => \(Self.backoffSeconds(attempts))), updated_at = now()
            WHERE order_id = \(orderID)
            """)
        services.logger.warning(
            "payout refused; asking the channel before unfreezing", metadata: ["order_id": "\(orderID)", "reason": "\(reason)"])
    }

    /// A destination (or amount, or channel) changed without the keys: not sent; noted as a refusal, so that the channel
    /// is asked and, holding nothing, the withdrawal fails and is unfrozen (see the type's guarantees).
    private func refuseChanged(_ detail: String, orderID: String, attempts: Int, on connection: PostgresConnection) async throws {
        services.logger.critical(
            "a withdrawal's destination, amount or channel was changed in the database without the keys; not sent",
            metadata: ["order_id": "\(orderID)", "error": "\(detail)"])
        try await noteRefusal(Self.changedWithoutKeys + " before the payout was sent", orderID: orderID, attempts: attempts, on: connection)
    }

    /// The reason a withdrawal whose destination was changed without the keys fails with.
    static let changedWithoutKeys = "its destination, amount or channel was changed without the keys"

    private func apply(failure reason: String, orderID: String, on connection: PostgresConnection, state: String = "failed") async throws {
        let reason = Self.eventReason(reason, state: state)
        let event = try MoneyEvent(
            payload: .withdrawalFailed(try WithdrawalFailed(orderID: orderID, reason: reason)),
            occurredAt: services.now(), correlationID: "payout-\(orderID)")
        try await services.publisher.enqueue(event, family: .withdrawals, on: connection)
        try await connection.execute(
            """
            UPDATE withdrawal_requests SET payout_state = \(state), failure_reason = \(reason), payout_attempts = payout_attempts + 1,
                   updated_at = now() WHERE order_id = \(orderID)
            """)
        services.logger.warning("withdrawal payout failed; it will be unfrozen", metadata: ["order_id": "\(orderID)", "reason": "\(reason)"])
    }

    /// A report that contradicts what the channel said before: the money stays frozen, the reason is shown, the
    /// channel is asked again later, and it is logged as critical for an operator.
    /// `heldFor` is the row's reason as claimed; logged when the reason is new, not at every question while it stays held.
    private func hold(_ reason: String, orderID: String, attempts: Int, heldFor: String?, on connection: PostgresConnection) async throws {
        if heldFor != String(reason.prefix(500)) {
            services.logger.critical(
                "payout contradicts the channel's earlier report; held frozen for an operator", metadata: ["order_id": "\(orderID)", "reason": "\(reason)"])
        }
        try await connection.execute(
            """
            UPDATE withdrawal_requests SET failure_reason = \(String(reason.prefix(500))), payout_attempts = payout_attempts + 1,
                   next_attempt_at = now() + make_interval(secs => \(Self.backoffSeconds(attempts))), updated_at = now()
            WHERE order_id = \(orderID)
            """)
    }

    private func later(_ orderID: String, attempts: Int, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            UPDATE withdrawal_requests SET payout_attempts = payout_attempts + 1,
                   next_attempt_at = now() + make_interval(secs => \(Self.backoffSeconds(attempts))), updated_at = now()
            WHERE order_id = \(orderID)
            """)
    }

    static func backoffSeconds(_ attempts: Int) -> Int { min(60, 2 << min(attempts, 5)) }



    /// A channel's failure text as an event's reason: control characters become spaces, at most 200 characters,
    /// and a blank text says the state instead (an event refuses a blank or controlled reason, and one bad text
    /// must not stop the payouts behind it).
    static func eventReason(_ text: String, state: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars.prefix(200) {
            scalars.append(scalar.properties.generalCategory == .control ? " " : scalar)
        }
        let cleaned = String(scalars)
        return cleaned.unicodeScalars.allSatisfy(\.properties.isWhitespace) ? "payout \(state)" : cleaned
    }
}
