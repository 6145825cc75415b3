import Foundation
@testable import PaystreamCore

/// Small builders shared by the tests; they force-unwrap because every input here is known valid.
enum Fixture {
    static func user(_ id: String) -> AccountID { try! AccountID.user(id) }
    static func merchant(_ id: String) -> AccountID { try! AccountID.merchant(id) }
    static func fen(_ value: Int64) -> Amount { try! Amount(fen: value) }
    static let time = Date(timeIntervalSince1970: 1_714_564_800.25)  // 2024-05-01T12:00:00.250Z

    static func event(_ payload: MoneyEvent.Payload, correlationID: String? = nil) -> MoneyEvent {
        try! MoneyEvent(payload: payload, occurredAt: time, correlationID: correlationID)
    }

    static func paymentSucceeded(
        order: String, channel: Channel = .wechat, transaction: String? = nil, fen: Int64, payer: AccountID,
        purpose: PaymentSucceeded.Purpose = .recharge
    ) -> MoneyEvent {
        event(
            .paymentSucceeded(
                try! PaymentSucceeded(
                    orderID: order, channel: channel, channelTransactionID: transaction ?? "tx-\(order)",
                    amount: Self.fen(fen), payer: payer, purpose: purpose)))
    }

    static func paymentFailed(order: String, channel: Channel = .wechat, reason: String = "user cancelled") -> MoneyEvent {
        event(.paymentFailed(try! PaymentFailed(orderID: order, channel: channel, reason: reason)))
    }

    static func transfer(order: String, from: AccountID, to: AccountID, fen: Int64) -> MoneyEvent {
        event(.transferRequested(try! TransferRequested(orderID: order, from: from, to: to, amount: Self.fen(fen))))
    }

    static func grab(envelope: String, grab: String, sender: AccountID, grabber: AccountID, fen: Int64) -> MoneyEvent {
        event(
            .envelopeGrabbed(
                try! EnvelopeGrabbed(
                    envelopeOrderID: envelope, grabID: grab, sender: sender, grabber: grabber, amount: Self.fen(fen))))
    }

    static func refund(
        refund: String, original: String, payer: AccountID, fen: Int64, destination: RefundDestination
    ) -> MoneyEvent {
        event(
            .refundRequested(
                try! RefundRequested(
                    refundOrderID: refund, originalOrderID: original, payer: payer, amount: Self.fen(fen),
                    destination: destination)))
    }

    static func refundReturned(
        refund: String, original: String, payer: AccountID, channel: Channel, fen: Int64, reason: String = "REFUND ABNORMAL"
    ) -> MoneyEvent {
        event(
            .refundReturned(
                try! RefundReturned(
                    refundOrderID: refund, originalOrderID: original, payer: payer, channel: channel, amount: Self.fen(fen),
                    reason: reason)))
    }

    static func withdraw(order: String, account: AccountID, fen: Int64, channel: Channel = .bill99) -> MoneyEvent {
        event(
            .withdrawalRequested(
                try! WithdrawalRequested(orderID: order, account: account, amount: Self.fen(fen), channel: channel)))
    }

    static func approve(order: String, by operatorID: String = "op-1") -> MoneyEvent {
        event(.withdrawalApproved(try! WithdrawalApproved(orderID: order, approvedBy: operatorID)))
    }

    static func paidOut(order: String, transaction: String = "bill99-tx-1") -> MoneyEvent {
        event(.withdrawalPaidOut(try! WithdrawalPaidOut(orderID: order, channelTransactionID: transaction)))
    }

    static func reject(order: String, reason: String = "risk") -> MoneyEvent {
        event(.withdrawalRejected(try! WithdrawalRejected(orderID: order, reason: reason)))
    }

    static func fail(order: String, reason: String = "bank refused") -> MoneyEvent {
        event(.withdrawalFailed(try! WithdrawalFailed(orderID: order, reason: reason)))
    }

    static func walletFunded(envelope: String, sender: AccountID, fen: Int64) -> MoneyEvent {
        event(.envelopeWalletFunded(try! EnvelopeWalletFunded(envelopeOrderID: envelope, sender: sender, amount: Self.fen(fen))))
    }

    static func expire(envelope: String, sender: AccountID, destination: RefundDestination) -> MoneyEvent {
        event(.envelopeExpired(try! EnvelopeExpired(envelopeOrderID: envelope, sender: sender, destination: destination)))
    }

    static func restReturned(envelope: String, sender: AccountID, channel: Channel, fen: Int64) -> MoneyEvent {
        event(
            .envelopeRestReturned(
                try! EnvelopeRestReturned(envelopeOrderID: envelope, sender: sender, channel: channel, amount: Self.fen(fen), reason: "WeChat Pay refund CLOSED")))
    }

    /// Applies `event` to `ledger`, requiring that the rules accept it and the ledger takes the effects.
    @discardableResult
    static func apply(_ event: MoneyEvent, to ledger: InMemoryLedgerView) throws -> Effects {
        let effects = try LedgerRules.effects(of: event, in: ledger).get()
        try ledger.apply(effects)
        return effects
    }

    /// The rejection code for `event`, or nil when it is accepted.
    static func rejection(_ event: MoneyEvent, in ledger: InMemoryLedgerView) -> String? {
        switch LedgerRules.effects(of: event, in: ledger) {
        case .success: nil
        case .failure(let rejection): rejection.code
        }
    }

    static func posting(_ account: AccountID, _ bucket: Bucket, _ fen: Int64) -> Posting {
        try! Posting(account: account, bucket: bucket, amountFen: fen)
    }
}
