import Foundation
import Hummingbird
import PaystreamCore

/// A caller's balance and orders.
///
/// - `GET /v1/balance` → `{"account","availableFen","frozenFen"}`
/// - `GET /v1/orders?limit=N&cursor=C` → `{"orders":[…],"nextCursor"}` the caller's orders, newest first (N ≤ 100,
///   default 20); pass `nextCursor` back as `cursor` for the next page (absent on the last page)
/// - `GET /v1/orders/{orderId}` → the order (owner, counterparty or an admin only)
/// - `GET /v1/orders/{orderId}/qr.png` → the QR code the payer scans, as a PNG
struct AccountRoutes: Sendable {
    let services: APIServices

    func register(on router: Router<APIRequestContext>) {
        router.get("/v1/balance") { request, _ in
            await handle(request, services) { _ in
                let caller = try Caller.account(of: request)
                return .json(.ok, try await services.store.balance(caller))
            }
        }
        router.get("/v1/orders") { request, _ in
            await handle(request, services) { _ in
                let caller = try Caller.account(of: request)
                let limit = try PageCursor.limit(request.uri.queryParameters.get("limit").map { String($0) }, default: 20)
                let cursor = try PageCursor.parse(request.uri.queryParameters.get("cursor").map { String($0) })
                let orders = try await services.store.orders(ownedBy: caller, limit: limit, after: cursor)
                struct Page: Encodable { var orders: [OrderRecord]; var nextCursor: String? }
                let next = orders.count == limit ? orders.last.map { PageCursor(id: $0.orderId).token } : nil
                return .json(.ok, Page(orders: orders, nextCursor: next))
            }
        }
        router.get("/v1/orders/:orderId") { request, context in
            await handle(request, services) { _ in
                .json(.ok, try await visibleOrder(request, context))
            }
        }
        router.get("/v1/orders/:orderId/qr.png") { request, context in
            await handle(request, services) { _ in
                let order = try await visibleOrder(request, context)
                guard let text = order.codeUrl else {
                    throw APIError.notFound("order.no_qr_code", "order \(order.orderId) has no QR code (pay it at its payUrl)")
                }
                return .bytes(.ok, try services.png(text), contentType: "image/png")
            }
        }
    }

    /// The order, if the caller may see it: its owner or counterparty, or an operator.
    func visibleOrder(_ request: Request, _ context: APIRequestContext) async throws -> OrderRecord {
        let orderID = context.parameters.get("orderId") ?? ""
        let viewer = try Caller.viewer(of: request)
        guard let order = try await services.store.order(orderID), viewer.mayRead(order.owner, order.counterparty) else { throw APIError.notFound("order.not_found", "no order \(orderID) for this caller") }
        return order
    }
}
