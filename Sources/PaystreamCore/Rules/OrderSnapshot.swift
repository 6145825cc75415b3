/// What the rules need to know about an order as it stands before an event is applied.
///
/// Guarantees (when produced by a store that applied only ``Effects`` of ``LedgerRules``):
/// `0 <= settledFen <= amount.fen`, and `status` is one of ``OrderStateMachine/statuses(for:)`` for `kind`.
public struct OrderSnapshot: Sendable, Equatable {
    public var orderID: String
    public var kind: OrderKind
    public var status: OrderStatus
    /// Whose order it is: the payer of a recharge, envelope, transfer or refund; the withdrawing account;
    /// the receiver of a transferIn.
    public var owner: AccountID
    /// The other party: a transfer's receiver, a transferIn's sender, a refund's credited account.
    public var counterparty: AccountID?
    public var amount: Amount
    public var channel: Channel?
    /// The order this one derives from: a transferIn's transfer or envelope, a refund's original order.
    public var parentOrderID: String?
    /// Envelope: sum of grabs. Recharge, collection, transfer: sum refunded. Otherwise 0.
    public var settledFen: Int64

    public init(
        orderID: String, kind: OrderKind, status: OrderStatus, owner: AccountID, counterparty: AccountID? = nil,
        amount: Amount, channel: Channel? = nil, parentOrderID: String? = nil, settledFen: Int64 = 0
    ) {
        self.orderID = orderID
        self.kind = kind
        self.status = status
        self.owner = owner
        self.counterparty = counterparty
        self.amount = amount
        self.channel = channel
        self.parentOrderID = parentOrderID
        self.settledFen = settledFen
    }
}
