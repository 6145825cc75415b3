import Foundation
import Hummingbird
import PaystreamCore

/// The simulated Alipay openapi gateway (`/gateway.do`): trade precreate, query, refund, refund query, close, bill download URL,
/// and the page-pay cashier.
///
/// Guarantees: a call is served only if its app_id is the configured one, sign_type is RSA2 and its signature over
/// all non-empty parameters but `sign` verifies with the app's public key; every JSON answer is
/// `{"<method>_response": {...}, "sign": "..."}` with the signature over the exact text of the response object.
struct AlipayEndpoints: Sendable {
    let core: SandboxCore

    /// A refused call: Alipay's `code`, `msg`, `sub_code`, `sub_msg`.
    struct Refusal: Error {
        var code = "40004"
        var msg = "Business Failed"
        var subCode: String
        var subMessage: String
    }

    struct Call {
        var request: Request
        var method: String
        var parameters: [String: String]
        var biz: [String: Any]
    }

    static let cashierPayPath = "/alipay/cashier/pay"
    static let billDownloadPath = "/alipay/bill/download"

    func register(on router: Router<BasicRequestContext>) {
        router.post("/gateway.do") { request, _ -> Response in await gateway(request) }
        router.get("/gateway.do") { request, _ -> Response in await gateway(request) }
        router.post(RouterPath(stringLiteral: Self.cashierPayPath)) { request, _ -> Response in await cashierPay(request) }
        router.get(RouterPath(stringLiteral: Self.billDownloadPath)) { request, _ -> Response in await downloadBill(request) }
    }

    func gateway(_ request: Request) async -> Response {
        var request = request
        var parameters: [String: String] = [:]
        for (key, value) in FormCoding.decode(request.uri.query ?? "") { parameters[key] = value }
        let body = (try? await request.bodyBytes()) ?? []
        if !body.isEmpty {
            for (key, value) in FormCoding.decode(String(decoding: body, as: UTF8.self)) { parameters[key] = value }
        }
        let method = parameters["method"] ?? ""
        do {
            try authenticate(parameters)
            var biz: [String: Any] = [:]
            if let text = parameters["biz_content"], !text.isEmpty {
                guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                    throw Refusal(code: "40002", msg: "Invalid Arguments", subCode: "isv.invalid-biz-content", subMessage: "biz_content 不是合法的 JSON 对象")
                }
                biz = object
            }
            let call = Call(request: request, method: method, parameters: parameters, biz: biz)
            switch method {
            case "alipay.trade.precreate": return respond(method, try await precreate(call))
            case "alipay.trade.query": return respond(method, try await query(call))
            case "alipay.trade.refund": return respond(method, try await refund(call))
            case "alipay.trade.fastpay.refund.query": return respond(method, try await refundQuery(call))
            case "alipay.trade.close": return respond(method, try await close(call))
            case "alipay.data.dataservice.bill.downloadurl.query": return respond(method, try await billURL(call))
            case "alipay.trade.page.pay": return try await pagePay(call)
            default:
                throw Refusal(code: "40002", msg: "Invalid Arguments", subCode: "isv.invalid-method", subMessage: "不存在的方法名")
            }
        } catch let refusal as Refusal {
            core.logger.info("Alipay call refused", metadata: ["method": "\(method)", "sub_code": "\(refusal.subCode)"])
            return respond(method, [
                "code": refusal.code, "msg": refusal.msg, "sub_code": refusal.subCode, "sub_msg": refusal.subMessage,
            ])
        } catch let failure as SandboxFailure {
            return respond(method, [
                "code": "40004", "msg": "Business Failed", "sub_code": failure.alipaySubCode, "sub_msg": failure.description,
            ])
        } catch {
            return respond(method, ["code": "20000", "msg": "Service Currently Unavailable", "sub_code": "isp.unknow-error", "sub_msg": "\(error)"])
        }
    }

    func authenticate(_ parameters: [String: String]) throws {
        guard parameters["app_id"] == core.configuration.alipayAppID else {
            throw Refusal(code: "40002", msg: "Invalid Arguments", subCode: "isv.invalid-app-id", subMessage: "无效的AppID参数")
        }
        guard parameters["sign_type"] == "RSA2" else {
            throw Refusal(code: "40002", msg: "Invalid Arguments", subCode: "isv.invalid-signature-type", subMessage: "无效的签名类型 (RSA2 only)")
        }
        guard let sign = parameters["sign"], !sign.isEmpty else {
            throw Refusal(code: "40001", msg: "Missing Required Arguments", subCode: "isv.missing-signature", subMessage: "缺少签名参数")
        }
        guard AlipaySigning.verifyRequest(parameters, with: core.keys.alipayAppPublicKey) else {
            throw Refusal(
                code: "40002", msg: "Invalid Arguments", subCode: "isv.invalid-signature",
                subMessage: "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配")
        }
    }

    /// `{"<method with dots as _>_response": fields, "sign": RSA2 over the exact text of fields}`.
    func respond(_ method: String, _ fields: [String: String]) -> Response {
        let key = method.isEmpty ? "error_response" : method.replacingOccurrences(of: ".", with: "_") + "_response"
        do {
            let inner = try SandboxJSON.encode(fields)
            let sign = try AlipaySigning.sign(String(decoding: inner, as: UTF8.self), with: core.keys.alipayKey)
            let body = Array("{\"\(key)\":".utf8) + inner + Array(",\"sign\":\"\(sign)\"}".utf8)
            return .bytes(.ok, body, contentType: "application/json;charset=utf-8")
        } catch {
            return .text(.internalServerError, "cannot sign the response: \(error)\n")
        }
    }

    static func success(_ fields: [String: String]) -> [String: String] {
        fields.merging(["code": "10000", "msg": "Success"]) { _, new in new }
    }

    func string(_ call: Call, _ name: String, required: Bool = true) throws -> String? {
        if let text = call.biz[name] as? String, !text.isEmpty { return text }
        if let number = call.biz[name] as? NSNumber { return number.stringValue }
        if required {
            throw Refusal(code: "40001", msg: "Missing Required Arguments", subCode: "isv.missing-\(name)", subMessage: "缺少必选参数 \(name)")
        }
        return nil
    }

    func amount(_ call: Call, _ name: String) throws -> Int64 {
        let text = try string(call, name) ?? ""
        guard let amount = try? Amount.parseYuan(text), amount.fen > 0, amount.fen <= 10_000_000_000 else {
            throw Refusal(code: "40002", msg: "Invalid Arguments", subCode: "isv.invalid-\(name)", subMessage: "\(name) 必须是 0.01~100000000.00 的金额")
        }
        return amount.fen
    }

    func yuan(_ fen: Int64) -> String { (try? Amount(fen: fen))?.yuanString ?? "0.00" }

    /// The order named by out_trade_no or trade_no.
    func findOrder(_ call: Call) async throws -> SandboxOrder {
        if let number = try string(call, "out_trade_no", required: false) {
            guard let order = await core.state.order(.alipay, number) else { throw SandboxFailure.orderNotFound(number) }
            return order
        }
        guard let tradeNo = try string(call, "trade_no", required: false) else {
            throw Refusal(code: "40001", msg: "Missing Required Arguments", subCode: "isv.missing-out_trade_no", subMessage: "out_trade_no 与 trade_no 不能同时为空")
        }
        guard let order = await core.state.order(.alipay, tradeNo: tradeNo) else {
            throw SandboxFailure.orderNotFound(tradeNo)
        }
        return order
    }

    /// A new unpaid trade from precreate or page.pay.
    func newOrder(_ call: Call, kind: SandboxOrder.Kind) async throws -> SandboxOrder {
        let outTradeNo = try string(call, "out_trade_no") ?? ""
        guard (1...64).contains(outTradeNo.count) else {
            throw Refusal(code: "40002", msg: "Invalid Arguments", subCode: "isv.invalid-out_trade_no", subMessage: "out_trade_no 长度 1~64")
        }
        let fen = try amount(call, "total_amount")
        let subject = try string(call, "subject") ?? ""
        let now = Date()
        let notifyURL = call.parameters["notify_url"]
        return try await core.state.createOrder(
            SandboxOrder(
                channel: .alipay, outTradeNo: outTradeNo, tradeNo: SandboxID.alipayTrade(now), amountFen: fen,
                subject: subject, attach: try string(call, "passback_params", required: false), notifyURL: notifyURL,
                returnURL: call.parameters["return_url"],
                qrCode: kind == .precreate ? "https://qr.alipay.com/bax" + SandboxID.alphanumeric(22).lowercased() : nil,
                kind: kind, state: .notPaid, createdAt: now,
                fingerprint: "\(fen)|\(subject)|\(notifyURL ?? "")|\(kind.rawValue)"))
    }

    func precreate(_ call: Call) async throws -> [String: String] {
        let order = try await newOrder(call, kind: .precreate)
        return Self.success(["out_trade_no": order.outTradeNo, "qr_code": order.qrCode ?? ""])
    }

    /// The trade's status: WAIT_BUYER_PAY until paid, TRADE_SUCCESS, TRADE_CLOSED when closed or fully refunded. A
    /// precreate (QR) trade nobody has scanned does not exist at Alipay yet: ACQ.TRADE_NOT_EXIST, as the real
    /// gateway answers.
    func query(_ call: Call) async throws -> [String: String] {
        let order = try await findOrder(call)
        if order.kind == .precreate && order.state == .notPaid { throw SandboxFailure.orderNotFound(order.outTradeNo) }
        var fields = ["trade_no": order.tradeNo, "out_trade_no": order.outTradeNo, "total_amount": yuan(order.amountFen)]
        switch order.state {
        case .notPaid: fields["trade_status"] = "WAIT_BUYER_PAY"
        case .closed: fields["trade_status"] = "TRADE_CLOSED"
        case .paid:
            let paid = order.paidFen ?? order.amountFen
            fields["trade_status"] = order.refundedFen >= paid ? "TRADE_CLOSED" : "TRADE_SUCCESS"
            fields["total_amount"] = yuan(paid)
            fields["buyer_pay_amount"] = yuan(paid)
            fields["receipt_amount"] = yuan(paid)
            fields["invoice_amount"] = yuan(paid)
            fields["point_amount"] = "0.00"
            fields["buyer_logon_id"] = "sim***@example.com"
            fields["buyer_user_id"] = order.payer ?? ""
            fields["send_pay_date"] = order.paidAt.map(ShanghaiTime.dateTime) ?? ""
        }
        return Self.success(fields)
    }

    /// A synchronous refund, idempotent on (trade, out_request_no); out_request_no defaults to out_trade_no.
    func refund(_ call: Call) async throws -> [String: String] {
        let order = try await findOrder(call)
        let fen = try amount(call, "refund_amount")
        let requestNo = try string(call, "out_request_no", required: false) ?? order.outTradeNo
        if await core.state.takeUnmovedRefundAnswer(outTradeNo: order.outTradeNo, outRequestNo: requestNo) {
            // Fault refunds.unmovedAnswers: the refund did not go through; nothing moved, and no refund is held.
            let refunded = await core.state.order(.alipay, order.outTradeNo)?.refundedFen ?? 0
            return Self.success([
                "trade_no": order.tradeNo, "out_trade_no": order.outTradeNo, "buyer_logon_id": "sim***@example.com",
                "fund_change": "N", "refund_fee": yuan(refunded), "buyer_user_id": order.payer ?? "",
            ])
        }
        let (refund, isNew) = try await core.state.createRefund(
            .alipay, outTradeNo: order.outTradeNo, outRefundNo: requestNo, amountFen: fen,
            reason: try string(call, "refund_reason", required: false), notifyURL: nil, final: true,
            scopedToTrade: true, now: Date())
        let refunded = await core.state.order(.alipay, order.outTradeNo)?.refundedFen ?? fen
        return Self.success([
            "trade_no": order.tradeNo, "out_trade_no": order.outTradeNo, "buyer_logon_id": "sim***@example.com",
            "fund_change": isNew ? "Y" : "N", "refund_fee": yuan(refunded), "send_back_fee": yuan(refund.amountFen),
            "gmt_refund_pay": ShanghaiTime.dateTime(refund.finishedAt ?? Date()), "buyer_user_id": order.payer ?? "",
        ])
    }

    /// The refund under (trade, out_request_no): REFUND_SUCCESS with its amount (the sandbox's Alipay refunds are
    /// final at once). None: code 10000 without refund fields, which is how Alipay says it holds no such refund.
    func refundQuery(_ call: Call) async throws -> [String: String] {
        let order = try await findOrder(call)
        let requestNo = try string(call, "out_request_no") ?? order.outTradeNo
        var fields = ["trade_no": order.tradeNo, "out_trade_no": order.outTradeNo, "out_request_no": requestNo]
        if let refund = await core.state.refund(.alipay, "\(order.outTradeNo)#\(requestNo)") {
            fields["refund_amount"] = yuan(refund.amountFen)
            fields["total_amount"] = yuan(order.paidFen ?? refund.orderTotalFen)
            if await core.state.faults.refunds?.queryWithoutStatus != true { fields["refund_status"] = "REFUND_SUCCESS" }
            fields["gmt_refund_pay"] = ShanghaiTime.dateTime(refund.finishedAt ?? refund.createdAt)
        }
        return Self.success(fields)
    }

    func close(_ call: Call) async throws -> [String: String] {
        let order = try await findOrder(call)
        _ = try await core.state.close(.alipay, order.outTradeNo, now: Date())
        return Self.success(["trade_no": order.tradeNo, "out_trade_no": order.outTradeNo])
    }

    /// bill_type=trade for a day: a link to the trade-detail CSV (UTF-8, not the real GBK zip).
    func billURL(_ call: Call) async throws -> [String: String] {
        guard try string(call, "bill_type") == "trade" else {
            throw Refusal(code: "40004", msg: "Business Failed", subCode: "isv.invalid-bill-type", subMessage: "the sandbox serves bill_type=trade only")
        }
        let day = try string(call, "bill_date") ?? ""
        guard ShanghaiTime.startOfDay(day) != nil else {
            throw Refusal(code: "40004", msg: "Business Failed", subCode: "isv.invalid-bill-date", subMessage: "bill_date must be yyyy-MM-dd (daily bills only)")
        }
        if await core.state.faults.bills?.notOut == true {
            throw Refusal(code: "40004", msg: "Business Failed", subCode: "isp.bill_not_exist", subMessage: "账单不存在")
        }
        let inputs = await core.state.billInputs(.alipay)
        let bytes = AlipayBillWriter.write(
            BillBook.lines(inputs, day: day), account: core.configuration.alipaySellerID, day: day, exportedAt: Date())
        let token = await core.state.registerBillToken(BillRequest(channel: .alipay, day: day, bytes: bytes))
        return Self.success(["bill_download_url": core.baseURL(for: call.request) + Self.billDownloadPath + "?token=" + token])
    }

    func downloadBill(_ request: Request) async -> Response {
        let token = FormCoding.decode(request.uri.query ?? "").first { $0.0 == "token" }?.1 ?? ""
        guard let bill = await core.state.billRequest(token: token), bill.channel == .alipay else {
            return .text(.notFound, "no such bill\n")
        }
        let name = "\(core.configuration.alipaySellerID)_\(bill.day.replacingOccurrences(of: "-", with: ""))_业务明细.csv"
        var headers = HTTPFields()
        headers.append("Content-Disposition", "attachment; filename*=UTF-8''" + FormCoding.escape(name))
        return .bytes(.ok, bill.bytes, contentType: "text/csv; charset=utf-8", headers: headers)
    }
}
