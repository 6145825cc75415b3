import Foundation
import Hummingbird
import PaystreamCore

extension AlipayEndpoints {
    /// alipay.trade.page.pay: the browser arrives here (GET link or auto-submitted POST form) and sees a minimal
    /// cashier page for the trade, with a button that pays it in the sandbox.
    func pagePay(_ call: Call) async throws -> Response {
        let order = try await newOrder(call, kind: .page)
        let html = """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>支付宝收银台 (SIMULATED)</title>
            <style>body{font-family:sans-serif;max-width:28rem;margin:3rem auto}.amount{font-size:2rem}</style></head>
            <body>
            <p><strong>paystream-sim</strong>: a SIMULATED Alipay cashier. No real money moves.</p>
            <h1>\(escape(order.subject))</h1>
            <p class="amount">¥ \(yuan(order.amountFen))</p>
            <p>商户订单号 \(escape(order.outTradeNo))<br>支付宝交易号 \(escape(order.tradeNo))</p>
            <form method="post" action="\(Self.cashierPayPath)">
            <input type="hidden" name="out_trade_no" value="\(escape(order.outTradeNo))">
            <label>付款账户 <input name="buyer_id" value="\(SandboxID.alipayUser())"></label>
            <button type="submit">确认付款</button>
            </form>
            </body></html>
            """
        return .text(.ok, html, contentType: "text/html; charset=utf-8")
    }

    /// The cashier's pay button: pays the trade (sending the async notify), then redirects to the return_url
    /// with the signed synchronous return parameters, or shows a receipt when there is none.
    func cashierPay(_ request: Request) async -> Response {
        var request = request
        let body = (try? await request.bodyBytes()) ?? []
        var form: [String: String] = [:]
        for (key, value) in FormCoding.decode(String(decoding: body, as: UTF8.self)) { form[key] = value }
        let outTradeNo = form["out_trade_no"] ?? ""
        let buyer = form["buyer_id"].flatMap { $0.isEmpty ? nil : $0 }
        let order: SandboxOrder
        do {
            order = try await core.scanAndPay(.alipay, outTradeNo: outTradeNo, amountFen: nil, payer: buyer, notifyURL: nil)
        } catch {
            return .text(.conflict, "<!doctype html><p>\(escape("\(error)"))</p>", contentType: "text/html; charset=utf-8")
        }
        guard let returnURL = order.returnURL, var components = URLComponents(string: returnURL) else {
            return .text(
                .ok, "<!doctype html><p>支付成功 (SIMULATED): \(escape(order.outTradeNo)) ¥\(yuan(order.paidFen ?? 0))</p>",
                contentType: "text/html; charset=utf-8")
        }
        var parameters: [String: String] = [
            "charset": "utf-8", "out_trade_no": order.outTradeNo, "method": "alipay.trade.page.pay.return",
            "total_amount": yuan(order.paidFen ?? order.amountFen), "trade_no": order.tradeNo,
            "auth_app_id": core.configuration.alipayAppID, "version": "1.0", "app_id": core.configuration.alipayAppID,
            "sign_type": "RSA2", "seller_id": core.configuration.alipaySellerID,
            "timestamp": ShanghaiTime.dateTime(Date()),
        ]
        guard let sign = try? AlipaySigning.signNotify(parameters, with: core.keys.alipayKey) else {
            return .text(.internalServerError, "cannot sign the return parameters\n")
        }
        parameters["sign"] = sign
        let existing = components.percentEncodedQuery.map { $0 + "&" } ?? ""
        components.percentEncodedQuery =
            existing + FormCoding.encode(parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return Response(status: .found, headers: [.location: components.string ?? returnURL])
    }

    func escape(_ text: String) -> String { XMLText.escape(text) }
}
