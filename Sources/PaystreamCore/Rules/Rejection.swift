/// A valid event that the ledger refuses to apply, with a stable reason code. The refusal is itself the
/// event's outcome: record it under the event's idempotency key (`rejected:<code>`) and never retry it.
///
/// Guarantees: `code` is one of `order.unknown`, `order.duplicate`, `order.kind_mismatch`,
/// `order.amount_mismatch`, `order.owner_mismatch`, `order.channel_mismatch`, `order.channel_missing`,
/// `order.illegal_transition`, `balance.insufficient_available`, `balance.insufficient_frozen`,
/// `balance.overflow`, `transfer.same_account`, `envelope.unknown`, `envelope.not_funded`,
/// `envelope.sender_mismatch`, `envelope.overdrawn`, `refund.not_refundable`, `refund.exceeds_original`,
/// `refund.payer_mismatch`, `refund.destination_mismatch`, or an `entry.*` code of ``LedgerRuleError``.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    init(_ error: LedgerRuleError) {
        self.init(code: error.code, message: error.message)
    }

    public var description: String { "\(code): \(message)" }
}
