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

        init(row: PostgresRow) throws {
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
        }
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
                let refund = try await record(context.parameters.get("refundOrderId") ?? "")
                guard viewer.mayRead(refund.account) else {
                    throw APIError.notFound("refund.not_found", "no refund for this caller")
                }
                return .json(.ok, refund)
            }
        }
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

    func record(_ refundOrderID: String) async throws -> RefundRecord {
        let rows = try await services.store.postgres.query(
            """
            SELECT r.refund_order_id, r.original_order_id, r.account_id, r.channel, r.amount_fen,
                   CASE WHEN o.status IS NOT NULL THEN o.status WHEN k.result LIKE 'rejected:%' THEN 'refused' ELSE 'pending' END AS status,
                   CASE WHEN o.status IS NULL AND k.result LIKE 'rejected:%' THEN substr(k.result, 10) END AS refusal,
                   r.channel_state, r.channel_refund_id, r.reason, r.created_at
            FROM refund_requests r LEFT JOIN orders o ON o.order_id = r.refund_order_id
                 LEFT JOIN processed_keys k ON k.idempotency_key = 'refund:' || r.refund_order_id
            WHERE r.refund_order_id = \(refundOrderID)
            """)
        guard let row = rows.first else { throw APIError.notFound("refund.not_found", "no refund \(refundOrderID)") }
        return try RefundRecord(row: row)
    }
}
