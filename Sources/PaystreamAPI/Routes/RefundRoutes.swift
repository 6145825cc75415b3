import Channels
import EventBus
import Foundation
import Hummingbird
import PaystreamCore
import Postgres

/// Refunds of a paid recharge or collection, full or partial, back through the channel it was paid with.
///
/// `POST /v1/refunds` `{"orderId","amountFen","reason"?}` by the order's owner → 202 `{"refundOrderId",…}`. The
/// worker takes the amount from the owner's available balance (refusing more than was paid, or more than the
/// balance holds) and creates the refund order; the refund dispatcher then asks the channel to refund it
/// (idempotent on the refund order number) and follows it to the channel's refund notify or query.
/// `GET /v1/refunds/{refundOrderId}` shows both sides. A payment older than its channel's refund window
/// (`APIServices.refundWindowDays`) is refused at once, 409 `refund.window_closed`.
///
/// Back office (an operator's session): `GET /v1/admin/refunds/held?limit=N` lists the refunds the dispatcher holds
/// for an operator (``RefundDispatcher``: abnormal at the channel, reported for another amount, or accepted and then
/// unknown to it), oldest first; `POST /v1/admin/refunds/{refundOrderId}/resolve`
/// `{"outcome":"succeeded"|"returned","reason","channelReference"?}` resolves one once
/// (``resolve(_:admin:body:correlationID:)``). Both kinds of decision go to the audit trail.
struct RefundRoutes: Sendable {
    let services: APIServices

    struct Body: Decodable {
        var orderId: String?
        var amountFen: Int64?
        var reason: String?
    }

    struct RefundRecord: Encodable {
        var refundOrderId: String
        var originalOrderId: String
        var account: String
        var channel: String
        var amountFen: Int64
        /// The ledger's refund order status (`refunded` once the money left the wallet, `failed` once it came back
        /// because the channel closed the refund), `refused` when the ledger refused the request (``refusal`` says
        /// why; nothing moved), or `pending`.
        var status: String
        /// The ledger's reason code for a `refused` refund (`refund.exceeds_original`, `balance.insufficient_available`…).
        var refusal: String?
        var channelState: String?
        var channelRefundId: String?
        var reason: String?
        var createdAt: Date
        /// Operators only: why the dispatcher holds the refund for an operator, and since when (nil when it is not held).
        var heldReason: String?
        var heldSince: Date?
        /// Operators only: an operator's resolution of a held refund, `succeeded` or `returned`, by whom, why and when.
        var resolution: String?
        var resolvedBy: String?
        var resolutionReason: String?
        var resolvedAt: Date?

        init(row: PostgresRow, forOperator: Bool) throws {
            refundOrderId = try row.decode(String.self, column: "refund_order_id")
            originalOrderId = try row.decode(String.self, column: "original_order_id")
            account = try row.decode(String.self, column: "account_id")
            channel = try row.decode(String.self, column: "channel")
            amountFen = try row.decode(Int64.self, column: "amount_fen")
            status = try row.decode(String.self, column: "status")
            refusal = try row.decode(String?.self, column: "refusal")
            channelState = try row.decode(String?.self, column: "channel_state")
            channelRefundId = try row.decode(String?.self, column: "channel_refund_id")
            reason = try row.decode(String?.self, column: "reason")
            createdAt = try row.decode(Date.self, column: "created_at")
            guard forOperator else { return }
            heldReason = try row.decode(String?.self, column: "held_reason")
            heldSince = try row.decode(Date?.self, column: "held_since")
            resolution = try row.decode(String?.self, column: "resolution")
            resolvedBy = try row.decode(String?.self, column: "resolved_by")
            resolutionReason = try row.decode(String?.self, column: "resolution_reason")
            resolvedAt = try row.decode(Date?.self, column: "resolved_at")
        }
    }

    struct ResolveBody: Decodable {
        var outcome: String?
        var reason: String?
        var channelReference: String?
    }

    func register(on router: Router<APIRequestContext>) {
        router.post("/v1/refunds") { request, _ in
            await handle(request, services) { correlationID in
                var request = request
                let caller = try Caller.account(of: request)
                let body = try await request.decode(Body.self)
                let refundOrderID = try await requestRefund(caller, body, correlationID: correlationID)
                return .json(.accepted, try await record(refundOrderID))
            }
        }
        router.get("/v1/refunds/:refundOrderId") { request, context in
            await handle(request, services) { _ in
                let viewer = try Caller.viewer(of: request)
                let isOperator = if case .admin = viewer { true } else { false }
                let refund = try await record(context.parameters.get("refundOrderId") ?? "", forOperator: isOperator)
                guard viewer.mayRead(refund.account) else {
                    throw APIError.notFound("refund.not_found", "no refund for this caller")
                }
                return .json(.ok, refund)
            }
        }
        router.get("/v1/admin/refunds/held") { request, _ in
            await handle(request, services) { _ in
                _ = try Caller.admin(of: request)
                let limit = try request.uri.queryParameters.get("limit").map { text throws(APIError) -> Int in
                    guard let limit = Int(text), (1...500).contains(limit) else {
                        throw APIError.badRequest("request.invalid_field", "limit is 1...500")
                    }
                    return limit
                } ?? 100
                return .json(.ok, ["refunds": try await held(limit: limit)])
            }
        }
        router.post("/v1/admin/refunds/:refundOrderId/resolve") { request, context in
            await handle(request, services) { correlationID in
                var request = request
                let admin = try Caller.admin(of: request)
                let refundOrderID = context.parameters.get("refundOrderId") ?? ""
                let record = try await ConsoleAudit(postgres: services.store.postgres, logger: services.logger).decision(
                    admin: admin, action: "refund.resolve", subject: refundOrderID, correlationID: correlationID
                ) {
                    try await resolve(refundOrderID, admin: admin, body: try await request.decode(ResolveBody.self), correlationID: correlationID)
                } detail: { record in
                    "\(record.account) \(record.amountFen) fen via \(record.channel), \(record.resolution ?? "") (\(record.resolutionReason ?? ""))"
                }
                return .json(.ok, record)
            }
        }
    }

    /// An operator's resolution of a refund the dispatcher holds (`held_reason`), after checking it with the channel:
    /// - `succeeded`: the channel paid the payer (`channelReference`, the channel's refund id, when known). Recorded
    ///   `succeeded`; nothing moves (the money left the wallet when the refund was applied).
    /// - `returned`: the channel holds no refund and will pay none. The money goes back to the payer's wallet
    ///   (`refundReturned`, or the sender's for an expired envelope's rest: `envelopeRestReturned`), through the
    ///   outbox in the same transaction, with the operator's name and reason in the event's reason.
    ///
    /// Under the row's lock, so the dispatcher (which claims rows with SKIP LOCKED) cannot act on it meanwhile; once
    /// resolved, it asks the channel no more, and a later report of the channel the other way is logged as critical.
    /// A refund not held, already settled, given up or resolved is refused: 409 `refund.not_resolvable`.
    func resolve(_ refundOrderID: String, admin: String, body: ResolveBody, correlationID: String) async throws -> RefundRecord {
        guard let outcome = body.outcome, ["succeeded", "returned"].contains(outcome) else {
            throw APIError.badRequest("request.invalid_field", "outcome must be succeeded or returned")
        }
        let reason = try InputText.required(body.reason, field: "reason", maxCharacters: 200)
        if let reference = body.channelReference, !ChannelIdentifiers.isIdentifier(reference, lengths: 1...64) {
            throw APIError.badRequest("request.invalid_field", "channelReference is 1...64 letters, digits or _-|*")
        }
        try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT r.channel_state, r.held_reason, r.resolved_by, r.given_up_at IS NOT NULL AS given_up, o.status
                FROM refund_requests r LEFT JOIN orders o ON o.order_id = coalesce(r.ledger_order_id, r.refund_order_id)
                WHERE r.refund_order_id = \(refundOrderID) FOR UPDATE OF r
                """)
            guard let row = rows.first else { throw APIError.notFound("refund.not_found", "no refund \(refundOrderID)") }
            let state = try row.decode(String?.self, column: "channel_state") ?? "not sent"
            let held = try row.decode(String?.self, column: "held_reason") != nil
            let status = try row.decode(String?.self, column: "status") ?? "pending"
            guard try row.decode(String?.self, column: "resolved_by") == nil, held, try !row.decode(Bool.self, column: "given_up"),
                ["processing", "abnormal"].contains(state), ["refunded", "expired"].contains(status)
            else {
                throw APIError.conflict(
                    "refund.not_resolvable",
                    "refund \(refundOrderID) is \(status), at the channel \(state)\(held ? "" : ", not held"): only a refund the dispatcher holds is resolved, once")
            }
            // The channel's refund id is kept only for a refund it paid.
            let reference = outcome == "succeeded" ? body.channelReference : nil
            try await connection.execute(
                """
                UPDATE refund_requests SET resolved_by = \(admin), resolution = \(outcome), resolution_reason = \(reason), resolved_at = now(),
                       channel_state = CASE WHEN \(outcome) = 'succeeded' THEN 'succeeded' ELSE channel_state END,
                       channel_refund_id = coalesce(\(reference), channel_refund_id),
                       given_up_at = CASE WHEN \(outcome) = 'returned' THEN now() END,
                       next_attempt_at = NULL, updated_at = now()
                WHERE refund_order_id = \(refundOrderID)
                """)
            if outcome == "returned" {
                // Nothing is resolved unless the money's return is in the outbox with it (the transaction rolls back).
                guard
                    try await RefundDispatcher(services: services).returnToPayer(
                        refundOrderID: refundOrderID, rawState: "RESOLVED", reason: "returned by \(admin): \(reason)",
                        correlationID: correlationID, on: connection)
                else { throw ResolveFailure(refundOrderID: refundOrderID) }
            }
        }
        services.logger.notice(
            "held refund resolved",
            metadata: [
                "refund_order_id": "\(refundOrderID)", "admin": "\(admin)", "outcome": "\(outcome)", "reason": "\(reason)",
                "correlation_id": "\(correlationID)",
            ])
        return try await record(refundOrderID, forOperator: true)
    }

    /// A refund whose row does not say whom to return its money to (logged as critical by the dispatcher): a 500.
    struct ResolveFailure: Error, CustomStringConvertible {
        let refundOrderID: String
        var description: String { "refund \(refundOrderID): its channel or payer cannot be read; nothing was resolved" }
    }

    /// The refunds held for an operator and not resolved, oldest hold first.
    func held(limit: Int) async throws -> [RefundRecord] {
        let rows = try await services.store.postgres.query(
            "\(unsafeRaw: Self.recordSelect) WHERE r.held_since IS NOT NULL AND r.resolved_at IS NULL ORDER BY r.held_since, r.refund_order_id LIMIT \(limit)")
        return try rows.map { try RefundRecord(row: $0, forOperator: true) }
    }

    func requestRefund(_ caller: AccountID, _ body: Body, correlationID: String) async throws -> String {
        guard let orderID = body.orderId else { throw APIError.badRequest("request.missing_field", "orderId is required") }
        let amount = try services.amount(body.amountFen)
        guard let order = try await services.store.order(orderID), order.owner == caller.description else {
            throw APIError.notFound("order.not_found", "no order \(orderID) for this caller")
        }
        guard ["recharge", "collection"].contains(order.kind), order.status == "paid",
            let channelName = order.channel, let channel = Channel(rawValue: channelName), channel != .bill99
        else {
            throw APIError.conflict("refund.not_refundable", "order \(orderID) is a \(order.status) \(order.kind)")
        }
        // The channel takes refunds only for so long after the payment: refused here, not sent to be refused there.
        let windowDays = services.refundWindowDays[channel] ?? 0
        let paidAt = try await paidAt(order)
        guard services.now() < paidAt.addingTimeInterval(Double(windowDays) * 86_400) else {
            throw APIError.conflict(
                "refund.window_closed",
                "\(channel.rawValue) payments can be refunded for \(windowDays) days; \(orderID) was paid \(paidAt.formatted(.iso8601))")
        }
        // Quick answers; the worker decides under the row locks.
        let pending = try await pendingRefunds(of: orderID)
        guard amount.fen <= order.amountFen - order.settledFen - pending else {
            throw APIError.conflict(
                "refund.exceeds_original", "at most \(order.amountFen - order.settledFen - pending) fen of \(orderID) can still be refunded")
        }
        let balance = try await services.store.balance(caller)
        guard balance.availableFen >= amount.fen else {
            throw APIError.conflict("balance.insufficient_available", "available \(balance.availableFen) fen is less than \(amount.fen) fen")
        }
        // A refund takes its original order's route (its events are keyed by the original order).
        let refundOrderID = OrderNumbers.make(.refund, now: services.now(), route: TrafficRoute.of(orderKey: orderID))
        let event = try MoneyEvent(
            payload: .refundRequested(
                try RefundRequested(
                    refundOrderID: refundOrderID, originalOrderID: orderID, payer: caller, amount: amount, destination: .channel(channel))),
            occurredAt: services.now(), correlationID: correlationID)
        let reason = try InputText.optional(body.reason, field: "reason", maxCharacters: 80)
        try await services.store.postgres.withTransaction { connection in
            try await connection.execute(
                """
                INSERT INTO refund_requests (refund_order_id, original_order_id, account_id, channel, amount_fen, total_fen, reason)
                VALUES (\(refundOrderID), \(orderID), \(caller.description), \(channel.rawValue), \(amount.fen), \(order.amountFen), \(reason))
                """)
            try await services.publisher.enqueue(event, family: .refunds, on: connection)
        }
        services.logger.info(
            "refund requested",
            metadata: ["refund_order_id": "\(refundOrderID)", "order_id": "\(orderID)", "fen": "\(amount.fen)", "correlation_id": "\(correlationID)"])
        return refundOrderID
    }

    /// When the ledger recorded `order` paid (its first `paid` flow), which is no earlier than the channel's own time
    /// of the payment; the order's creation for a row without one.
    private func paidAt(_ order: OrderRecord) async throws -> Date {
        let rows = try await services.store.postgres.query(
            "SELECT min(created_at) AS paid_at FROM order_flows WHERE order_id = \(order.orderId) AND to_status = 'paid'")
        return try rows.first?.decode(Date?.self, column: "paid_at") ?? order.createdAt
    }

    /// Refunds requested for an order that the worker has neither applied nor refused yet.
    private func pendingRefunds(of orderID: String) async throws -> Int64 {
        let rows = try await services.store.postgres.query(
            """
            SELECT coalesce(sum(r.amount_fen), 0)::bigint AS fen FROM refund_requests r
            WHERE r.original_order_id = \(orderID) AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.order_id = r.refund_order_id)
              AND NOT EXISTS (
                  SELECT 1 FROM processed_keys k WHERE k.idempotency_key = 'refund:' || r.refund_order_id AND k.result LIKE 'rejected:%')
              AND r.created_at > now() - interval '1 hour'
            """)
        return try rows.first?.decode(Int64.self, column: "fen") ?? 0
    }

    /// A refund's columns as ``RefundRecord`` reads them.
    static let recordSelect = """
        SELECT r.refund_order_id, r.original_order_id, r.account_id, r.channel, r.amount_fen,
               CASE WHEN o.status IS NOT NULL THEN o.status WHEN k.result LIKE 'rejected:%' THEN 'refused' ELSE 'pending' END AS status,
               CASE WHEN o.status IS NULL AND k.result LIKE 'rejected:%' THEN substr(k.result, 10) END AS refusal,
               r.channel_state, r.channel_refund_id, r.reason, r.created_at,
               r.held_reason, r.held_since, r.resolution, r.resolved_by, r.resolution_reason, r.resolved_at
        FROM refund_requests r LEFT JOIN orders o ON o.order_id = r.refund_order_id
             LEFT JOIN processed_keys k ON k.idempotency_key = 'refund:' || r.refund_order_id
        """

    func record(_ refundOrderID: String, forOperator: Bool = false) async throws -> RefundRecord {
        let rows = try await services.store.postgres.query("\(unsafeRaw: Self.recordSelect) WHERE r.refund_order_id = \(refundOrderID)")
        guard let row = rows.first else { throw APIError.notFound("refund.not_found", "no refund \(refundOrderID)") }
        return try RefundRecord(row: row, forOperator: forOperator)
    }
}
