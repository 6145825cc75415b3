import Channels
import Foundation
import Hummingbird
import PaystreamCore
import Postgres

/// Recharge: a user pays into their wallet through WeChat Pay (Native QR) or Alipay (precreate QR, or the
/// cashier page to redirect to).
///
/// `POST /v1/recharges` `{"amountFen":1000,"channel":"wechat"|"alipay","mode":"qr"|"page"}` → 201 with the
/// order (status `created`), its `codeUrl` (the text of the QR code; also `GET /v1/orders/{id}/qr.png`) or
/// `payUrl` (Alipay's cashier). The wallet is credited when the channel's notify has been verified, put on
/// Kafka and applied by the worker; the order then reads `paid`.
struct RechargeRoutes: Sendable {
    let services: APIServices

    struct Body: Decodable {
        var amountFen: Int64?
        var channel: Channel?
        var mode: String?
        var description: String?
    }

    func register(on router: Router<APIRequestContext>) {
        router.post("/v1/recharges") { request, _ in
            await handle(request, services) { correlationID in
                var request = request
                let caller = try Caller.account(of: request)
                guard caller.kind == .user else { throw APIError.forbidden("recharge.users_only", "only users recharge a wallet") }
                let body = try await request.decode(Body.self)
                let amount = try services.amount(body.amountFen)
                guard let channel = body.channel else { throw APIError.badRequest("request.missing_field", "channel is required") }
                guard [nil, "qr", "page"].contains(body.mode) else {
                    throw APIError.badRequest("recharge.mode_unsupported", "mode is qr (the default) or page")
                }
                let orderID = services.orderNumber(.recharge, user: caller.name)
                let order = try await PaymentOrders(services: services).create(
                    orderID: orderID, kind: .recharge, purpose: .recharge, account: caller, amount: amount, channel: channel,
                    page: body.mode == "page", description: try InputText.optional(body.description, field: "description", maxCharacters: 127, default: "Paystream 充值"),
                    collectCodeID: nil,
                    correlationID: correlationID)
                return .json(.created, order)
            }
        }
    }
}

/// Creates a payment order at the channel and records it, for recharges and collections alike.
struct PaymentOrders: Sendable {
    let services: APIServices

    func create(
        orderID: String, kind: OrderKind, purpose: PaymentSucceeded.Purpose, account: AccountID, amount: Amount,
        channel: Channel, page: Bool, description: String, collectCodeID: String?, correlationID: String,
        also: ((PostgresConnection) async throws -> Void)? = nil
    ) async throws -> OrderRecord {
        let client = try services.channels.payments(channel)
        let paymentOrder = PaymentOrder(
            outTradeNo: orderID, amount: amount, description: description,
            expiresAt: services.now().addingTimeInterval(2 * 3600))
        var codeURL: String?
        var payURL: String?
        do {
            if page {
                guard channel == .alipay else {
                    throw APIError.badRequest("recharge.mode_unsupported", "mode page is Alipay's cashier; WeChat pays by QR")
                }
                payURL = try services.channels.alipay.pagePayURL(paymentOrder)
            } else {
                codeURL = try await client.createQRPayment(paymentOrder).codeURL
            }
        } catch let error as ChannelError {
            services.logger.warning("channel refused the order", metadata: ["order_id": "\(orderID)", "error": "\(error)"])
            throw APIError(.badGateway, "channel.unavailable", "\(channel.rawValue) did not create the order: \(error.code)")
        }
        try await services.store.insert(
            PaymentStore.NewPayment(
                orderID: orderID, kind: kind, purpose: purpose, account: account, amount: amount, channel: channel,
                codeURL: codeURL, payURL: payURL, collectCodeID: collectCodeID, correlationID: correlationID),
            also: also)
        services.logger.info(
            "payment order created",
            metadata: ["order_id": "\(orderID)", "kind": "\(kind.rawValue)", "channel": "\(channel.rawValue)", "fen": "\(amount.fen)", "correlation_id": "\(correlationID)"])
        guard let record = try await services.store.order(orderID) else {
            throw APIError(.internalServerError, "store.lost", "order \(orderID) vanished after insert")
        }
        return record
    }
}
