/// Red envelopes funded from the wallet and expired ones.
extension LedgerRules {
    /// envelopeWalletFunded: the envelope order (created now if it does not exist) must be an `envelope` in
    /// status `created` with the event's amount and sender (`order.kind_mismatch`, `order.illegal_transition`,
    /// `order.amount_mismatch`, `order.owner_mismatch`); sender.available >= amount
    /// (`balance.insufficient_available`). Entry `envelopeWalletFunded`: sender.available -X, sender.frozen +X.
    /// Order → `funded`.
    ///
    /// When the API created the order (it checks the balance first, but without a lock) and the money is no
    /// longer there, the order fails instead of waiting for ever: `created → failed` with the reason, no entry,
    /// and the sender is told as for a failed payment (`paymentFailed` notification). The envelope is then
    /// abandoned like one whose channel payment failed.
    static func envelopeWalletFunded(
        _ p: EnvelopeWalletFunded, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        let change: OrderChange
        let existing = view.order(p.envelopeOrderID)
        if let order = existing {
            guard order.kind == .envelope else {
                throw reject("order.kind_mismatch", "order \(p.envelopeOrderID) is a \(order.kind.rawValue), not an envelope")
            }
            try transition(order, to: .funded)
            guard order.amount == p.amount else {
                throw reject("order.amount_mismatch", "envelope \(p.envelopeOrderID) is for \(order.amount.fen) fen, funded \(p.amount.fen)")
            }
            guard order.owner == p.sender else {
                throw reject("order.owner_mismatch", "envelope \(p.envelopeOrderID) belongs to \(order.owner), not \(p.sender)")
            }
            change = OrderChange(updating: order, to: .funded)
        } else {
            change = OrderChange(orderID: p.envelopeOrderID, kind: .envelope, from: nil, to: .funded, owner: p.sender, amount: p.amount)
        }
        do throws(Rejection) {
            try requireBalance(p.sender, .available, atLeast: p.amount, in: view)
        } catch {
            guard let order = existing else { throw error }
            return Effects(
                orderChanges: [OrderChange(updating: order, to: .failed, reason: "\(error.code): \(error.message)")],
                followUps: [
                    OutboundNotification(recipient: p.sender, orderID: p.envelopeOrderID, event: .paymentFailed, amount: p.amount).followUp
                ])
        }
        let journalEntry = try entry { () throws(LedgerRuleError) in
            try .freeze(account: p.sender, amount: p.amount, kind: .envelopeWalletFunded, key: event.idempotencyKey, orderID: p.envelopeOrderID)
        }
        return Effects(
            entries: [journalEntry], orderChanges: [change],
            followUps: [notify(p.sender, orderID: p.envelopeOrderID, amount: p.amount, event: event)])
    }

    /// The envelope `orderID`, sent by `sender`: `envelope.unknown`, `order.kind_mismatch` or `envelope.sender_mismatch`.
    static func envelope(_ orderID: String, sentBy sender: AccountID, in view: some LedgerView) throws(Rejection) -> OrderSnapshot {
        guard let envelope = view.order(orderID) else { throw reject("envelope.unknown", "no envelope \(orderID)") }
        guard envelope.kind == .envelope else {
            throw reject("order.kind_mismatch", "order \(orderID) is a \(envelope.kind.rawValue), not an envelope")
        }
        guard envelope.owner == sender else {
            throw reject("envelope.sender_mismatch", "envelope \(orderID) was sent by \(envelope.owner), not \(sender)")
        }
        return envelope
    }

    /// envelopeExpired: the envelope must exist (`envelope.unknown`), be an envelope sent by `sender`
    /// (`order.kind_mismatch`, `envelope.sender_mismatch`) and be `funded` (`order.illegal_transition`; a
    /// finished envelope has nothing left). The rest = amount - grabs so far (> 0, since a funded envelope is
    /// not fully grabbed). Entry `envelopeRefund`: sender.frozen -rest, then clearing(channel).available +rest
    /// (back through the channel it was paid with) or sender.available +rest. Order → `expired`; its settled
    /// sum stays the sum of its grabs.
    static func envelopeExpired(
        _ p: EnvelopeExpired, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        let envelope = try envelope(p.envelopeOrderID, sentBy: p.sender, in: view)
        try transition(envelope, to: .expired)
        let (restFen, overflow) = envelope.amount.fen.subtractingReportingOverflow(envelope.settledFen)
        guard !overflow, restFen > 0, let rest = try? Amount(fen: restFen) else {
            throw reject("envelope.nothing_left", "envelope \(p.envelopeOrderID) has nothing left to refund")
        }
        try requireBalance(p.sender, .frozen, atLeast: rest, in: view)
        let journalEntry = try entry { () throws(LedgerRuleError) in
            try .envelopeRest(sender: p.sender, destination: p.destination, amount: rest, key: event.idempotencyKey, orderID: p.envelopeOrderID)
        }
        return Effects(
            entries: [journalEntry], orderChanges: [OrderChange(updating: envelope, to: .expired, reason: "expired")],
            followUps: [notify(p.sender, orderID: p.envelopeOrderID, amount: rest, event: event)])
    }

    /// envelopeRestReturned: the rest of an expired envelope, sent back through its channel, that the channel did
    /// not refund.
    /// - the envelope must exist and be an envelope (`envelope.unknown`, `order.kind_mismatch`) sent by `sender`
    ///   (`envelope.sender_mismatch`), `expired` (`order.illegal_transition`), paid through `channel`, and the amount
    ///   its rest: amount − grabs (`envelope.rest_mismatch`); the rest's refund order (``EnvelopeRestReturned/returnOrderID``)
    ///   must not exist (`order.duplicate`: a second return).
    /// Entry `envelopeRestReturned`: clearing(channel).available −rest, sender.available +rest, owned by the envelope's
    /// order, which stays `expired` (a flow records the return). The refund order is created `failed` (owner the
    /// sender, counterparty the channel's clearing account, parent the envelope).
    static func envelopeRestReturned(
        _ p: EnvelopeRestReturned, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        let envelope = try envelope(p.envelopeOrderID, sentBy: p.sender, in: view)
        guard envelope.status == .expired else {
            throw reject("order.illegal_transition", "envelope \(p.envelopeOrderID) is \(envelope.status.rawValue), not expired")
        }
        let (restFen, overflow) = envelope.amount.fen.subtractingReportingOverflow(envelope.settledFen)
        guard envelope.channel == p.channel, !overflow, restFen == p.amount.fen else {
            throw reject(
                "envelope.rest_mismatch",
                "envelope \(p.envelopeOrderID) left \(overflow ? "?" : String(restFen)) fen through \(envelope.channel?.rawValue ?? "the wallet"), not \(p.amount.fen) fen through \(p.channel.rawValue)")
        }
        // The rest's refund, as the channel left it: a `failed` refund order under the number the channel was asked
        // with. Its existence is what refuses a second return.
        try requireAbsent(p.returnOrderID, in: view)
        let journalEntry = try entry { () throws(LedgerRuleError) in
            try .envelopeRestReturned(sender: p.sender, channel: p.channel, amount: p.amount, key: event.idempotencyKey, orderID: p.envelopeOrderID)
        }
        let returned = OrderChange(
            orderID: p.returnOrderID, kind: .refund, from: nil, to: .failed, owner: p.sender, counterparty: .clearing(p.channel),
            amount: p.amount, channel: p.channel, parentOrderID: p.envelopeOrderID, reason: p.reason)
        return Effects(
            entries: [journalEntry], orderChanges: [returned, OrderChange(updating: envelope, to: .expired, reason: "rest returned to the wallet")],
            followUps: [notify(p.sender, orderID: p.returnOrderID, amount: p.amount, event: event)])
    }
}
