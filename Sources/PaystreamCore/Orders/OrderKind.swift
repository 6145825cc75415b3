/// The kinds of business order; each has its own state machine (``OrderStateMachine``).
///
/// Guarantees: raw values are stable names stored with every order.
public enum OrderKind: String, Sendable, Codable, CaseIterable {
    /// Money in from a channel to a wallet.
    case recharge
    /// A red envelope: money in from a channel to the sender's frozen bucket, then grabbed.
    case envelope
    /// Money out from a wallet to a channel (after back-office approval).
    case withdraw
    /// A wallet-to-wallet transfer, seen from the payer.
    case transfer
    /// The incoming side of a transfer or a grab, seen from the receiver.
    case transferIn
    /// Money back from a completed order.
    case refund
    /// A merchant's scan-to-collect payment.
    case collection
}
