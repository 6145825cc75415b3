import Foundation
import PaystreamCore

extension WeChatPayV3Client {
    /// POST /v3/pay/transactions/native → code_url.
    public func createQRPayment(_ request: PaymentOrder) async throws(ChannelError) -> QRPayment {
        let operation = "wechat.native"
        try ChannelIdentifiers.check(request.outTradeNo, "out_trade_no", lengths: 6...32, channel: .wechat, operation: operation)
        try ChannelIdentifiers.checkPositive(request.amount, "amount", channel: .wechat, operation: operation)
        try ChannelIdentifiers.checkText(request.description, "description", maxCharacters: 127, channel: .wechat, operation: operation)
        let order = WeChatWireNativeOrder(
            appid: configuration.appID, mchid: configuration.merchantID, description: request.description,
            out_trade_no: request.outTradeNo, notify_url: configuration.notifyURL,
            amount: WeChatWireAmount(total: request.amount.fen, currency: "CNY"),
            time_expire: request.expiresAt.map(ChannelTime.rfc3339Shanghai), attach: request.attach)
        let response = try await perform(operation, .POST, "/v3/pay/transactions/native", body: try encode(order, operation))
        let answer = try decode(WeChatWireCodeURL.self, response, operation)
        guard answer.code_url.hasPrefix("weixin://") else {
            throw ChannelError(.malformedResponse, channel: .wechat, operation: operation, message: "code_url is not weixin://")
        }
        return QRPayment(outTradeNo: request.outTradeNo, codeURL: answer.code_url)
    }

    /// GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=…
    public func queryPayment(outTradeNo: String) async throws(ChannelError) -> PaymentStatus {
        let operation = "wechat.query"
        try ChannelIdentifiers.check(outTradeNo, "out_trade_no", lengths: 6...32, channel: .wechat, operation: operation)
        let target = "/v3/pay/transactions/out-trade-no/\(Self.segment(outTradeNo))?mchid=\(FormCoding.escape(configuration.merchantID))"
        let response = try await perform(operation, .GET, target)
        let transaction = try mapped(operation) { () throws(WeChatPayMapping.Invalid) in
            try WeChatPayMapping.transaction(try decodeTransaction(response))
        }
        guard transaction.outTradeNo == outTradeNo else {
            throw ChannelError(.malformedResponse, channel: .wechat, operation: operation, message: "answer is for another order")
        }
        // As a notify is checked (WeChatPayNotifyVerifier): our app's transaction, in CNY.
        if let foreign = transaction.foreign(toApp: configuration.appID) {
            throw ChannelError(.malformedResponse, channel: .wechat, operation: operation, message: "answer's \(foreign)")
        }
        guard let state = transaction.state else {
            throw ChannelError(
                .malformedResponse, channel: .wechat, operation: operation, message: "unknown trade_state \(transaction.tradeState)")
        }
        return PaymentStatus(
            channel: .wechat, outTradeNo: transaction.outTradeNo, transactionID: transaction.transactionID, state: state,
            rawState: transaction.tradeState, amount: transaction.total, payerAmount: transaction.payerTotal,
            paidAt: transaction.successTime, payerID: transaction.payerOpenID)
    }

    private func decodeTransaction(_ response: ChannelHTTPResponse) throws(WeChatPayMapping.Invalid) -> WeChatWireTransaction {
        do {
            return try ChannelJSON.decode(WeChatWireTransaction.self, from: response.body)
        } catch {
            throw WeChatPayMapping.Invalid(description: ChannelJSON.describe(error))
        }
    }

    /// POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close → 204.
    public func closePayment(outTradeNo: String) async throws(ChannelError) {
        let operation = "wechat.close"
        try ChannelIdentifiers.check(outTradeNo, "out_trade_no", lengths: 6...32, channel: .wechat, operation: operation)
        let body = try encode(WeChatWireClose(mchid: configuration.merchantID), operation)
        _ = try await perform(
            operation, .POST, "/v3/pay/transactions/out-trade-no/\(Self.segment(outTradeNo))/close", body: body,
            expectBody: false)
    }

    /// POST /v3/refund/domestic/refunds.
    public func refund(_ request: RefundRequest) async throws(ChannelError) -> RefundStatus {
        let operation = "wechat.refund"
        try ChannelIdentifiers.check(request.outTradeNo, "out_trade_no", lengths: 6...32, channel: .wechat, operation: operation)
        try ChannelIdentifiers.check(request.outRefundNo, "out_refund_no", lengths: 1...64, channel: .wechat, operation: operation)
        try ChannelIdentifiers.checkPositive(request.refundAmount, "refund amount", channel: .wechat, operation: operation)
        guard request.refundAmount <= request.totalAmount else {
            throw ChannelError(.invalidRequest, channel: .wechat, operation: operation, message: "refund exceeds the order total")
        }
        let wire = WeChatWireRefundRequest(
            out_trade_no: request.outTradeNo, out_refund_no: request.outRefundNo, reason: request.reason,
            notify_url: configuration.notifyURL,
            amount: .init(refund: request.refundAmount.fen, total: request.totalAmount.fen, currency: "CNY"))
        let response = try await perform(operation, .POST, "/v3/refund/domestic/refunds", body: try encode(wire, operation))
        return try refundStatus(response, operation, outRefundNo: request.outRefundNo)
    }

    /// GET /v3/refund/domestic/refunds/{out_refund_no}.
    public func queryRefund(outTradeNo: String, outRefundNo: String) async throws(ChannelError) -> RefundStatus {
        let operation = "wechat.refund_query"
        try ChannelIdentifiers.check(outRefundNo, "out_refund_no", lengths: 1...64, channel: .wechat, operation: operation)
        let response = try await perform(operation, .GET, "/v3/refund/domestic/refunds/\(Self.segment(outRefundNo))")
        let status = try refundStatus(response, operation, outRefundNo: outRefundNo)
        guard status.outTradeNo == outTradeNo else {
            throw ChannelError(.malformedResponse, channel: .wechat, operation: operation, message: "refund is for another order")
        }
        return status
    }

    private func refundStatus(_ response: ChannelHTTPResponse, _ operation: String, outRefundNo: String)
        throws(ChannelError) -> RefundStatus
    {
        let wire = try decode(WeChatWireRefund.self, response, operation)
        let notice = try mapped(operation) { () throws(WeChatPayMapping.Invalid) in try WeChatPayMapping.refund(wire) }
        guard notice.outRefundNo == outRefundNo, let state = notice.state else {
            throw ChannelError(
                .malformedResponse, channel: .wechat, operation: operation,
                message: "answer is for another refund or has unknown status \(notice.refundStatus)")
        }
        return RefundStatus(
            channel: .wechat, outTradeNo: notice.outTradeNo, outRefundNo: notice.outRefundNo, refundID: notice.refundID,
            state: state, rawState: notice.refundStatus, refundAmount: notice.refund, totalRefunded: nil,
            completedAt: notice.successTime)
    }
}
