import Foundation
import PaystreamCore

/// An order to be paid: by scanning a QR code (WeChat Native, Alipay precreate) or on Alipay's cashier page.
///
/// Guarantees (checked by the clients before sending): `amount` is at least 1 fen; `outTradeNo` is the
/// platform's order number and the channel's idempotency key.
public struct PaymentOrder: Sendable, Equatable {
    /// The platform's order number (WeChat 6...32, Alipay 1...64 characters of letters, digits, `_-|*`).
    public var outTradeNo: String
    public var amount: Amount
    /// What is bought, shown to the payer (WeChat `description`, Alipay `subject`), 1...127 characters.
    public var description: String
    /// When the order stops being payable, if earlier than the channel's default.
    public var expiresAt: Date?
    /// Opaque data the channel echoes in the notify (WeChat `attach`, Alipay `passback_params`).
    public var attach: String?

    public init(outTradeNo: String, amount: Amount, description: String, expiresAt: Date? = nil, attach: String? = nil) {
        self.outTradeNo = outTradeNo
        self.amount = amount
        self.description = description
        self.expiresAt = expiresAt
        self.attach = attach
    }
}

/// The answer to a QR order: the text to encode in the QR code (`weixin://wxpay/bizpayurl?pr=…` or
/// `https://qr.alipay.com/…`), taken from a verified answer.
public struct QRPayment: Sendable, Equatable {
    public var outTradeNo: String
    public var codeURL: String
}

/// The state of a payment as the platform needs it.
public enum PaymentState: String, Sendable, Equatable {
    /// Created and not paid yet (WeChat NOTPAY, Alipay WAIT_BUYER_PAY).
    case notPaid
    /// The payer is entering a password or the bank is processing (WeChat USERPAYING).
    case paying
    /// Paid (WeChat SUCCESS, Alipay TRADE_SUCCESS and TRADE_FINISHED).
    case succeeded
    /// Paid and then (partly) refunded (WeChat REFUND). Alipay reports a fully refunded trade as TRADE_CLOSED,
    /// which maps to ``closed``: check the amount paid before treating a closed Alipay trade as unpaid.
    case refunded
    /// Closed or revoked (WeChat CLOSED, REVOKED; Alipay TRADE_CLOSED).
    case closed
    /// The payment failed (WeChat PAYERROR).
    case failed
}

/// A payment's state at the channel, from a verified answer.
public struct PaymentStatus: Sendable, Equatable {
    public var channel: Channel
    public var outTradeNo: String
    /// The channel's transaction number (WeChat transaction_id, Alipay trade_no), once there is one.
    public var transactionID: String?
    public var state: PaymentState
    /// The channel's own state name (e.g. "SUCCESS", "TRADE_SUCCESS").
    public var rawState: String
    /// The order total in fen, when the channel reports it.
    public var amount: Amount?
    /// What the payer actually paid in fen, when the channel reports it (WeChat payer_total, Alipay
    /// buyer_pay_amount).
    public var payerAmount: Amount?
    public var paidAt: Date?
    /// The payer (WeChat openid, Alipay buyer_user_id), when known.
    public var payerID: String?
}

/// A refund of a paid order.
public struct RefundRequest: Sendable, Equatable {
    public var outTradeNo: String
    /// The platform's refund number: the channel's idempotency key for this refund.
    public var outRefundNo: String
    /// How much to give back, at least 1 fen and at most what was paid.
    public var refundAmount: Amount
    /// The original order's total (WeChat requires it to match the order).
    public var totalAmount: Amount
    public var reason: String?

    public init(outTradeNo: String, outRefundNo: String, refundAmount: Amount, totalAmount: Amount, reason: String? = nil) {
        self.outTradeNo = outTradeNo
        self.outRefundNo = outRefundNo
        self.refundAmount = refundAmount
        self.totalAmount = totalAmount
        self.reason = reason
    }
}

/// The state of a refund as the platform needs it; only ``succeeded`` means the money went back.
public enum RefundState: String, Sendable, Equatable {
    /// Accepted, money not back yet (WeChat PROCESSING).
    case processing
    /// The money went back (WeChat SUCCESS, Alipay fund_change / REFUND_SUCCESS).
    case succeeded
    /// Closed without refunding (WeChat CLOSED).
    case closed
    /// Failed and needs manual handling at the channel (WeChat ABNORMAL).
    case abnormal
}

/// A refund's state at the channel, from a verified answer.
public struct RefundStatus: Sendable, Equatable {
    public var channel: Channel
    public var outTradeNo: String
    public var outRefundNo: String
    /// The channel's refund number (WeChat refund_id), when it gives one.
    public var refundID: String?
    public var state: RefundState
    public var rawState: String
    /// This refund's amount in fen.
    public var refundAmount: Amount
    /// Everything refunded on the order so far, when the channel reports it (Alipay refund_fee).
    public var totalRefunded: Amount?
    public var completedAt: Date?
}
