/// The legal life of each order kind (money.md rule 5).
///
/// Guarantees:
/// - exactly these transitions are legal; anything else throws `order.illegal_transition`:
///   - recharge, collection: created → paid | failed | closed
///   - envelope: created → funded | failed | closed; funded → finished | expired
///   - withdraw: requested → approved | invalid; approved → paidOut | invalid
///   - transfer: requested → completed | rejected
///   - transferIn: none (it is created completed)
///   - refund: requested → refunded | failed; refunded → failed (the channel did not complete it, the money
///     came back)
/// - a terminal status (one of the kind's statuses with no way out) never changes;
/// - an order starts in one of ``initialStatuses(for:)`` or, when its first step is already known when it is
///   first recorded, in a status one legal step from there (``mayBeCreated(kind:as:)``).
public enum OrderStateMachine {
    /// The legal successors of each status, per kind.
    static func table(for kind: OrderKind) -> [OrderStatus: Set<OrderStatus>] {
        switch kind {
        case .recharge, .collection:
            [.created: [.paid, .failed, .closed]]
        case .envelope:
            [.created: [.funded, .failed, .closed], .funded: [.finished, .expired]]
        case .withdraw:
            [.requested: [.approved, .invalid], .approved: [.paidOut, .invalid]]
        case .transfer:
            [.requested: [.completed, .rejected]]
        case .transferIn:
            [:]
        case .refund:
            [.requested: [.refunded, .failed], .refunded: [.failed]]
        }
    }

    /// The statuses an order of `kind` starts in.
    public static func initialStatuses(for kind: OrderKind) -> Set<OrderStatus> {
        switch kind {
        case .recharge, .envelope, .collection: [.created]
        case .withdraw, .transfer, .refund: [.requested]
        case .transferIn: [.completed]
        }
    }

    /// Every status an order of `kind` can be in.
    public static func statuses(for kind: OrderKind) -> Set<OrderStatus> {
        var all = initialStatuses(for: kind)
        for (from, successors) in table(for: kind) {
            all.insert(from)
            all.formUnion(successors)
        }
        return all
    }

    /// The statuses `status` may move to; empty for a terminal status or one that `kind` does not have.
    public static func successors(of status: OrderStatus, kind: OrderKind) -> Set<OrderStatus> {
        table(for: kind)[status] ?? []
    }

    /// True when `status` is one of `kind`'s statuses and has no legal way out.
    public static func isTerminal(_ status: OrderStatus, kind: OrderKind) -> Bool {
        statuses(for: kind).contains(status) && successors(of: status, kind: kind).isEmpty
    }

    /// True when `from → to` is legal for `kind`.
    public static func isLegal(kind: OrderKind, from: OrderStatus, to: OrderStatus) -> Bool {
        successors(of: from, kind: kind).contains(to)
    }

    /// Checks `from → to`; throws `order.illegal_transition` unless it is in the table.
    public static func transition(kind: OrderKind, from: OrderStatus, to: OrderStatus) throws(LedgerRuleError) {
        guard isLegal(kind: kind, from: from, to: to) else {
            let why = isTerminal(from, kind: kind) ? " (\(from.rawValue) is terminal)" : ""
            throw LedgerRuleError(
                code: "order.illegal_transition",
                message: "\(kind.rawValue) order may not go from \(from.rawValue) to \(to.rawValue)\(why)")
        }
    }

    /// True when an order of `kind` may be first recorded in `status`: an initial status, or one legal step
    /// from one (a payment that succeeds before its order was recorded is created directly as paid).
    public static func mayBeCreated(kind: OrderKind, as status: OrderStatus) -> Bool {
        let initial = initialStatuses(for: kind)
        return initial.contains(status) || initial.contains { isLegal(kind: kind, from: $0, to: status) }
    }
}
