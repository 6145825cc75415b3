/// A refusal by one of the ledger's structural rules: an unbalanced or malformed journal entry, an invalid
/// account identifier, an illegal order transition, or an effect that would break an invariant.
///
/// Guarantees: `code` is stable and machine-readable (`entry.unbalanced`, `entry.too_few_postings`,
/// `entry.zero_posting`, `entry.empty_key`, `entry.empty_order`, `entry.sum_overflow`, `entry.duplicate_key`,
/// `account.invalid`, `order.illegal_transition`, `order.invalid_change`, `balance.negative`,
/// `balance.overflow`); `message` is for humans.
public struct LedgerRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
