import Foundation
import PaystreamCore

extension AlipayClient {
    /// alipay.trade.precreate → qr_code.
    public func createQRPayment(_ request: PaymentOrder) async throws(ChannelError) -> QRPayment {
        let method = "alipay.trade.precreate"
        let raw = try await call(method, biz: try orderBiz(request, method, pagePay: false))
        let answer = try decode(AlipayWirePrecreate.self, raw, method)
        let code = try required(answer.qr_code, "qr_code", method)
        guard answer.out_trade_no == request.outTradeNo, code.hasPrefix("https://") else {
            throw ChannelError(
                .malformedResponse, channel: .alipay, operation: method, message: "answer is for another order or qr_code is not https")
        }
        return QRPayment(outTradeNo: request.outTradeNo, codeURL: code)
    }

    /// The signed gateway URL (alipay.trade.page.pay, GET) to redirect the payer's browser to. Built locally: no
    /// call is made. The URL carries every parameter, each percent-encoded after signing.
    public func pagePayURL(_ request: PaymentOrder) throws(ChannelError) -> String {
        let method = "alipay.trade.page.pay"
        let biz = try orderBiz(request, method, pagePay: true)
        let bizContent: String
        do {
            bizContent = String(decoding: try ChannelJSON.encode(biz), as: UTF8.self)
        } catch {
            throw ChannelError(.invalidRequest, channel: .alipay, operation: method, message: "cannot encode biz_content")
        }
        var extra: [String: String] = [:]
        if let returnURL = configuration.returnURL { extra["return_url"] = returnURL }
        let parameters = try signedParameters(method: method, bizContent: bizContent, extra: extra, at: now())
        let query = FormCoding.encode(parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return configuration.gatewayURL + (configuration.gatewayURL.contains("?") ? "&" : "?") + query
    }

    private func orderBiz(_ request: PaymentOrder, _ method: String, pagePay: Bool) throws(ChannelError) -> [String: String] {
        try ChannelIdentifiers.check(request.outTradeNo, "out_trade_no", lengths: 1...64, channel: .alipay, operation: method)
        try ChannelIdentifiers.checkPositive(request.amount, "total_amount", channel: .alipay, operation: method)
        try ChannelIdentifiers.checkText(request.description, "subject", maxCharacters: 256, channel: .alipay, operation: method)
        var biz = [
            "out_trade_no": request.outTradeNo, "total_amount": request.amount.yuanString, "subject": request.description,
        ]
        if pagePay { biz["product_code"] = "FAST_INSTANT_TRADE_PAY" }
        if let expiresAt = request.expiresAt { biz["time_expire"] = ChannelTime.shanghaiDateTime(expiresAt) }
        if let attach = request.attach { biz["passback_params"] = FormCoding.escape(attach) }
        return biz
    }

    /// alipay.trade.query.
    public func queryPayment(outTradeNo: String) async throws(ChannelError) -> PaymentStatus {
        let method = "alipay.trade.query"
        try ChannelIdentifiers.check(outTradeNo, "out_trade_no", lengths: 1...64, channel: .alipay, operation: method)
        let trade = try decode(AlipayWireTrade.self, try await call(method, biz: ["out_trade_no": outTradeNo]), method)
        guard trade.out_trade_no == outTradeNo else {
            throw ChannelError(.malformedResponse, channel: .alipay, operation: method, message: "answer is for another order")
        }
        let raw = try required(trade.trade_status, "trade_status", method)
        guard let state = Self.paymentState(raw) else {
            throw ChannelError(.malformedResponse, channel: .alipay, operation: method, message: "unknown trade_status \(raw)")
        }
        return PaymentStatus(
            channel: .alipay, outTradeNo: outTradeNo, transactionID: trade.trade_no, state: state, rawState: raw,
            amount: try yuan(trade.total_amount, "total_amount", method),
            payerAmount: try yuan(trade.buyer_pay_amount, "buyer_pay_amount", method),
            paidAt: trade.send_pay_date.flatMap(ChannelTime.parseShanghaiDateTime), payerID: trade.buyer_user_id)
    }

    static func paymentState(_ raw: String) -> PaymentState? {
        switch raw {
        case "WAIT_BUYER_PAY": .notPaid
        case "TRADE_SUCCESS", "TRADE_FINISHED": .succeeded
        case "TRADE_CLOSED": .closed
        default: nil
        }
    }

    /// alipay.trade.close.
    public func closePayment(outTradeNo: String) async throws(ChannelError) {
        let method = "alipay.trade.close"
        try ChannelIdentifiers.check(outTradeNo, "out_trade_no", lengths: 1...64, channel: .alipay, operation: method)
        _ = try await call(method, biz: ["out_trade_no": outTradeNo])
    }

    /// alipay.trade.refund with out_request_no = `outRefundNo`. fund_change "Y" is `.succeeded`; "N" (e.g. the
    /// same refund asked again) is `.processing`: confirm with ``queryRefund(outTradeNo:outRefundNo:)``.
    public func refund(_ request: RefundRequest) async throws(ChannelError) -> RefundStatus {
        let method = "alipay.trade.refund"
        try ChannelIdentifiers.check(request.outTradeNo, "out_trade_no", lengths: 1...64, channel: .alipay, operation: method)
        try ChannelIdentifiers.check(request.outRefundNo, "out_request_no", lengths: 1...64, channel: .alipay, operation: method)
        try ChannelIdentifiers.checkPositive(request.refundAmount, "refund_amount", channel: .alipay, operation: method)
        guard request.refundAmount <= request.totalAmount else {
            throw ChannelError(.invalidRequest, channel: .alipay, operation: method, message: "refund exceeds the order total")
        }
        var biz = [
            "out_trade_no": request.outTradeNo, "refund_amount": request.refundAmount.yuanString,
            "out_request_no": request.outRefundNo,
        ]
        if let reason = request.reason { biz["refund_reason"] = reason }
        let answer = try decode(AlipayWireRefund.self, try await call(method, biz: biz), method)
        guard answer.out_trade_no == request.outTradeNo else {
            throw ChannelError(.malformedResponse, channel: .alipay, operation: method, message: "answer is for another order")
        }
        let fundChange = try required(answer.fund_change, "fund_change", method)
        return RefundStatus(
            channel: .alipay, outTradeNo: request.outTradeNo, outRefundNo: request.outRefundNo, refundID: nil,
            state: fundChange == "Y" ? .succeeded : .processing, rawState: "fund_change=\(fundChange)",
            refundAmount: request.refundAmount, totalRefunded: try yuan(answer.refund_fee, "refund_fee", method),
            completedAt: answer.gmt_refund_pay.flatMap(ChannelTime.parseShanghaiDateTime))
    }

    /// The `channelCode` of the `.notFound` that ``queryRefund(outTradeNo:outRefundNo:)`` throws for an answer that holds
    /// refund data without REFUND_SUCCESS (an empty answer has none): not a refund made by the current documentation,
    /// one by an older edition, so a caller must not give its money back on that word alone.
    public static let refundDataWithoutSuccess = "REFUND_DATA_WITHOUT_SUCCESS"

    /// alipay.trade.fastpay.refund.query: REFUND_SUCCESS is `.succeeded`. Anything else is `.notFound` (verified): an
    /// answer with no refund at all, and one whose `refund_status` is absent or another value, which Alipay documents
    /// as "the refund was not received, or failed" (to be asked for again with the same out_request_no). It used to be
    /// `.processing`, asked about for ever. (An older edition of the documentation read any refund data as success:
    /// such a refund, asked for again, is answered fund_change "N", and is then held for an operator, never returned.)
    public func queryRefund(outTradeNo: String, outRefundNo: String) async throws(ChannelError) -> RefundStatus {
        let method = "alipay.trade.fastpay.refund.query"
        try ChannelIdentifiers.check(outTradeNo, "out_trade_no", lengths: 1...64, channel: .alipay, operation: method)
        try ChannelIdentifiers.check(outRefundNo, "out_request_no", lengths: 1...64, channel: .alipay, operation: method)
        let answer = try decode(
            AlipayWireRefundQuery.self,
            try await call(method, biz: ["out_trade_no": outTradeNo, "out_request_no": outRefundNo]), method)
        guard let amountText = answer.refund_amount, let amount = try yuan(amountText, "refund_amount", method) else {
            // A signed answer (``call(_:biz:)`` verified it) that names no refund.
            throw ChannelError(.notFound, channel: .alipay, operation: method, message: "Alipay knows no such refund", isVerifiedAnswer: true)
        }
        guard answer.refund_status == "REFUND_SUCCESS" else {
            throw ChannelError(
                .notFound, channel: .alipay, operation: method,
                message: "Alipay reports no successful refund under this number (refund_status \(answer.refund_status ?? "absent"))",
                channelCode: Self.refundDataWithoutSuccess, isVerifiedAnswer: true)
        }
        return RefundStatus(
            channel: .alipay, outTradeNo: outTradeNo, outRefundNo: outRefundNo, refundID: nil,
            state: .succeeded, rawState: "REFUND_SUCCESS",
            refundAmount: amount, totalRefunded: nil,
            completedAt: answer.gmt_refund_pay.flatMap(ChannelTime.parseShanghaiDateTime))
    }

    /// alipay.data.dataservice.bill.downloadurl.query for one day's trade bill (bill_type=trade).
    public func billDownloadURL(day: String) async throws(ChannelError) -> String {
        let method = "alipay.data.dataservice.bill.downloadurl.query"
        guard ChannelTime.parseShanghaiDateTime(day + " 00:00:00") != nil else {
            throw ChannelError(.invalidRequest, channel: .alipay, operation: method, message: "day must be yyyy-MM-dd")
        }
        let answer = try decode(
            AlipayWireBill.self, try await call(method, biz: ["bill_type": "trade", "bill_date": day]), method)
        return try required(answer.bill_download_url, "bill_download_url", method)
    }

    /// Downloads the file at a bill URL from a verified answer (the file itself is not signed).
    public func downloadBill(from url: String) async throws(ChannelError) -> [UInt8] {
        let operation = "alipay.bill.download"
        let response = try await transport.send(operation, repeatable: true) { () throws(ChannelError) in
            ChannelHTTPRequest(method: .GET, url: url, headers: [], body: nil)
        }
        guard response.status == 200 else {
            throw ChannelError(
                .httpStatus, channel: .alipay, operation: operation, message: "bill download failed",
                httpStatus: response.status, isRetriable: response.status >= 500)
        }
        return response.body
    }
}
