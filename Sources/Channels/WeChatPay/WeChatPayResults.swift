import Foundation
import PaystreamCore

/// A WeChat Pay transaction from a verified query answer or a verified and decrypted TRANSACTION.* notify.
///
/// Guarantees: every amount is exact fen from an integer field; `state` is nil only for a trade_state this
/// code does not know (then look at `tradeState`).
public struct WeChatPayTransaction: Sendable, Equatable {
    public var appID: String?
    public var merchantID: String?
    public var outTradeNo: String
    public var transactionID: String?
    public var tradeType: String?
    /// SUCCESS, REFUND, NOTPAY, CLOSED, REVOKED, USERPAYING or PAYERROR.
    public var tradeState: String
    public var state: PaymentState?
    /// amount.total: the order total in fen.
    public var total: Amount?
    /// amount.payer_total: what the payer paid in fen.
    public var payerTotal: Amount?
    public var currency: String?
    public var payerOpenID: String?
    public var successTime: Date?
    public var attach: String?
}

extension WeChatPayTransaction {
    /// Why a transaction is not one of Paystream's own orders.
    public enum Foreign: Sendable, Equatable, CustomStringConvertible {
        /// Made for another app (appid), or for none.
        case otherApp(String?)
        /// An amount in another currency than CNY, the only one Paystream's orders are made in.
        case otherCurrency(String)

        public var description: String {
            switch self {
            case .otherApp(let appID): "appid \(appID ?? "(none)") is not ours"
            case .otherCurrency(let currency): "amount is in \(currency), not CNY"
            }
        }
    }

    /// The one check of a notify's and a query answer's transaction against the order Paystream made: `appID`'s
    /// (any app's when nil: a verifier not pinned to one), in CNY. Nil when it is ours.
    public func foreign(toApp appID: String?) -> Foreign? {
        if let appID, self.appID != appID { return .otherApp(self.appID) }
        if let currency, currency != "CNY" { return .otherCurrency(currency) }
        return nil
    }
}

/// A refund from a verified and decrypted REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED notify.
public struct WeChatPayRefundNotice: Sendable, Equatable {
    public var merchantID: String?
    public var outTradeNo: String
    public var transactionID: String?
    public var outRefundNo: String
    public var refundID: String?
    /// SUCCESS, CLOSED, ABNORMAL (or PROCESSING in answers).
    public var refundStatus: String
    public var state: RefundState?
    public var successTime: Date?
    public var total: Amount
    public var refund: Amount
    public var payerTotal: Amount?
    public var payerRefund: Amount?
    public var userReceivedAccount: String?
}

enum WeChatPayMapping {
    struct Invalid: Error, CustomStringConvertible { let description: String }

    static func amount(_ fen: Int64?, _ name: String) throws(Invalid) -> Amount? {
        guard let fen else { return nil }
        do { return try Amount(fen: fen) } catch { throw Invalid(description: "\(name) is negative") }
    }

    static func date(_ text: String?, _ name: String) throws(Invalid) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        guard let date = ChannelTime.parseRFC3339(text) else { throw Invalid(description: "\(name) is not RFC 3339") }
        return date
    }

    static func paymentState(_ raw: String) -> PaymentState? {
        switch raw {
        case "SUCCESS": .succeeded
        case "REFUND": .refunded
        case "NOTPAY": .notPaid
        case "USERPAYING": .paying
        case "CLOSED", "REVOKED": .closed
        case "PAYERROR": .failed
        default: nil
        }
    }

    static func refundState(_ raw: String) -> RefundState? {
        switch raw {
        case "SUCCESS": .succeeded
        case "PROCESSING": .processing
        case "CLOSED": .closed
        case "ABNORMAL": .abnormal
        default: nil
        }
    }

    static func payoutState(_ raw: String) -> PayoutState? {
        switch raw {
        case "ACCEPTED", "PROCESSING", "TRANSFERING", "CANCELING": .processing
        case "WAIT_USER_CONFIRM": .awaitingUserConfirmation
        case "SUCCESS": .succeeded
        case "FAIL": .failed
        case "CANCELLED": .cancelled
        default: nil
        }
    }

    static func transaction(_ wire: WeChatWireTransaction) throws(Invalid) -> WeChatPayTransaction {
        WeChatPayTransaction(
            appID: wire.appid, merchantID: wire.mchid, outTradeNo: wire.out_trade_no, transactionID: wire.transaction_id,
            tradeType: wire.trade_type, tradeState: wire.trade_state, state: paymentState(wire.trade_state),
            total: try amount(wire.amount?.total, "amount.total"),
            payerTotal: try amount(wire.amount?.payer_total, "amount.payer_total"), currency: wire.amount?.currency,
            payerOpenID: wire.payer?.openid, successTime: try date(wire.success_time, "success_time"), attach: wire.attach)
    }

    static func refund(_ wire: WeChatWireRefund) throws(Invalid) -> WeChatPayRefundNotice {
        guard let status = wire.refund_status ?? wire.status else { throw Invalid(description: "no refund status") }
        guard let total = try amount(wire.amount.total, "amount.total"),
            let refund = try amount(wire.amount.refund, "amount.refund")
        else { throw Invalid(description: "no amount") }
        return WeChatPayRefundNotice(
            merchantID: wire.mchid, outTradeNo: wire.out_trade_no, transactionID: wire.transaction_id,
            outRefundNo: wire.out_refund_no, refundID: wire.refund_id, refundStatus: status, state: refundState(status),
            successTime: try date(wire.success_time, "success_time"), total: total, refund: refund,
            payerTotal: try amount(wire.amount.payer_total, "amount.payer_total"),
            payerRefund: try amount(wire.amount.payer_refund, "amount.payer_refund"),
            userReceivedAccount: wire.user_received_account)
    }

    static func payout(_ wire: WeChatWireTransfer) throws(Invalid) -> PayoutStatus {
        guard let state = payoutState(wire.state) else { throw Invalid(description: "unknown transfer state \(wire.state)") }
        return PayoutStatus(
            channel: .wechat, payoutID: wire.out_bill_no, channelPayoutID: wire.transfer_bill_no, state: state,
            rawState: wire.state, amount: try amount(wire.transfer_amount, "transfer_amount"),
            failureReason: wire.fail_reason, packageInfo: wire.package_info,
            updatedAt: try date(wire.update_time ?? wire.create_time, "update_time"))
    }
}
