import Foundation
import PaystreamCore

extension SandboxCore {
    /// The parameters Alipay reports a paid trade with (async notify), signed over all but sign and sign_type.
    func alipayPaymentParameters(_ order: SandboxOrder, now: Date, rogue: Bool = false) throws -> [String: String] {
        let paid = (try? Amount(fen: order.paidFen ?? order.amountFen))?.yuanString ?? "0.00"
        var parameters: [String: String] = [
            "notify_time": ShanghaiTime.dateTime(now), "notify_type": "trade_status_sync",
            "notify_id": SandboxID.alphanumeric(34), "app_id": configuration.alipayAppID, "auth_app_id": configuration.alipayAppID,
            "charset": "utf-8", "version": "1.0", "sign_type": "RSA2", "trade_no": order.tradeNo,
            "out_trade_no": order.outTradeNo, "buyer_id": order.payer ?? "", "buyer_logon_id": "sim***@example.com",
            "seller_id": configuration.alipaySellerID, "trade_status": "TRADE_SUCCESS", "total_amount": paid,
            "receipt_amount": paid, "invoice_amount": paid, "buyer_pay_amount": paid, "point_amount": "0.00",
            "gmt_create": ShanghaiTime.dateTime(order.createdAt),
            "gmt_payment": ShanghaiTime.dateTime(order.paidAt ?? now), "subject": order.subject,
            "fund_bill_list": "[{\"amount\":\"\(paid)\",\"fundChannel\":\"ALIPAYACCOUNT\"}]",
        ]
        if let attach = order.attach { parameters["passback_params"] = attach }
        parameters["sign"] = try AlipaySigning.signNotify(parameters, with: rogue ? keys.rogueKey : keys.alipayKey)
        return parameters
    }

    /// The async notify (form POST, trade_status=TRADE_SUCCESS) for a paid Alipay order; acknowledged only by the
    /// exact answer `success`. Tampering raises total_amount by 1.00 after signing.
    func alipayPaymentNotify(_ order: SandboxOrder) -> OutboundNotify? {
        guard let url = order.notifyURL else { return nil }
        let now = Date()
        let signed: [String: String]
        let rogueSigned: [String: String]
        do {
            signed = try alipayPaymentParameters(order, now: now)
            rogueSigned = try alipayPaymentParameters(order, now: now, rogue: true)
        } catch {
            logger.error("cannot build an Alipay notify", metadata: ["error": "\(error)"])
            return nil
        }
        return OutboundNotify(
            channel: .alipay, event: "trade_status_sync", reference: order.outTradeNo, url: url,
            contentType: "application/x-www-form-urlencoded; charset=utf-8",
            prepare: { faults in
                var parameters = faults.wrongKey == true ? rogueSigned : signed
                if faults.tamper == true, let total = parameters["total_amount"], let amount = try? Amount.parseYuan(total),
                    let raised = try? amount.adding(Amount(fen: 100))
                {
                    parameters["total_amount"] = raised.yuanString
                }
                let body = FormCoding.encode(parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
                return PreparedNotify(body: Array(body.utf8), headers: [], tampered: faults.tamper == true)
            },
            isAcknowledged: { status, answer in status == 200 && answer == "success" })
    }
}
