import Foundation
import PaystreamCore

/// Builds valid money events for the pipeline tests.
enum EventFactory {
    static func account(_ name: String) -> AccountID { try! AccountID.user(name) }

    /// A WeChat payment that funds `user`'s frozen balance (an envelope) or available balance (a recharge).
    static func payment(order: String, user: String, fen: Int64, purpose: PaymentSucceeded.Purpose = .envelope) throws -> MoneyEvent {
        try MoneyEvent(
            payload: .paymentSucceeded(
                PaymentSucceeded(
                    orderID: order, channel: .wechat, channelTransactionID: "wx-\(order)", amount: Amount(fen: fen),
                    payer: account(user), purpose: purpose)),
            occurredAt: Date())
    }

    static func transfer(order: String, from: String, to: String, fen: Int64) throws -> MoneyEvent {
        try MoneyEvent(
            payload: .transferRequested(TransferRequested(orderID: order, from: account(from), to: account(to), amount: Amount(fen: fen))),
            occurredAt: Date())
    }

    static func withdrawal(order: String, user: String, fen: Int64) throws -> MoneyEvent {
        try MoneyEvent(
            payload: .withdrawalRequested(WithdrawalRequested(orderID: order, account: account(user), amount: Amount(fen: fen), channel: .bill99)),
            occurredAt: Date())
    }

    static func approval(order: String) throws -> MoneyEvent {
        try MoneyEvent(payload: .withdrawalApproved(WithdrawalApproved(orderID: order, approvedBy: "admin-1")), occurredAt: Date())
    }

    static func walletFunded(envelope: String, user: String, fen: Int64) throws -> MoneyEvent {
        try MoneyEvent(
            payload: .envelopeWalletFunded(EnvelopeWalletFunded(envelopeOrderID: envelope, sender: account(user), amount: Amount(fen: fen))),
            occurredAt: Date())
    }
}
