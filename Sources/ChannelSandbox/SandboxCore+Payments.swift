import Foundation
import PaystreamCore

extension SandboxCore {
    /// "Scan and pay": marks the order paid as a payer would, then sends the channel's real-format notify.
    ///
    /// With no such order and an `amountFen`, a static-QR order is created and paid (the payer typed the amount);
    /// its notify goes to `notifyURL` or the channel's configured default. `amountFen` on an existing order is what
    /// the payer paid, even if it differs from the order (to test amount mismatches).
    func scanAndPay(
        _ channel: Channel, outTradeNo: String, amountFen: Int64?, payer: String?, notifyURL: String?,
        subject: String? = nil
    ) async throws -> SandboxOrder {
        guard channel != .bill99 else { throw SandboxFailure.invalid("Bill99 has no payments to scan, only payouts") }
        guard !outTradeNo.isEmpty, outTradeNo.count <= 64 else {
            throw SandboxFailure.invalid("outTradeNo must be 1...64 characters")
        }
        if let amountFen, !(1...10_000_000_000).contains(amountFen) {
            throw SandboxFailure.invalid("amountFen must be within 1...10000000000")
        }
        let now = Date()
        var staticOrder: SandboxOrder?
        if let amountFen, let url = notifyURL ?? configuration.defaultNotifyURLs[channel] {
            staticOrder = SandboxOrder(
                channel: channel, outTradeNo: outTradeNo,
                tradeNo: channel == .wechat ? SandboxID.wechatTransaction(now) : SandboxID.alipayTrade(now),
                amountFen: amountFen, subject: subject ?? "扫码付款", notifyURL: url, kind: .staticCode, state: .notPaid,
                createdAt: now, fingerprint: "static")
        }
        let payerID = payer ?? (channel == .wechat ? "o" + SandboxID.alphanumeric(27) : SandboxID.alipayUser())
        let order = try await state.pay(
            channel, outTradeNo, amountFen: amountFen, payer: payerID, now: now, staticOrder: staticOrder)
        logger.info(
            "order paid in the sandbox",
            metadata: ["channel": "\(channel.rawValue)", "out_trade_no": "\(outTradeNo)", "fen": "\(order.paidFen ?? 0)"])
        await send(channel == .wechat ? wechatPaymentNotify(order) : alipayPaymentNotify(order))
        return order
    }
}
