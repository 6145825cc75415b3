import Foundation
import Hummingbird
import PaystreamCore

/// Scan-to-collect for merchants.
///
/// - Static code: `POST /v1/collect-codes` `{"description","amountFen"?}` (merchant) → 201 a permanent code whose
///   QR (`GET /v1/collect-codes/{codeId}/qr.png`) encodes the payer's page `<publicURL>/v1/collect/{codeId}`.
///   The payer's page calls `POST /v1/collect/{codeId}` `{"channel","amountFen"}` (no account: the payer is
///   outside the platform; the amount is typed by the payer unless the code fixes it) → 201 a collection order
///   with the channel's `codeUrl` to pay. At most ``ordersPerCodePerMinute`` a minute per code (429
///   `collect.rate_limited` with `Retry-After` beyond): the route is public and each order costs a channel call.
///   The merchant disables a code with `DELETE /v1/collect-codes/{codeId}` (204; kept, as orders name it); the
///   payer's route then answers 410 `collect.code_disabled`.
/// - Dynamic code: `POST /v1/collections` `{"amountFen","channel","description"?}` (merchant) → 201 a collection
///   order for that amount with the channel's `codeUrl` (show `GET /v1/orders/{id}/qr.png` to the payer).
/// Either way the merchant's available balance rises when the notify has been applied (order `paid`).
struct CollectionRoutes: Sendable {
    let services: APIServices

    /// Payments one static code may start a minute: one a second on average, far above a till's pace.
    static let ordersPerCodePerMinute = 60

    struct CodeBody: Decodable {
        var description: String?
        var amountFen: Int64?
    }

    struct PayBody: Decodable {
        var channel: Channel?
        var amountFen: Int64?
    }

    struct DynamicBody: Decodable {
        var amountFen: Int64?
        var channel: Channel?
        var description: String?
    }

    struct CodeView: Encodable {
        var code: PaymentStore.CollectCode
        var payPageUrl: String
        var qrImagePath: String
    }

    func register(on router: Router<APIRequestContext>) {
        router.post("/v1/collect-codes") { request, _ in
            await handle(request, services) { _ in
                var request = request
                let merchant = try merchantCaller(request)
                let body = try await request.decode(CodeBody.self)
                let fixed = try body.amountFen.map { fen throws(APIError) in try services.amount(fen) }
                let description = try InputText.required(body.description, field: "description", maxCharacters: 127)
                let code = PaymentStore.CollectCode(
                    codeId: OrderNumbers.make(.collectCode, now: services.now()), merchant: merchant.description,
                    amountFen: fixed?.fen, description: description)
                try await services.store.insert(code)
                return .json(.created, view(code))
            }
        }
        router.get("/v1/collect-codes/:codeId") { request, context in
            await handle(request, services) { _ in .json(.ok, view(try await code(context))) }
        }
        router.get("/v1/collect-codes/:codeId/qr.png") { request, context in
            await handle(request, services) { _ in
                .bytes(.ok, try services.png(view(try await code(context)).payPageUrl), contentType: "image/png")
            }
        }
        router.post("/v1/collect/:codeId") { request, context in
            await handle(request, services) { correlationID in
                var request = request
                let code = try await code(context)
                guard code.disabledAt == nil else {
                    throw APIError(.gone, "collect.code_disabled", "this collection code was disabled by its merchant")
                }
                let body = try await request.decode(PayBody.self)
                guard let channel = body.channel else { throw APIError.badRequest("request.missing_field", "channel is required") }
                let amount: Amount
                if let fixed = code.amountFen {
                    guard body.amountFen == nil || body.amountFen == fixed else {
                        throw APIError.unprocessable("collect.amount_fixed", "this code collects exactly \(fixed) fen")
                    }
                    amount = try services.amount(fixed)
                } else {
                    amount = try services.amount(body.amountFen)
                }
                guard let merchant = AccountID(code.merchant) else {
                    throw APIError(.internalServerError, "store.corrupt", "collect code \(code.codeId) names no merchant")
                }
                // Anyone holding the printed code may ask, without an account: each ask costs a channel order (the
                // merchant's quota at WeChat Pay or Alipay) and rows the poller then follows for hours.
                let limit = WindowLimit(
                    redis: services.security.redis, key: "\(services.security.keyPrefix)collect:orders:\(code.codeId)",
                    max: Self.ordersPerCodePerMinute, windowSeconds: 60)
                if let wait = try await limit.claim() {
                    return APIError(
                        .tooManyRequests, "collect.rate_limited",
                        "this code was asked for \(Self.ordersPerCodePerMinute) payments within the minute; retry later"
                    ).response(correlationID: correlationID, retryAfterSeconds: wait)
                }
                let order = try await PaymentOrders(services: services).create(
                    orderID: services.orderNumber(.collection, merchant: merchant.name), kind: .collection, purpose: .collection,
                    account: merchant, amount: amount, channel: channel, page: false, description: code.description,
                    collectCodeID: code.codeId, correlationID: correlationID)
                return .json(.created, order)
            }
        }
        router.delete("/v1/collect-codes/:codeId") { request, context in
            await handle(request, services) { correlationID in
                let merchant = try merchantCaller(request)
                let codeID = context.parameters.get("codeId") ?? ""
                guard try await services.store.disableCollectCode(codeID, of: merchant) else {
                    throw APIError.notFound("collect.code_not_found", "no collection code \(codeID) of this merchant")
                }
                services.logger.notice(
                    "collection code disabled", metadata: ["code_id": "\(codeID)", "merchant": "\(merchant)", "correlation_id": "\(correlationID)"])
                return Response(status: .noContent)
            }
        }
        router.post("/v1/collections") { request, _ in
            await handle(request, services) { correlationID in
                var request = request
                let merchant = try merchantCaller(request)
                let body = try await request.decode(DynamicBody.self)
                let amount = try services.amount(body.amountFen)
                guard let channel = body.channel else { throw APIError.badRequest("request.missing_field", "channel is required") }
                let order = try await PaymentOrders(services: services).create(
                    orderID: services.orderNumber(.collection, merchant: merchant.name), kind: .collection, purpose: .collection,
                    account: merchant, amount: amount, channel: channel, page: false,
                    description: try InputText.optional(body.description, field: "description", maxCharacters: 127, default: "Paystream 收款"),
                    collectCodeID: nil, correlationID: correlationID)
                return .json(.created, order)
            }
        }
    }

    private func merchantCaller(_ request: Request) throws(APIError) -> AccountID {
        let caller = try Caller.account(of: request)
        guard caller.kind == .merchant else { throw .forbidden("collect.merchants_only", "only merchants collect payments") }
        return caller
    }

    private func code(_ context: APIRequestContext) async throws -> PaymentStore.CollectCode {
        let codeID = context.parameters.get("codeId") ?? ""
        guard let code = try await services.store.collectCode(codeID) else {
            throw APIError.notFound("collect.code_not_found", "no collection code \(codeID)")
        }
        return code
    }

    private func view(_ code: PaymentStore.CollectCode) -> CodeView {
        let base = services.publicURL.hasSuffix("/") ? String(services.publicURL.dropLast()) : services.publicURL
        return CodeView(code: code, payPageUrl: "\(base)/v1/collect/\(code.codeId)", qrImagePath: "/v1/collect-codes/\(code.codeId)/qr.png")
    }
}
