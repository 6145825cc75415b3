import Foundation
import PaystreamCore

extension SandboxState {
    // MARK: Refunds

    /// Records a refund of a paid order. Repeating an `outRefundNo` returns the stored refund (the channel's
    /// idempotency); a repeat with another amount throws `.conflict`; more than the unrefunded paid amount throws
    /// `.refundExceedsPaid`. With `final` the refund is SUCCESS at once (Alipay), else PROCESSING (WeChat).
    func createRefund(
        _ channel: Channel, outTradeNo: String, outRefundNo: String, amountFen: Int64, reason: String?,
        notifyURL: String?, final: Bool, scopedToTrade: Bool = false, now: Date
    ) throws(SandboxFailure) -> (refund: SandboxRefund, isNew: Bool) {
        // Alipay scopes out_request_no to its trade; WeChat's out_refund_no is unique per merchant.
        let refundKey = Key(channel: channel, id: scopedToTrade ? "\(outTradeNo)#\(outRefundNo)" : outRefundNo)
        if let existing = refunds[refundKey] {
            guard existing.outTradeNo == outTradeNo, existing.amountFen == amountFen else {
                throw .conflict("out_refund_no \(outRefundNo) was used for a different refund")
            }
            return (existing, false)
        }
        let orderKey = Key(channel: channel, id: outTradeNo)
        guard var order = orders[orderKey] else { throw .orderNotFound(outTradeNo) }
        guard order.state == .paid, let paid = order.paidFen else { throw .orderNotPaid(outTradeNo) }
        guard amountFen > 0 else { throw .invalid("the refund amount must be positive") }
        guard amountFen <= paid - order.refundedFen else {
            throw .refundExceedsPaid("\(amountFen) fen asked, \(paid - order.refundedFen) fen refundable")
        }
        guard refunds.count < maxOrders else { throw .limitReached("the sandbox holds \(maxOrders) refunds; reset it") }
        if faults.refunds?.refuse == true {
            throw .refundRefused("the refund is refused for good (fault refunds.refuse: the payer's account is closed, or the refund period is over)")
        }
        order.refundedFen += amountFen
        orders[orderKey] = order
        let refund = SandboxRefund(
            channel: channel, outTradeNo: outTradeNo, tradeNo: order.tradeNo, outRefundNo: outRefundNo,
            refundID: channel == .wechat ? SandboxID.wechatRefund(now) : SandboxID.alipayTrade(now),
            amountFen: amountFen, orderTotalFen: paid, status: final ? "SUCCESS" : "PROCESSING", reason: reason,
            notifyURL: notifyURL ?? order.notifyURL, createdAt: now, finishedAt: final ? now : nil)
        refunds[refundKey] = refund
        refundSequence.append(refundKey)
        if faults.refunds?.refuseAnswer == true {
            throw .refundRefused("the refund is refused for good (fault refunds.refuseAnswer: the refund was made all the same)")
        }
        return (refund, true)
    }

    func refund(_ channel: Channel, _ outRefundNo: String) -> SandboxRefund? { refunds[Key(channel: channel, id: outRefundNo)] }

    /// True (and one fewer left) when fault `refunds.unmovedAnswers` makes this Alipay refund request, for a refund
    /// not made yet, go through without a refund.
    func takeUnmovedRefundAnswer(outTradeNo: String, outRequestNo: String) -> Bool {
        guard let left = faults.refunds?.unmovedAnswers, left > 0,
            refunds[Key(channel: .alipay, id: "\(outTradeNo)#\(outRequestNo)")] == nil
        else { return false }
        faults.refunds?.unmovedAnswers = left - 1
        return true
    }

    func allRefunds() -> [SandboxRefund] { refundSequence.compactMap { refunds[$0] } }

    /// Finishes a PROCESSING refund as `status` (SUCCESS, ABNORMAL or CLOSED; a CLOSED refund gives the amount
    /// back to the order's refundable balance, an ABNORMAL one keeps it: the money left the merchant and waits for
    /// the merchant to finish it). Returns nil when it was already final.
    func finishRefund(_ channel: Channel, _ outRefundNo: String, status: String, now: Date) -> SandboxRefund? {
        let key = Key(channel: channel, id: outRefundNo)
        guard var refund = refunds[key], refund.status == "PROCESSING" else { return nil }
        refund.status = status
        refund.finishedAt = now
        refunds[key] = refund
        if status == "CLOSED", var order = orders[Key(channel: channel, id: refund.outTradeNo)] {
            order.refundedFen -= refund.amountFen
            orders[Key(channel: channel, id: refund.outTradeNo)] = order
        }
        return refund
    }

    /// The merchant finishes an ABNORMAL refund in its platform (to the payer's balance or another card, WeChat's
    /// "abnormal refund"): it ends SUCCESS. Returns nil when the refund is not ABNORMAL.
    func finishAbnormalRefund(_ channel: Channel, _ outRefundNo: String, now: Date) -> SandboxRefund? {
        let key = Key(channel: channel, id: outRefundNo)
        guard var refund = refunds[key], refund.status == "ABNORMAL" else { return nil }
        refund.status = "SUCCESS"
        refund.finishedAt = now
        refunds[key] = refund
        return refund
    }

    // MARK: Payouts

    /// Records a payout, or returns the stored one for a repeated `outBillNo` with the same content; throws
    /// `.conflict` for a repeat with different content.
    func createPayout(_ payout: SandboxPayout) throws(SandboxFailure) -> (payout: SandboxPayout, isNew: Bool) {
        let key = payout.rail.rawValue + "/" + payout.outBillNo
        if let existing = payouts[key] {
            guard existing.fingerprint == payout.fingerprint else {
                throw .conflict("\(payout.outBillNo) was used for a different payout")
            }
            return (existing, false)
        }
        guard payouts.count < maxOrders else { throw .limitReached("the sandbox holds \(maxOrders) payouts; reset it") }
        payouts[key] = payout
        payoutSequence.append(key)
        return (payout, true)
    }

    func payout(_ rail: SandboxPayout.Rail, _ outBillNo: String) -> SandboxPayout? { payouts[rail.rawValue + "/" + outBillNo] }

    func allPayouts() -> [SandboxPayout] { payoutSequence.compactMap { payouts[$0] } }

    /// Cancels a WeChat transfer still waiting for the user's confirmation: CANCELLED, final. A cancelled one is
    /// answered again as it is; nil when there is no such transfer; `.invalid` in any other state (the user
    /// confirmed it, or it is final).
    func cancelTransfer(_ outBillNo: String, now: Date) throws(SandboxFailure) -> SandboxPayout? {
        let key = SandboxPayout.Rail.wechatTransfer.rawValue + "/" + outBillNo
        guard var payout = payouts[key] else { return nil }
        if payout.state == "CANCELLED" { return payout }
        guard payout.state == "WAIT_USER_CONFIRM" else { throw .invalid("transfer \(outBillNo) is \(payout.state): it can no longer be cancelled") }
        payout.state = "CANCELLED"
        payout.updatedAt = now
        payouts[key] = payout
        return payout
    }

    enum TransferConfirmation: Sendable {
        case finished(SandboxPayout)
        case unknown
        case notWaiting(state: String)
    }

    /// SIMULATED: the WeChat user confirms transfer `outBillNo`, checked and finished in one step of this actor (a
    /// cancel cannot come in between): it ends as ``finishPayout(_:_:now:confirmedByUser:)`` ends it.
    func confirmTransfer(_ outBillNo: String, now: Date) -> TransferConfirmation {
        guard let payout = payout(.wechatTransfer, outBillNo) else { return .unknown }
        guard payout.state == "WAIT_USER_CONFIRM", let finished = finishPayout(.wechatTransfer, outBillNo, now: now, confirmedByUser: true) else {
            return .notWaiting(state: payout.state)
        }
        return .finished(finished)
    }

    /// Moves a payout to its final state, taking the payout faults in force now into account. Returns nil when
    /// the payout is unknown or already final, or when it is a WeChat transfer whose user does not confirm
    /// (`awaitConfirmation`) and `confirmedByUser` is false.
    func finishPayout(_ rail: SandboxPayout.Rail, _ outBillNo: String, now: Date, confirmedByUser: Bool = false) -> SandboxPayout? {
        let key = rail.rawValue + "/" + outBillNo
        let finalStates: Set<String> = ["SUCCESS", "FAIL", "CANCELLED", "111", "112"]
        guard var payout = payouts[key], !finalStates.contains(payout.state) else { return nil }
        if rail == .wechatTransfer && faults.payouts?.awaitConfirmation == true && !confirmedByUser { return nil }
        let nameCheck = payout.details[SandboxPayout.nameCheckDetail]
        let fail = faults.payouts?.fail == true || nameCheck != nil
        switch rail {
        case .wechatTransfer: payout.state = fail ? "FAIL" : "SUCCESS"
        case .bill99: payout.state = fail ? "112" : "111"
        }
        if fail {
            payout.failReason =
                nameCheck ?? faults.payouts?.failReason ?? (rail == .wechatTransfer ? "PAYEE_ACCOUNT_ABNORMAL" : "收款账户异常")
        }
        payout.updatedAt = now
        payouts[key] = payout
        return payout
    }
}
