/// What business step a journal entry records.
///
/// Guarantees: the raw value is stable (it is stored with every entry and used by reconciliation, e.g.
/// "sum of `envelopeGrab` entries of an envelope").
public enum EntryKind: String, Codable, Sendable, CaseIterable {
    /// clearing(channel).available -X, user.available +X.
    case rechargePaid
    /// clearing(channel).available -X, sender.frozen +X.
    case envelopeFunded
    /// clearing(channel).available -X, merchant.available +X (scan-to-collect).
    case collectionPaid
    /// user.available -X, user.frozen +X.
    case withdrawFreeze
    /// user.frozen -X, clearing(channel).available +X.
    case withdrawPaidOut
    /// user.frozen -X, user.available +X.
    case withdrawUnfreeze
    /// from.frozen -X, to.available +X.
    case transfer
    /// sender.frozen -x, grabber.available +x.
    case envelopeGrab
    /// payer.available -X, clearing(channel).available or user.available +X.
    case refund
    /// clearing(channel).available -X, payer.available +X: a refund the channel could not complete comes back.
    case refundReturned
    /// The rest of an expired envelope leaving sender.frozen.
    case envelopeRefund
    /// clearing(channel).available -X, sender.available +X: the rest of an expired envelope that the channel did not
    /// refund comes back to the sender's wallet.
    case envelopeRestReturned
    /// sender.available -X, sender.frozen +X: an envelope paid from the wallet.
    case envelopeWalletFunded
    /// A new entry reversing an earlier one (money.md rule 7: nothing is deleted).
    case correction
}
