/// Where refunded money goes: back out through a channel (credited to that channel's clearing account) or
/// into a wallet on the platform.
///
/// Guarantees: ``account`` is the account the refund credits (available bucket).
public enum RefundDestination: Sendable, Hashable {
    case channel(Channel)
    case wallet(AccountID)

    /// `clearing(channel)` or the wallet.
    public var account: AccountID {
        switch self {
        case .channel(let channel): .clearing(channel)
        case .wallet(let account): account
        }
    }
}
