import Foundation
import Hummingbird
import PaystreamCore

/// The simulated WeChat Pay API v3: Native orders, query, close, refunds, transfers to balance and trade bills.
///
/// Guarantees: every request must carry a valid merchant Authorization signature (else 401 `SIGN_ERROR`); every
/// answer, errors included, is signed with the platform key in the `Wechatpay-*` headers over
/// "TIMESTAMP\nNONCE\nBODY\n" (except the bill file itself, which WeChat Pay does not sign either).
struct WeChatPayEndpoints: Sendable {
    let core: SandboxCore

    enum Reply {
        case json(HTTPResponse.Status, [UInt8])
        case noContent
        case file([UInt8])
    }

    struct Call {
        var request: Request
        var body: [UInt8]
        var parameters: Parameters
        var query: [String: String]
    }

    /// A request body that does not decode or has a field out of bounds (400 PARAM_ERROR).
    struct ParameterError: Error { let message: String }
    /// A refusal with WeChat Pay's own status and code.
    struct CodedError: Error {
        let status: HTTPResponse.Status
        let code: String
        let message: String
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v3/pay/transactions/native") { request, context -> Response in await handle(request, context, createNative) }
        router.get("/v3/pay/transactions/out-trade-no/:no") { request, context -> Response in await handle(request, context, query) }
        router.get("/v3/pay/transactions/id/:id") { request, context -> Response in
            await handle(request, context, queryByTransaction)
        }
        router.post("/v3/pay/transactions/out-trade-no/:no/close") { request, context -> Response in
            await handle(request, context, close)
        }
        router.post("/v3/refund/domestic/refunds") { request, context -> Response in await handle(request, context, createRefund) }
        router.get("/v3/refund/domestic/refunds/:no") { request, context -> Response in await handle(request, context, queryRefund) }
        router.post("/v3/fund-app/mch-transfer/transfer-bills") { request, context -> Response in
            await handle(request, context, createTransfer)
        }
        router.get("/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/:no") { request, context -> Response in
            await handle(request, context, queryTransfer)
        }
        router.post("/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/:no/cancel") { request, context -> Response in
            await handle(request, context, cancelTransfer)
        }
        router.get("/v3/bill/tradebill") { request, context -> Response in await handle(request, context, tradeBill) }
        router.get("/v3/billdownload/file") { request, context -> Response in await handle(request, context, downloadBill) }
    }

    /// Reads and authenticates the request, runs `operation`, and signs whatever it answers.
    func handle(
        _ request: Request, _ context: BasicRequestContext, _ operation: (Call) async throws -> Reply
    ) async -> Response {
        var request = request
        let body: [UInt8]
        do {
            body = try await request.bodyBytes()
        } catch {
            return signedError(.contentTooLarge, "PARAM_ERROR", "request body too large or unreadable")
        }
        if let problem = core.wechatSigning.verifyRequest(
            method: request.method.rawValue, target: request.requestTarget, body: body,
            authorization: request.headers[.authorization], now: Date())
        {
            core.logger.info("WeChat Pay request refused", metadata: ["reason": "\(problem)"])
            return signedError(.unauthorized, "SIGN_ERROR", problem)
        }
        var query: [String: String] = [:]
        for (key, value) in FormCoding.decode(request.uri.query ?? "") { query[key] = value }
        let call = Call(request: request, body: body, parameters: context.parameters, query: query)
        do {
            switch try await operation(call) {
            case .json(let status, let bytes): return signed(status, bytes)
            case .noContent: return signed(.noContent, [])
            case .file(let bytes): return .bytes(.ok, bytes, contentType: "application/octet-stream")
            }
        } catch let failure as SandboxFailure {
            let (status, code) = failure.wechat
            return signedError(status, code, failure.description)
        } catch let error as ParameterError {
            return signedError(.badRequest, "PARAM_ERROR", error.message)
        } catch let error as CodedError {
            return signedError(error.status, error.code, error.message)
        } catch {
            return signedError(.internalServerError, "SYSTEM_ERROR", "\(error)")
        }
    }

    func signed(_ status: HTTPResponse.Status, _ body: [UInt8]) -> Response {
        var headers = HTTPFields()
        headers.append("Request-ID", "sim-" + SandboxID.alphanumeric(24))
        do {
            for (name, value) in try core.wechatSigning.signatureHeaders(body: body, now: Date()) {
                headers.append(name, value)
            }
        } catch {
            return .text(.internalServerError, "cannot sign the response: \(error)\n")
        }
        if body.isEmpty { return Response(status: status, headers: headers) }
        return .bytes(status, body, contentType: "application/json", headers: headers)
    }

    func signedError(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        signed(status, (try? SandboxJSON.encode(WeChatError(code: code, message: message))) ?? [])
    }

    func decode<T: Decodable>(_ type: T.Type, _ call: Call) throws -> T {
        do {
            return try SandboxJSON.decode(type, from: call.body)
        } catch {
            throw ParameterError(message: "invalid request body: \(SandboxJSON.describe(error))")
        }
    }

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Reply {
        .json(status, try SandboxJSON.encode(value))
    }

    // MARK: Native orders

    func createNative(_ call: Call) async throws -> Reply {
        let order = try decode(WeChatNativeOrderRequest.self, call)
        try checkIdentity(appid: order.appid, mchid: order.mchid)
        try checkOutNumber(order.out_trade_no, "out_trade_no")
        guard order.amount.total > 0 else { throw ParameterError(message: "amount.total must be at least 1 fen") }
        guard order.amount.currency == nil || order.amount.currency == "CNY" else {
            throw ParameterError(message: "amount.currency must be CNY")
        }
        guard order.description.count <= 127, !order.description.isEmpty else {
            throw ParameterError(message: "description must be 1...127 characters")
        }
        guard let url = URL(string: order.notify_url), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ParameterError(message: "notify_url must be an absolute http(s) URL")
        }
        var expiry: Date?
        if let text = order.time_expire {
            // The format style parses in Swift; an ISO8601DateFormatter per request built an ICU formatter each
            // time, 11% of the sandbox's CPU under the mixed benchmark.
            guard let date = try? Date.ISO8601FormatStyle().parse(text) else {
                throw ParameterError(message: "time_expire must be RFC 3339, e.g. 2024-06-08T10:34:56+08:00")
            }
            expiry = date
        }
        let now = Date()
        let created = try await core.state.createOrder(
            SandboxOrder(
                channel: .wechat, outTradeNo: order.out_trade_no, tradeNo: SandboxID.wechatTransaction(now),
                amountFen: order.amount.total, subject: order.description, attach: order.attach,
                notifyURL: order.notify_url, qrCode: "weixin://wxpay/bizpayurl?pr=" + SandboxID.alphanumeric(11),
                kind: .native, state: .notPaid, createdAt: now, expiresAt: expiry,
                fingerprint: "\(order.amount.total)|\(order.description)|\(order.notify_url)|\(order.attach ?? "")"))
        return try json(["code_url": created.qrCode ?? ""])
    }

    func query(_ call: Call) async throws -> Reply {
        guard call.query["mchid"] == core.configuration.wechatMerchantID else {
            throw ParameterError(message: "query parameter mchid must be this merchant's number")
        }
        let number = call.parameters.get("no") ?? ""
        guard let order = await core.state.order(.wechat, number) else { throw SandboxFailure.orderNotFound(number) }
        return try json(transaction(order))
    }

    func queryByTransaction(_ call: Call) async throws -> Reply {
        guard call.query["mchid"] == core.configuration.wechatMerchantID else {
            throw ParameterError(message: "query parameter mchid must be this merchant's number")
        }
        let id = call.parameters.get("id") ?? ""
        guard let order = await core.state.order(.wechat, tradeNo: id),
            order.state == .paid
        else { throw SandboxFailure.orderNotFound(id) }
        return try json(transaction(order))
    }

    func close(_ call: Call) async throws -> Reply {
        struct CloseRequest: Decodable { var mchid: String }
        let body = try decode(CloseRequest.self, call)
        guard body.mchid == core.configuration.wechatMerchantID else {
            throw ParameterError(message: "mchid must be this merchant's number")
        }
        _ = try await core.state.close(.wechat, call.parameters.get("no") ?? "", now: Date())
        return .noContent
    }

    /// The order as WeChat Pay reports a transaction (query answer and TRANSACTION.SUCCESS plaintext).
    func transaction(_ order: SandboxOrder) -> WeChatTransaction {
        let (state, description): (String, String) =
            switch order.state {
            case .notPaid where order.lastAttemptFailed == true: ("PAYERROR", "支付失败，请重新下单支付")
            case .notPaid: ("NOTPAY", "订单未支付")
            case .closed: ("CLOSED", "订单已关闭")
            case .paid: order.refundedFen > 0 ? ("REFUND", "订单发生过退款") : ("SUCCESS", "支付成功")
            }
        let paid = order.state == .paid
        return WeChatTransaction(
            appid: core.configuration.wechatAppID, mchid: core.configuration.wechatMerchantID,
            out_trade_no: order.outTradeNo, transaction_id: paid ? order.tradeNo : nil, trade_type: "NATIVE",
            trade_state: state, trade_state_desc: description, bank_type: paid ? "OTHERS" : nil, attach: order.attach,
            success_time: order.paidAt.map(ShanghaiTime.rfc3339), payer: order.payer.map { WeChatPayer(openid: $0) },
            amount: WeChatAmount(
                total: order.paidFen ?? order.amountFen, currency: "CNY", payer_total: order.paidFen,
                payer_currency: "CNY"))
    }

    func checkIdentity(appid: String, mchid: String?) throws {
        guard appid == core.configuration.wechatAppID else {
            throw ParameterError(message: "appid \(appid) is not bound to this merchant (APPID_MCHID_NOT_MATCH)")
        }
        if let mchid, mchid != core.configuration.wechatMerchantID {
            throw ParameterError(message: "mchid \(mchid) is not this merchant")
        }
    }

    func checkOutNumber(_ value: String, _ name: String) throws {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-|*")
        guard (6...32).contains(value.count) || (name != "out_trade_no" && (1...64).contains(value.count)),
            value.allSatisfy(allowed.contains)
        else { throw ParameterError(message: "\(name) must be 6...32 characters of letters, digits, _-|*") }
    }
}
