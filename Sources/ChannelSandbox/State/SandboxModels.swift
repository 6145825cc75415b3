import Foundation
import PaystreamCore

/// A payment order as a simulated channel keeps it (WeChat Pay Native order or Alipay precreate/page-pay trade).
///
/// Guarantees: `outTradeNo` is unique per channel; `paidFen` is set exactly when `state == .paid`;
/// `refundedFen` never exceeds `paidFen`.
public struct SandboxOrder: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case notPaid = "NOTPAY", paid = "SUCCESS", closed = "CLOSED" }
    /// How the order came to exist: NATIVE (WeChat code_url), PRECREATE (Alipay QR), PAGE (Alipay web cashier)
    /// or STATIC (a static QR paid through `POST /sandbox/pay` without an order the platform created first).
    public enum Kind: String, Codable, Sendable { case native = "NATIVE", precreate = "PRECREATE", page = "PAGE", staticCode = "STATIC" }

    public let channel: Channel
    public let outTradeNo: String
    /// WeChat `transaction_id` or Alipay `trade_no`, assigned when the order is created.
    public let tradeNo: String
    public var amountFen: Int64
    public var paidFen: Int64?
    public var subject: String
    public var attach: String?
    public var notifyURL: String?
    public var returnURL: String?
    /// WeChat `code_url` or Alipay `qr_code` handed out for this order.
    public var qrCode: String?
    public var kind: Kind
    public var state: State
    public var payer: String?
    public var createdAt: Date
    public var paidAt: Date?
    public var closedAt: Date?
    public var expiresAt: Date?
    public var refundedFen: Int64 = 0
    /// SIMULATED: the payer's last attempt failed at the bank (WeChat Pay then reports PAYERROR while the order is
    /// unpaid; the payer may still pay it until it is closed or expires). Set by `POST /sandbox/pay {"fail":true}`.
    public var lastAttemptFailed: Bool? = nil
    /// The fields that identify a create request, to tell an idempotent repeat from a conflicting reuse.
    var fingerprint: String
}

/// A refund of a paid order. Guarantees: `status` goes PROCESSING → SUCCESS, CLOSED or ABNORMAL once, and
/// ABNORMAL → SUCCESS when the merchant finishes it; never back.
public struct SandboxRefund: Codable, Sendable, Equatable {
    public let channel: Channel
    public let outTradeNo: String
    public let tradeNo: String
    /// WeChat `out_refund_no`; Alipay `out_request_no`.
    public let outRefundNo: String
    public let refundID: String
    public let amountFen: Int64
    public let orderTotalFen: Int64
    public var status: String
    public var reason: String?
    public var notifyURL: String?
    public let createdAt: Date
    public var finishedAt: Date?
}

/// A payout: a WeChat Pay transfer to a user's balance or a Bill99 payment to a bank account.
/// Guarantees: `state` reaches a final value (SUCCESS/FAIL, or Bill99 111/112) once and keeps it.
public struct SandboxPayout: Codable, Sendable, Equatable {
    public enum Rail: String, Codable, Sendable { case wechatTransfer, bill99 }
    public let rail: Rail
    /// WeChat `out_bill_no`; Bill99 `orderId`.
    public let outBillNo: String
    /// WeChat `transfer_bill_no`; Bill99 `dealId`.
    public let channelBillNo: String
    public let amountFen: Int64
    /// WeChat openid; Bill99 bank account.
    public let payee: String
    public var payeeName: String?
    public var remark: String?
    public var state: String
    public var failReason: String?
    public var notifyURL: String?
    public var details: [String: String]
    public let createdAt: Date
    public var updatedAt: Date
    var fingerprint: String

    /// The `details` entry of a WeChat transfer whose payee name is not the openid's real name (SIMULATED record): the
    /// fail reason the bill settles with.
    static let nameCheckDetail = "name_check"
}

/// Faults a test or a person injects; they stay in force until replaced (`POST /sandbox/faults {}` clears all).
public struct SandboxFaults: Codable, Sendable, Equatable {
    public struct Notify: Codable, Sendable, Equatable {
        /// Wait before the first attempt (at most 600000).
        public var delayMs: Int?
        /// Extra identical deliveries after the first (at most 10).
        public var duplicate: Int?
        /// Never send (recorded as `dropped`): the platform has to query.
        public var drop: Bool?
        /// Hold each notify until the next one is made, then send the newer first (`POST /sandbox/notifies/flush`
        /// or turning the fault off releases a held one).
        public var reorder: Bool?
        /// Change the body after signing, so the signature no longer matches.
        public var tamper: Bool?
        /// Sign with a key the platform does not trust.
        public var wrongKey: Bool?
        /// Shift the WeChat `Wechatpay-Timestamp` (e.g. -600 for an expired one).
        public var timestampOffsetSeconds: Int?
        public init() {}
    }
    public struct Payouts: Codable, Sendable, Equatable {
        public var fail: Bool?
        public var failReason: String?
        /// Bill99 only: the payout is accepted (and settles as usual), but the answer to the request is an unsigned
        /// refusal, errorCode 9999 "系统繁忙": what a platform sees when the first answer was lost and the retry was
        /// refused. Only a query tells the truth.
        public var refuseAnswer: Bool?
        /// Bill99 only: the request is refused and no payout is made (errorCode 0006 账户状态异常, unsigned).
        public var refuse: Bool?
        /// Bill99 only: the payout is made (and settles as usual), but the request is answered HTTP 504 with no body,
        /// as when the answer was lost on its way back: the platform cannot tell whether it was made.
        public var dropAnswer: Bool?
        /// WeChat only: the simulated user does not confirm, so a transfer made meanwhile stays WAIT_USER_CONFIRM.
        public var awaitConfirmation: Bool?
        /// A payout made meanwhile is made for the requested amount plus this many fen (a channel that paid
        /// something else than asked), and every answer, query and notify reports that amount.
        public var amountOffsetFen: Int64?
        /// Bill99 only: queries answer errorCode 0004 订单不存在 (unsigned) even for payouts it made, as a query side
        /// behind Bill99's own records would. The payouts go on and settle as usual.
        public var unknownToQueries: Bool?
        /// Bill99 only: a request for an orderId it already holds is refused, errorCode 0003 订单号重复 (unsigned),
        /// instead of answered with that payout.
        public var refuseDuplicates: Bool?
        /// WeChat only: queries about a transfer report its `update_time` this many seconds later (negative: earlier),
        /// as for a transfer the user confirmed just before midnight and the platform booked just after.
        public var queryTimeOffsetSeconds: Int?
        public init() {}
    }
    public struct Refunds: Codable, Sendable, Equatable {
        /// WeChat refunds end ABNORMAL (REFUND.ABNORMAL notify) instead of SUCCESS.
        public var abnormal: Bool?
        /// WeChat refunds end CLOSED (REFUND.CLOSED notify) instead of SUCCESS.
        public var closed: Bool?
        /// WeChat refunds made meanwhile are made for the requested amount plus this many fen (negative: less), and
        /// every answer, query and notify reports that amount.
        public var amountOffsetFen: Int64?
        /// New refund requests are refused for good, signed: WeChat 403 USER_ACCOUNT_ABNORMAL (the payer's account
        /// is closed), Alipay ACQ.TRADE_HAS_FINISHED (the refund period is over). No refund is made.
        public var refuse: Bool?
        /// The refund is made (WeChat: it stays PROCESSING, nothing settles it), but the request is answered with the
        /// same refusal as `refuse`: what a repeat of an accepted request can get. Only asking about the refund tells.
        public var refuseAnswer: Bool?
        /// WeChat only: queries about a refund answer 404 RESOURCE_NOT_EXISTS (signed) even for refunds it made, as a
        /// query side that lost the refund would. The refunds themselves go on and settle as usual (with their notify).
        public var unknownToQueries: Bool?
        /// Alipay only: this many new refund requests make no refund and are answered code 10000 with fund_change "N",
        /// as a refund that did not go through is: only the refund query's empty answer says so, and Alipay's
        /// documentation says to ask for the refund again with the same out_request_no. Counts down as it is used.
        public var unmovedAnswers: Int?
        /// Alipay only: queries about a refund it made answer the refund's data without `refund_status`, as an older
        /// edition of Alipay's documentation describes a refund made (the current one: not received, or failed).
        public var queryWithoutStatus: Bool?
        public init() {}
    }
    public struct Bills: Codable, Sendable, Equatable {
        /// Every day's bill is answered as not existing (WeChat 400 NO_STATEMENT_EXIST, Alipay isp.bill_not_exist):
        /// what a channel can answer for a bill asked for before it is made.
        public var notOut: Bool?
        public init() {}
    }
    public var notify: Notify?
    public var payouts: Payouts?
    public var refunds: Refunds?
    public var bills: Bills?
    public init() {}

    func validate() throws {
        if let delay = notify?.delayMs, !(0...600_000).contains(delay) {
            throw SandboxError(.badRequest, "notify.delayMs must be within 0...600000")
        }
        if let duplicate = notify?.duplicate, !(0...10).contains(duplicate) {
            throw SandboxError(.badRequest, "notify.duplicate must be within 0...10")
        }
        if let offset = notify?.timestampOffsetSeconds, abs(offset) > 86_400 * 365 {
            throw SandboxError(.badRequest, "notify.timestampOffsetSeconds must be within one year")
        }
    }
}

/// One notify the sandbox made, with every delivery attempt.
public struct NotifyRecord: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case pending, held, delivered, failed, dropped }
    public struct Attempt: Codable, Sendable, Equatable {
        public var at: Date
        /// The platform's HTTP status, nil when the request failed (connection refused, timeout).
        public var statusCode: Int?
        /// The platform's answer body (first 4 KiB).
        public var answer: String
        public var error: String?
        public var acknowledged: Bool
    }
    public let id: String
    public let channel: Channel
    /// TRANSACTION.SUCCESS, REFUND.SUCCESS, MCHTRANSFER.BILL.FINISHED, trade_status_sync, pay2bankNotify, …
    public let event: String
    /// The out_trade_no / out_refund_no / out_bill_no / orderId it is about.
    public let reference: String
    public let url: String
    /// 0 for the original, 1... for injected duplicates.
    public let copy: Int
    public var replayOf: String?
    public var state: State
    public var tampered: Bool
    /// The body and headers of the latest attempt, exactly as sent.
    public var body: String
    public var headers: [String: String]
    public var attempts: [Attempt]
}

/// A discrepancy to put into a day's bill.
public struct BillInjection: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The platform has the payment, the channel's bill does not.
        case missingOnChannel
        /// The channel's bill has a payment the platform never saw (a synthetic row).
        case missingOnPlatform
        /// The bill shows `amountFen` instead of the paid amount.
        case amountDiffers
        /// The bill shows `status` (WeChat 交易状态, Alipay 业务类型) instead of the real one.
        case statusDiffers
        /// The payment is billed on the next day (at 00:00:01) instead of `date`.
        case crossDay
    }
    public var channel: Channel
    /// The bill day, `yyyy-MM-dd` in Asia/Shanghai.
    public var date: String
    public var kind: Kind
    public var outTradeNo: String?
    public var amountFen: Int64?
    public var status: String?
}
