/// Withdrawals: request (freeze) → approval → payout, or rejection / failure (unfreeze).
extension LedgerRules {
    /// withdrawalRequested: the order must not exist (`order.duplicate`); account.available >= amount
    /// (`balance.insufficient_available`). Entry `withdrawFreeze`: account.available -X, account.frozen +X.
    /// The withdraw order is created `requested` with the channel.
    static func withdrawalRequested(
        _ p: WithdrawalRequested, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        try requireAbsent(p.orderID, in: view)
        try requireBalance(p.account, .available, atLeast: p.amount, in: view)
        let journalEntry = try entry { () throws(LedgerRuleError) in
            try .freeze(
                account: p.account, amount: p.amount, kind: .withdrawFreeze, key: event.idempotencyKey,
                orderID: p.orderID)
        }
        let change = OrderChange(
            orderID: p.orderID, kind: .withdraw, from: nil, to: .requested, owner: p.account, amount: p.amount,
            channel: p.channel)
        return Effects(
            entries: [journalEntry], orderChanges: [change],
            followUps: [notify(p.account, orderID: p.orderID, amount: p.amount, event: event)])
    }

    /// The withdraw order `orderID` in `status`: `order.unknown`, `order.kind_mismatch` or
    /// `order.illegal_transition` otherwise.
    private static func withdrawal(
        _ orderID: String, in status: OrderStatus, to target: OrderStatus, _ view: some LedgerView
    ) throws(Rejection) -> OrderSnapshot {
        guard let order = view.order(orderID) else { throw reject("order.unknown", "no order \(orderID)") }
        guard order.kind == .withdraw else {
            throw reject("order.kind_mismatch", "order \(orderID) is a \(order.kind.rawValue), not a withdrawal")
        }
        guard order.status == status else {
            throw reject(
                "order.illegal_transition",
                "withdrawal \(orderID) is \(order.status.rawValue); "
                    + "only a \(status.rawValue) one may become \(target.rawValue) this way")
        }
        try transition(order, to: target)
        return order
    }

    /// withdrawalApproved: `requested` → `approved`, recording the operator as the change's actor. No entry.
    static func withdrawalApproved(
        _ p: WithdrawalApproved, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        let order = try withdrawal(p.orderID, in: .requested, to: .approved, view)
        return Effects(
            orderChanges: [OrderChange(updating: order, to: .approved, actor: p.approvedBy)],
            followUps: [notify(order.owner, orderID: order.orderID, amount: order.amount, event: event)])
    }

    /// withdrawalPaidOut: `approved` → `paidOut`. Entry `withdrawPaidOut`: owner.frozen -X,
    /// clearing(order's channel).available +X (`order.channel_missing` when the order has no channel,
    /// `balance.insufficient_frozen` when the frozen bucket no longer holds X).
    static func withdrawalPaidOut(
        _ p: WithdrawalPaidOut, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        let order = try withdrawal(p.orderID, in: .approved, to: .paidOut, view)
        guard let channel = order.channel else {
            throw reject("order.channel_missing", "withdrawal \(order.orderID) has no channel")
        }
        try requireBalance(order.owner, .frozen, atLeast: order.amount, in: view)
        let journalEntry = try entry { () throws(LedgerRuleError) in
            try .withdrawPaidOut(
                user: order.owner, channel: channel, amount: order.amount, key: event.idempotencyKey, orderID: order.orderID)
        }
        return Effects(
            entries: [journalEntry],
            orderChanges: [OrderChange(updating: order, to: .paidOut, channelTransactionID: p.channelTransactionID)],
            followUps: [notify(order.owner, orderID: order.orderID, amount: order.amount, event: event)])
    }

    /// withdrawalRejected (`requested` → `invalid`) and withdrawalFailed (`approved` → `invalid`): the reason is
    /// recorded and entry `withdrawUnfreeze` gives the money back: owner.frozen -X, owner.available +X.
    private static func withdrawalUnfrozen(
        orderID: String, from status: OrderStatus, reason: String, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        let order = try withdrawal(orderID, in: status, to: .invalid, view)
        try requireBalance(order.owner, .frozen, atLeast: order.amount, in: view)
        let journalEntry = try entry { () throws(LedgerRuleError) in
            try .unfreeze(
                account: order.owner, amount: order.amount, kind: .withdrawUnfreeze, key: event.idempotencyKey,
                orderID: order.orderID)
        }
        return Effects(
            entries: [journalEntry], orderChanges: [OrderChange(updating: order, to: .invalid, reason: reason)],
            followUps: [notify(order.owner, orderID: order.orderID, amount: order.amount, event: event)])
    }

    static func withdrawalRejected(
        _ p: WithdrawalRejected, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        try withdrawalUnfrozen(orderID: p.orderID, from: .requested, reason: p.reason, event, view)
    }

    static func withdrawalFailed(
        _ p: WithdrawalFailed, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        try withdrawalUnfrozen(orderID: p.orderID, from: .approved, reason: p.reason, event, view)
    }
}
