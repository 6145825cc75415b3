/// Money moving between accounts on the platform: transfers and red-envelope grabs, both out of the payer's
/// frozen bucket into the receiver's available bucket.
extension LedgerRules {
    /// transferRequested: `from != to`; neither the transfer order nor its incoming order `<orderId>:in` may
    /// exist; from.frozen >= amount. Entry `transfer`: from.frozen -X, to.available +X. The transfer order is
    /// created `completed` (owner from, counterparty to) with an incoming `transferIn` order `<orderId>:in`
    /// (owner to, counterparty from, parent the transfer). Rejections: `transfer.same_account`,
    /// `order.duplicate`, `balance.insufficient_frozen`.
    static func transferRequested(
        _ p: TransferRequested, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        guard p.from != p.to else { throw reject("transfer.same_account", "transfer \(p.orderID) from \(p.from) to itself") }
        try requireAbsent(p.orderID, in: view)
        try requireAbsent(p.incomingOrderID, in: view)
        try requireBalance(p.from, .frozen, atLeast: p.amount, in: view)
        let journalEntry = try entry { () throws(LedgerRuleError) in
            try .transferFromFrozen(
                from: p.from, to: p.to, amount: p.amount, kind: .transfer, key: event.idempotencyKey, orderID: p.orderID)
        }
        let outgoing = OrderChange(
            orderID: p.orderID, kind: .transfer, from: nil, to: .completed, owner: p.from, counterparty: p.to,
            amount: p.amount)
        let incoming = OrderChange(
            orderID: p.incomingOrderID, kind: .transferIn, from: nil, to: .completed, owner: p.to,
            counterparty: p.from, amount: p.amount, parentOrderID: p.orderID)
        return Effects(
            entries: [journalEntry], orderChanges: [outgoing, incoming],
            followUps: [notify(p.to, orderID: p.incomingOrderID, amount: p.amount, event: event)])
    }

    /// envelopeGrabbed: the envelope order must exist (`envelope.unknown`), be an envelope
    /// (`order.kind_mismatch`), be `funded` (`envelope.not_funded`) and belong to the sender
    /// (`envelope.sender_mismatch`); the incoming order `grab:<grabId>` must not exist (`order.duplicate`);
    /// the grabber must not have been credited from this envelope before under another grab id
    /// (`envelope.already_grabbed`: Redis refuses a second grab, but a Redis that lost its record would not);
    /// grabs so far + amount <= the envelope's amount (`envelope.overdrawn`); sender.frozen >= amount
    /// (`balance.insufficient_frozen`). Entry `envelopeGrab`: sender.frozen -x, grabber.available +x, owned by
    /// the envelope order. The envelope's settled sum grows by x; it becomes `finished` when the sum reaches
    /// its amount exactly, else stays `funded`. The grabber gets a `transferIn` order `grab:<grabId>`
    /// (parent the envelope).
    static func envelopeGrabbed(
        _ p: EnvelopeGrabbed, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        guard let envelope = view.order(p.envelopeOrderID) else {
            throw reject("envelope.unknown", "no envelope \(p.envelopeOrderID)")
        }
        guard envelope.kind == .envelope else {
            throw reject("order.kind_mismatch", "order \(p.envelopeOrderID) is a \(envelope.kind.rawValue), not an envelope")
        }
        guard envelope.status == .funded else {
            throw reject("envelope.not_funded", "envelope \(p.envelopeOrderID) is \(envelope.status.rawValue), not funded")
        }
        guard envelope.owner == p.sender else {
            throw reject(
                "envelope.sender_mismatch",
                "envelope \(p.envelopeOrderID) was sent by \(envelope.owner), not \(p.sender)")
        }
        try requireAbsent(p.incomingOrderID, in: view)
        if let earlier = view.grabOrderID(of: EnvelopeGrabber(envelopeOrderID: p.envelopeOrderID, grabber: p.grabber)) {
            throw reject(
                "envelope.already_grabbed",
                "\(p.grabber) was already credited from envelope \(p.envelopeOrderID) by \(earlier)")
        }
        let settled = try settled(envelope, adding: p.amount, code: "envelope.overdrawn")
        try requireBalance(p.sender, .frozen, atLeast: p.amount, in: view)
        let journalEntry = try entry { () throws(LedgerRuleError) in
            try .transferFromFrozen(
                from: p.sender, to: p.grabber, amount: p.amount, kind: .envelopeGrab, key: event.idempotencyKey,
                orderID: p.envelopeOrderID)
        }
        let status: OrderStatus = settled == envelope.amount.fen ? .finished : .funded
        if status != envelope.status { try transition(envelope, to: status) }
        let envelopeChange = OrderChange(updating: envelope, to: status, settledDeltaFen: p.amount.fen)
        let incoming = OrderChange(
            orderID: p.incomingOrderID, kind: .transferIn, from: nil, to: .completed, owner: p.grabber,
            counterparty: p.sender, amount: p.amount, parentOrderID: p.envelopeOrderID)
        return Effects(
            entries: [journalEntry], orderChanges: [envelopeChange, incoming],
            followUps: [notify(p.grabber, orderID: p.incomingOrderID, amount: p.amount, event: event)])
    }
}
