/// One change to one order produced by an event: its creation (`from == nil`), a status transition, or a
/// settlement (a grab or a refund against it, `from == to`).
///
/// Guarantees (for changes produced by ``LedgerRules``): a creation's `to` satisfies
/// ``OrderStateMachine/mayBeCreated(kind:as:)``; a change with `from != to` is a legal transition; a change
/// with `from == to` only adds `settledDeltaFen` (this is how a terminal order such as a paid recharge records
/// a refund without changing state); `kind`, `owner` and `amount` repeat the order's own values.
public struct OrderChange: Sendable, Equatable {
    public var orderID: String
    public var kind: OrderKind
    /// The status the order must be in now; nil when the change creates the order.
    public var from: OrderStatus?
    public var to: OrderStatus
    public var owner: AccountID
    public var counterparty: AccountID?
    public var amount: Amount
    public var channel: Channel?
    public var parentOrderID: String?
    /// Added to the order's `settledFen`: grabs of an envelope and refunds of a payment add, a refund that came
    /// back (``RefundReturned``) takes its amount off again. The sum stays within 0...amount.
    public var settledDeltaFen: Int64
    /// Why the order failed or became invalid, as reported.
    public var reason: String?
    /// The channel's transaction id, for a payment or a payout (external reconciliation matches on it).
    public var channelTransactionID: String?
    /// Who caused the change when a person did, e.g. the operator approving a withdrawal.
    public var actor: String?

    public init(
        orderID: String, kind: OrderKind, from: OrderStatus?, to: OrderStatus, owner: AccountID,
        counterparty: AccountID? = nil, amount: Amount, channel: Channel? = nil, parentOrderID: String? = nil,
        settledDeltaFen: Int64 = 0, reason: String? = nil, channelTransactionID: String? = nil, actor: String? = nil
    ) {
        self.orderID = orderID
        self.kind = kind
        self.from = from
        self.to = to
        self.owner = owner
        self.counterparty = counterparty
        self.amount = amount
        self.channel = channel
        self.parentOrderID = parentOrderID
        self.settledDeltaFen = settledDeltaFen
        self.reason = reason
        self.channelTransactionID = channelTransactionID
        self.actor = actor
    }

    /// A change of an existing order, repeating its fields.
    init(
        updating order: OrderSnapshot, to: OrderStatus, settledDeltaFen: Int64 = 0, reason: String? = nil,
        channel: Channel? = nil, channelTransactionID: String? = nil, actor: String? = nil
    ) {
        self.init(
            orderID: order.orderID, kind: order.kind, from: order.status, to: to, owner: order.owner,
            counterparty: order.counterparty, amount: order.amount, channel: order.channel ?? channel,
            parentOrderID: order.parentOrderID, settledDeltaFen: settledDeltaFen, reason: reason,
            channelTransactionID: channelTransactionID, actor: actor)
    }

    /// True when the change creates the order.
    public var isCreation: Bool { from == nil }
}
