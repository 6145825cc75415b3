import Foundation
import PaystreamCore

/// A bank account to pay into (Bill99 pay-to-bank).
public struct BankAccount: Sendable, Equatable {
    /// The account (card) number, digits only.
    public var accountNumber: String
    /// The account holder's name as the bank knows it (creditName).
    public var holderName: String
    public var bankName: String
    public var branchName: String?
    public var province: String?
    public var city: String?
    public var mobile: String?

    public init(
        accountNumber: String, holderName: String, bankName: String, branchName: String? = nil, province: String? = nil,
        city: String? = nil, mobile: String? = nil
    ) {
        self.accountNumber = accountNumber
        self.holderName = holderName
        self.bankName = bankName
        self.branchName = branchName
        self.province = province
        self.city = city
        self.mobile = mobile
    }
}

/// Where a payout goes.
public enum PayoutDestination: Sendable, Equatable {
    /// A bank account (Bill99).
    case bankAccount(BankAccount)
    /// A WeChat user's balance (零钱), by the user's openid under the configured appid; `userName`, the payee's real
    /// name, which WeChat Pay requires from 2,000.00 CNY on and checks against the openid's (sent encrypted).
    case wechatBalance(openID: String, userName: String? = nil)
}

/// A payout order.
public struct PayoutRequest: Sendable, Equatable {
    /// The platform's payout number: the channel's idempotency key (WeChat out_bill_no, Bill99 orderId).
    public var payoutID: String
    public var amount: Amount
    public var destination: PayoutDestination
    /// Shown to the payee (WeChat transfer_remark, Bill99 remark).
    public var remark: String

    public init(payoutID: String, amount: Amount, destination: PayoutDestination, remark: String) {
        self.payoutID = payoutID
        self.amount = amount
        self.destination = destination
        self.remark = remark
    }
}

/// The state of a payout; only ``succeeded`` and ``failed``/``cancelled`` are final.
public enum PayoutState: String, Sendable, Equatable {
    /// Accepted and not final (WeChat ACCEPTED, PROCESSING, TRANSFERING, CANCELING; Bill99 101).
    case processing
    /// Waiting for the WeChat user to confirm receipt (WAIT_USER_CONFIRM); see ``PayoutStatus/packageInfo``.
    case awaitingUserConfirmation
    /// The money arrived (WeChat SUCCESS, Bill99 111).
    case succeeded
    /// The payout failed; the money was not paid (WeChat FAIL, Bill99 112).
    case failed
    /// Cancelled before paying (WeChat CANCELLED).
    case cancelled
}

/// A payout's state at the channel, from a verified answer.
public struct PayoutStatus: Sendable, Equatable {
    public var channel: Channel
    public var payoutID: String
    /// The channel's number for it (WeChat transfer_bill_no, Bill99 dealId), when known.
    public var channelPayoutID: String?
    public var state: PayoutState
    public var rawState: String
    public var amount: Amount?
    public var failureReason: String?
    /// WeChat's package_info, needed by the app to let the user confirm a WAIT_USER_CONFIRM transfer.
    public var packageInfo: String?
    public var updatedAt: Date?
}
