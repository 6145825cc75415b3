/// Payment callbacks: money arriving from a channel for a recharge or an envelope.
extension LedgerRules {
    /// paymentSucceeded: the order (created now if it does not exist) must be a `recharge`, `envelope` or
    /// `collection` as the purpose says, in status `created`, with the event's amount, payer and channel.
    /// Entry `rechargePaid` (`envelopeFunded` for an envelope, `collectionPaid` for a collection):
    /// clearing(channel).available -X, payer.available +X (payer.frozen +X for an envelope; for a collection
    /// the payer is the collecting merchant). Order → `paid` (recharge, collection) or `funded` (envelope).
    /// Rejections: `order.kind_mismatch`, `order.illegal_transition`, `order.amount_mismatch`,
    /// `order.owner_mismatch`, `order.channel_mismatch`.
    static func paymentSucceeded(
        _ p: PaymentSucceeded, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        let isEnvelope = p.purpose == .envelope
        let kind: OrderKind =
            switch p.purpose {
            case .recharge: .recharge
            case .envelope: .envelope
            case .collection: .collection
            }
        let target: OrderStatus = isEnvelope ? .funded : .paid
        let change: OrderChange
        if let order = view.order(p.orderID) {
            guard order.kind == kind else {
                throw reject(
                    "order.kind_mismatch",
                    "order \(p.orderID) is a \(order.kind.rawValue), payment is for a \(kind.rawValue)")
            }
            try transition(order, to: target)
            guard order.amount == p.amount else {
                throw reject(
                    "order.amount_mismatch", "order \(p.orderID) is for \(order.amount.fen) fen, paid \(p.amount.fen)")
            }
            guard order.owner == p.payer else {
                throw reject("order.owner_mismatch", "order \(p.orderID) belongs to \(order.owner), not \(p.payer)")
            }
            if let channel = order.channel, channel != p.channel {
                throw reject("order.channel_mismatch", "order \(p.orderID) is payable by \(channel.rawValue) only")
            }
            change = OrderChange(
                updating: order, to: target, channel: p.channel, channelTransactionID: p.channelTransactionID)
        } else {
            change = OrderChange(
                orderID: p.orderID, kind: kind, from: nil, to: target, owner: p.payer, amount: p.amount,
                channel: p.channel, channelTransactionID: p.channelTransactionID)
        }
        let journalEntry = try entry { () throws(LedgerRuleError) in
            p.purpose == .collection
                ? try .collectionPaid(
                    channel: p.channel, merchant: p.payer, amount: p.amount, key: event.idempotencyKey, orderID: p.orderID)
                : try .rechargePaid(
                    channel: p.channel, user: p.payer, amount: p.amount, toFrozen: isEnvelope, key: event.idempotencyKey,
                    orderID: p.orderID)
        }
        return Effects(
            entries: [journalEntry], orderChanges: [change],
            followUps: [notify(p.payer, orderID: p.orderID, amount: p.amount, event: event)])
    }

    /// paymentFailed: the order must exist, be a recharge, envelope or collection of the same channel, and be
    /// `created`; it becomes `failed` with the reason. No entry. Rejections: `order.unknown`,
    /// `order.kind_mismatch`, `order.channel_mismatch`, `order.illegal_transition`.
    static func paymentFailed(
        _ p: PaymentFailed, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        guard let order = view.order(p.orderID) else { throw reject("order.unknown", "no order \(p.orderID)") }
        guard [.recharge, .envelope, .collection].contains(order.kind) else {
            throw reject("order.kind_mismatch", "order \(p.orderID) is a \(order.kind.rawValue), not a payment")
        }
        if let channel = order.channel, channel != p.channel {
            throw reject("order.channel_mismatch", "order \(p.orderID) is payable by \(channel.rawValue) only")
        }
        try transition(order, to: .failed)
        return Effects(
            orderChanges: [OrderChange(updating: order, to: .failed, reason: p.reason, channel: p.channel)],
            followUps: [notify(order.owner, orderID: order.orderID, amount: order.amount, event: event)])
    }
}
