/// Refunds: money of a completed order given back to where it came from.
extension LedgerRules {
    /// refundRequested:
    /// - the refund order must not exist (`order.duplicate`); the original must exist (`order.unknown`) and be
    ///   a `paid` recharge or collection or a `completed` transfer (`refund.not_refundable`);
    /// - the payer is whoever the original credited: the owner of a recharge or collection, the receiver
    ///   (counterparty) of a transfer (`refund.payer_mismatch`);
    /// - the money goes back where it came from (`refund.destination_mismatch`): a recharge to its channel; a
    ///   collection to its channel or to the paying user's wallet (its counterparty); a transfer to the
    ///   sender's wallet;
    /// - refunds so far + amount <= the original amount (`refund.exceeds_original`);
    /// - payer.available >= amount (`balance.insufficient_available`).
    /// Entry `refund`: payer.available -X, clearing(channel).available or wallet.available +X, owned by the
    /// original order. The refund order is created `refunded` (owner payer, counterparty the credited account,
    /// parent the original); the original keeps its status and its settled sum grows by X.
    static func refundRequested(
        _ p: RefundRequested, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        try requireAbsent(p.refundOrderID, in: view)
        guard let original = view.order(p.originalOrderID) else {
            throw reject("order.unknown", "no order \(p.originalOrderID)")
        }
        let expectedPayer: AccountID?
        let destinationIsValid: Bool
        switch (original.kind, original.status) {
        case (.recharge, .paid):
            expectedPayer = original.owner
            destinationIsValid = original.channel.map { p.destination == .channel($0) } ?? false
        case (.collection, .paid):
            expectedPayer = original.owner
            destinationIsValid =
                original.channel.map { p.destination == .channel($0) } == true
                || original.counterparty.map { p.destination == .wallet($0) } == true
        case (.transfer, .completed):
            expectedPayer = original.counterparty
            destinationIsValid = p.destination == .wallet(original.owner)
        default:
            throw reject(
                "refund.not_refundable",
                "order \(original.orderID) is a \(original.status.rawValue) \(original.kind.rawValue)")
        }
        guard p.payer == expectedPayer else {
            let credited = expectedPayer.map(String.init(describing:)) ?? "nobody"
            throw reject("refund.payer_mismatch", "order \(original.orderID) credited \(credited), not \(p.payer)")
        }
        guard destinationIsValid else {
            throw reject(
                "refund.destination_mismatch",
                "a refund of order \(original.orderID) cannot go to \(p.destination.account)")
        }
        _ = try settled(original, adding: p.amount, code: "refund.exceeds_original")
        try requireBalance(p.payer, .available, atLeast: p.amount, in: view)
        let journalEntry = try entry { () throws(LedgerRuleError) in
            try .refund(
                payer: p.payer, destination: p.destination, amount: p.amount, kind: .refund, key: event.idempotencyKey,
                orderID: p.originalOrderID)
        }
        let channel: Channel? =
            if case .channel(let channel) = p.destination { channel } else { nil }
        let refundOrder = OrderChange(
            orderID: p.refundOrderID, kind: .refund, from: nil, to: .refunded, owner: p.payer,
            counterparty: p.destination.account, amount: p.amount, channel: channel, parentOrderID: original.orderID)
        let originalChange = OrderChange(updating: original, to: original.status, settledDeltaFen: p.amount.fen)
        let recipient = if case .wallet(let wallet) = p.destination { wallet } else { p.payer }
        return Effects(
            entries: [journalEntry], orderChanges: [refundOrder, originalChange],
            followUps: [notify(recipient, orderID: p.refundOrderID, amount: p.amount, event: event)])
    }

    /// refundReturned: the channel ended a refund closed or abnormal, so its money comes back to the payer.
    /// - the refund order must exist and be a refund (`order.unknown`, `order.kind_mismatch`), `refunded`
    ///   (a second return is `order.illegal_transition`), of the original named (`refund.original_mismatch`);
    /// - it went to that channel, from that payer, for that amount (`refund.return_mismatch`): a refund to a
    ///   wallet never reached a channel and cannot come back this way;
    /// - the original's settled sum goes down by X, so that the payer may ask again.
    /// Entry `refundReturned`: clearing(channel).available -X, payer.available +X, owned by the original order
    /// (as the refund's own entry). The refund order becomes `failed` with the channel's reason.
    static func refundReturned(
        _ p: RefundReturned, _ event: MoneyEvent, _ view: some LedgerView
    ) throws(Rejection) -> Effects {
        guard let refund = view.order(p.refundOrderID) else { throw reject("order.unknown", "no order \(p.refundOrderID)") }
        guard refund.kind == .refund else {
            throw reject("order.kind_mismatch", "order \(p.refundOrderID) is a \(refund.kind.rawValue), not a refund")
        }
        guard refund.parentOrderID == p.originalOrderID, let original = view.order(p.originalOrderID) else {
            throw reject("refund.original_mismatch", "refund \(p.refundOrderID) is not one of order \(p.originalOrderID)")
        }
        // Only a refund whose money left the wallet (`refunded`) can come back; `requested → failed` is legal too.
        guard refund.status == .refunded else {
            throw reject("order.illegal_transition", "refund \(p.refundOrderID) is \(refund.status.rawValue), not refunded")
        }
        try transition(refund, to: .failed)
        guard refund.owner == p.payer, refund.counterparty == .clearing(p.channel), refund.channel == p.channel,
            refund.amount == p.amount
        else {
            throw reject(
                "refund.return_mismatch",
                "refund \(p.refundOrderID) sent \(refund.amount.fen) fen from \(refund.owner) to \(refund.counterparty.map(String.init(describing:)) ?? "nobody"), not \(p.amount.fen) fen from \(p.payer) through \(p.channel.rawValue)")
        }
        guard original.settledFen >= p.amount.fen else {
            throw reject("refund.return_mismatch", "order \(original.orderID) has \(original.settledFen) fen refunded, less than \(p.amount.fen)")
        }
        let journalEntry = try entry { () throws(LedgerRuleError) in
            try .refundReturned(payer: p.payer, channel: p.channel, amount: p.amount, key: event.idempotencyKey, orderID: p.originalOrderID)
        }
        return Effects(
            entries: [journalEntry],
            orderChanges: [
                OrderChange(updating: refund, to: .failed, reason: p.reason, channel: p.channel),
                OrderChange(updating: original, to: original.status, settledDeltaFen: -p.amount.fen),
            ],
            followUps: [notify(p.payer, orderID: p.refundOrderID, amount: p.amount, event: event)])
    }
}
