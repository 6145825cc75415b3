/// What a reconciliation compares: one line of a channel's daily bill, and the platform's view of the same
/// payment or refund.
///
/// Both sides are keyed by ``ReconKey``: a payment by its out trade number (the platform's order id), a refund by
/// its out refund number (the platform's refund order id), a payout (a Bill99 withdrawal) by its order id. Amounts are integer fen (money.md rule 1); times are
/// Asia/Shanghai wall time `yyyy-MM-dd HH:mm:ss`, the form the channels' bills use.
public enum ReconRecordKind: String, Sendable, Codable, CaseIterable {
    case payment
    case refund
    /// A withdrawal paid out through a channel (Bill99 pay-to-bank, read by querying each payout).
    case payout
}

/// The identity both sides of a reconciliation agree on: `payment:<out_trade_no>`, `refund:<out_refund_no>` or
/// `payout:<order id>`.
public struct ReconKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let kind: ReconRecordKind
    public let number: String

    public init(kind: ReconRecordKind, number: String) {
        self.kind = kind
        self.number = number
    }

    public var description: String { "\(kind.rawValue):\(number)" }

    public static func < (lhs: ReconKey, rhs: ReconKey) -> Bool { lhs.description < rhs.description }
}

/// One row of a channel's bill, as a parser read it.
///
/// Guarantees: `amountFen > 0` is the payment's order amount or the refund's amount (never signed);
/// `succeeded` says whether the channel reports the money as moved (WeChat 交易状态 SUCCESS / a refund row,
/// Alipay 业务类型 交易 / 退款); `status` keeps the channel's own word for it.
public struct ChannelBillRecord: Sendable, Hashable, Codable {
    public var channel: Channel
    public var kind: ReconRecordKind
    /// WeChat 微信订单号 / Alipay 支付宝交易号.
    public var transactionID: String
    /// 商户订单号: the platform's order id.
    public var outTradeNo: String
    /// 商户退款单号 / 退款批次号: the platform's refund order id (refund rows only).
    public var outRefundNo: String?
    public var status: String
    public var succeeded: Bool
    public var amountFen: Int64
    /// When the channel booked it, `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai.
    public var billedAt: String

    public init(
        channel: Channel, kind: ReconRecordKind, transactionID: String, outTradeNo: String, outRefundNo: String? = nil,
        status: String, succeeded: Bool, amountFen: Int64, billedAt: String
    ) {
        self.channel = channel
        self.kind = kind
        self.transactionID = transactionID
        self.outTradeNo = outTradeNo
        self.outRefundNo = outRefundNo
        self.status = status
        self.succeeded = succeeded
        self.amountFen = amountFen
        self.billedAt = billedAt
    }

    public var key: ReconKey { ReconKey(kind: kind, number: kind == .refund ? (outRefundNo ?? outTradeNo) : outTradeNo) }
    /// The bill day, `yyyy-MM-dd`.
    public var day: String { String(billedAt.prefix(10)) }
}

/// The platform's side: a payment order with its channel payment, or a refund sent through a channel.
///
/// Guarantees: `booked` is true exactly when the ledger holds the entry that moved the money (a
/// `rechargePaid`/`envelopeFunded`/`collectionPaid` entry, or a refund the channel confirmed), and then
/// `bookedAt` is when; `status` is the platform order's status.
public struct PlatformRecord: Sendable, Hashable, Codable {
    public var channel: Channel
    public var kind: ReconRecordKind
    public var orderID: String
    /// The refund order id, for a refund.
    public var refundOrderID: String?
    public var transactionID: String?
    public var status: String
    public var booked: Bool
    public var amountFen: Int64
    /// When the ledger booked it, `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai.
    public var bookedAt: String?

    public init(
        channel: Channel, kind: ReconRecordKind, orderID: String, refundOrderID: String? = nil, transactionID: String?,
        status: String, booked: Bool, amountFen: Int64, bookedAt: String?
    ) {
        self.channel = channel
        self.kind = kind
        self.orderID = orderID
        self.refundOrderID = refundOrderID
        self.transactionID = transactionID
        self.status = status
        self.booked = booked
        self.amountFen = amountFen
        self.bookedAt = bookedAt
    }

    public var key: ReconKey { ReconKey(kind: kind, number: kind == .refund ? (refundOrderID ?? orderID) : orderID) }
    public var day: String? { bookedAt.map { String($0.prefix(10)) } }
}
