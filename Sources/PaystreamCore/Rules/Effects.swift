/// Everything one event does, to be applied atomically (one database transaction, with its idempotency key).
///
/// Guarantees (for effects produced by ``LedgerRules``): every entry is balanced and carries the event's
/// idempotency key; applying all entries to the view they were computed against leaves every non-clearing
/// bucket >= 0; order changes are listed in the order they must be applied.
public struct Effects: Sendable, Equatable {
    public var entries: [JournalEntry]
    public var orderChanges: [OrderChange]
    /// Messages to write to the outbox in the same transaction.
    public var followUps: [FollowUp]

    public init(entries: [JournalEntry] = [], orderChanges: [OrderChange] = [], followUps: [FollowUp] = []) {
        self.entries = entries
        self.orderChanges = orderChanges
        self.followUps = followUps
    }
}
