/// The entries of money.md rule 2, built exactly; each factory returns a balanced entry or throws
/// `entry.zero_posting` for a zero amount (and the checks of ``JournalEntry/init(kind:idempotencyKey:orderID:postings:)``).
extension JournalEntry {
    private static func two(
        _ kind: EntryKind, key: String, orderID: String,
        debit: (AccountID, Bucket), credit: (AccountID, Bucket), amount: Amount
    ) throws(LedgerRuleError) -> JournalEntry {
        try JournalEntry(
            kind: kind, idempotencyKey: key, orderID: orderID,
            postings: [
                Posting(account: debit.0, bucket: debit.1, amountFen: -amount.fen),
                Posting(account: credit.0, bucket: credit.1, amountFen: amount.fen),
            ])
    }

    /// A channel payment arrived: clearing(channel).available -X, then user.available +X (a recharge,
    /// kind `rechargePaid`) or user.frozen +X (an envelope, kind `envelopeFunded`).
    public static func rechargePaid(
        channel: Channel, user: AccountID, amount: Amount, toFrozen: Bool, key: String, orderID: String
    ) throws(LedgerRuleError) -> JournalEntry {
        try two(
            toFrozen ? .envelopeFunded : .rechargePaid, key: key, orderID: orderID,
            debit: (.clearing(channel), .available), credit: (user, toFrozen ? .frozen : .available), amount: amount)
    }

    /// clearing(channel).available -X, merchant.available +X (kind `collectionPaid`): a payer scanned the
    /// merchant's collection code and paid.
    public static func collectionPaid(
        channel: Channel, merchant: AccountID, amount: Amount, key: String, orderID: String
    ) throws(LedgerRuleError) -> JournalEntry {
        try two(
            .collectionPaid, key: key, orderID: orderID, debit: (.clearing(channel), .available),
            credit: (merchant, .available), amount: amount)
    }

    /// account.available -X, account.frozen +X (a withdrawal request by default).
    public static func freeze(
        account: AccountID, amount: Amount, kind: EntryKind = .withdrawFreeze, key: String, orderID: String
    ) throws(LedgerRuleError) -> JournalEntry {
        try two(kind, key: key, orderID: orderID, debit: (account, .available), credit: (account, .frozen), amount: amount)
    }

    /// account.frozen -X, account.available +X (a rejected or failed withdrawal by default).
    public static func unfreeze(
        account: AccountID, amount: Amount, kind: EntryKind = .withdrawUnfreeze, key: String, orderID: String
    ) throws(LedgerRuleError) -> JournalEntry {
        try two(kind, key: key, orderID: orderID, debit: (account, .frozen), credit: (account, .available), amount: amount)
    }

    /// user.frozen -X, clearing(channel).available +X: the channel paid the user out.
    public static func withdrawPaidOut(
        user: AccountID, channel: Channel, amount: Amount, key: String, orderID: String
    ) throws(LedgerRuleError) -> JournalEntry {
        try two(
            .withdrawPaidOut, key: key, orderID: orderID,
            debit: (user, .frozen), credit: (.clearing(channel), .available), amount: amount)
    }

    /// from.frozen -X, to.available +X (a transfer, or with kind `envelopeGrab` a grab).
    public static func transferFromFrozen(
        from: AccountID, to: AccountID, amount: Amount, kind: EntryKind = .transfer, key: String, orderID: String
    ) throws(LedgerRuleError) -> JournalEntry {
        try two(kind, key: key, orderID: orderID, debit: (from, .frozen), credit: (to, .available), amount: amount)
    }

    /// sender.frozen -X, then clearing(channel).available +X or sender.available +X (kind `envelopeRefund`):
    /// the rest of an expired envelope going back.
    public static func envelopeRest(
        sender: AccountID, destination: RefundDestination, amount: Amount, key: String, orderID: String
    ) throws(LedgerRuleError) -> JournalEntry {
        try two(.envelopeRefund, key: key, orderID: orderID, debit: (sender, .frozen), credit: (destination.account, .available), amount: amount)
    }

    /// clearing(channel).available -X, payer.available +X (kind `refundReturned`): a refund the channel could not
    /// complete comes back to the payer's wallet.
    public static func refundReturned(
        payer: AccountID, channel: Channel, amount: Amount, key: String, orderID: String
    ) throws(LedgerRuleError) -> JournalEntry {
        try two(
            .refundReturned, key: key, orderID: orderID,
            debit: (.clearing(channel), .available), credit: (payer, .available), amount: amount)
    }

    /// clearing(channel).available -X, sender.available +X (kind `envelopeRestReturned`): an envelope's rest the
    /// channel did not refund comes back to the sender's wallet.
    public static func envelopeRestReturned(
        sender: AccountID, channel: Channel, amount: Amount, key: String, orderID: String
    ) throws(LedgerRuleError) -> JournalEntry {
        try two(
            .envelopeRestReturned, key: key, orderID: orderID,
            debit: (.clearing(channel), .available), credit: (sender, .available), amount: amount)
    }

    /// payer.available -X, then clearing(channel).available +X or wallet.available +X.
    public static func refund(
        payer: AccountID, destination: RefundDestination, amount: Amount, kind: EntryKind = .refund, key: String,
        orderID: String
    ) throws(LedgerRuleError) -> JournalEntry {
        try two(
            kind, key: key, orderID: orderID,
            debit: (payer, .available), credit: (destination.account, .available), amount: amount)
    }
}
