import Synchronization

/// The domain's own model of a ledger held in memory: balances, orders and the journal, updated only by
/// applying ``Effects``. Tests use it as the reference ledger; the worker uses it to carry state from one
/// event to the next within a batch (load the starting balances and orders, then apply each event's effects).
/// It is not a database stand-in: it has no durability and no idempotency-key table beyond its journal.
///
/// Guarantees:
/// - ``apply(_:)`` is atomic: it validates everything first and changes nothing when it throws;
/// - after any sequence of successful applies, every non-clearing bucket is >= 0, every order change
///   followed ``OrderStateMachine`` (creations of absent orders only, legal transitions, `from` matching the
///   current status), every order has `0 <= settledFen <= amount`, and no two journal entries share an
///   idempotency key, and no grabber is credited twice from one envelope (two `transferIn` orders created with the
///   same owner and the same envelope as parent);
/// - each bucket equals its loaded starting balance plus the sum of its postings in ``journal``.
/// Thread safety: state lives in a `Mutex`, so the type is `Sendable` without `@unchecked`; reads during a
/// concurrent apply see the state before or after it, never between.
public final class InMemoryLedgerView: LedgerView, Sendable {
    struct State {
        var balancesFen: [BalanceKey: Int64] = [:]
        var orders: [String: OrderSnapshot] = [:]
        var journal: [JournalEntry] = []
        var entryKeys: Set<String> = []
        /// Each envelope's grabbers, with the grab order that credited them.
        var grabs: [EnvelopeGrabber: String] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    // MARK: - Loading starting state

    /// Makes room for `balances` buckets, `orders` orders and `entries` journal entries in all, so that loading
    /// and applying a batch of known size does not grow the tables step by step. (In a profile of the ledger
    /// benchmark, a quarter of applying effects was the orders table growing and rehashing.)
    public func reserveCapacity(balances: Int, orders: Int, entries: Int) {
        state.withLock {
            $0.balancesFen.reserveCapacity(balances)
            $0.orders.reserveCapacity(orders)
            $0.journal.reserveCapacity(entries)
            $0.entryKeys.reserveCapacity(entries)
        }
    }

    /// Sets a starting balance (from the store); throws `balance.negative` for a negative non-clearing one.
    public func load(balanceFen: Int64, account: AccountID, bucket: Bucket) throws(LedgerRuleError) {
        guard account.mayGoNegative || balanceFen >= 0 else {
            throw LedgerRuleError(
                code: "balance.negative", message: "\(account).\(bucket.rawValue) cannot start at \(balanceFen)")
        }
        state.withLock { $0.balancesFen[BalanceKey(account: account, bucket: bucket)] = balanceFen }
    }

    /// Sets a starting order (from the store); throws `order.invalid_change` for a snapshot that breaks
    /// `0 <= settledFen <= amount` or has a status its kind does not have.
    public func load(_ order: OrderSnapshot) throws(LedgerRuleError) {
        guard order.settledFen >= 0, order.settledFen <= order.amount.fen,
            OrderStateMachine.statuses(for: order.kind).contains(order.status)
        else {
            throw LedgerRuleError(code: "order.invalid_change", message: "order \(order.orderID) is not a valid snapshot")
        }
        state.withLock { $0.orders[order.orderID] = order }
    }

    /// Records that `grabber` was credited from its envelope by the grab order `orderID` (from the store).
    public func load(grab grabber: EnvelopeGrabber, orderID: String) {
        state.withLock { $0.grabs[grabber] = orderID }
    }

    // MARK: - LedgerView

    public func balanceFen(_ account: AccountID, _ bucket: Bucket) -> Int64 {
        state.withLock { $0.balancesFen[BalanceKey(account: account, bucket: bucket)] ?? 0 }
    }

    public func order(_ orderID: String) -> OrderSnapshot? {
        state.withLock { $0.orders[orderID] }
    }

    public func grabOrderID(of grabber: EnvelopeGrabber) -> String? {
        state.withLock { $0.grabs[grabber] }
    }

    // MARK: - Reading everything

    /// Every bucket that has a balance, in fen.
    public var balancesFen: [BalanceKey: Int64] { state.withLock { $0.balancesFen } }
    /// Every order, by id.
    public var orders: [String: OrderSnapshot] { state.withLock { $0.orders } }
    /// Every applied entry, oldest first.
    public var journal: [JournalEntry] { state.withLock { $0.journal } }

    // MARK: - Applying

    /// Applies `effects` atomically, or throws and changes nothing:
    /// `entry.duplicate_key` (an entry's key was applied before or twice here), `balance.negative` (a
    /// non-clearing bucket would go below zero), `balance.overflow`, `order.invalid_change` (creating an
    /// existing order, changing a missing one, `from` not its status, kind/owner/amount differing, settled sum
    /// out of range), `order.illegal_transition` or `envelope.already_grabbed` (a grabber credited from the same
    /// envelope before, or twice here).
    public func apply(_ effects: Effects) throws(LedgerRuleError) {
        try state.withLock { (state: inout State) throws(LedgerRuleError) in
            let orders = try Self.changedOrders(effects.orderChanges, current: state.orders)
            let grabs = try Self.newGrabs(orders, current: state)
            let balances = try Self.changedBalances(effects.entries, current: state.balancesFen)
            for (index, entry) in effects.entries.enumerated() {
                guard !state.entryKeys.contains(entry.idempotencyKey),
                    !effects.entries[..<index].contains(where: { $0.idempotencyKey == entry.idempotencyKey })
                else {
                    throw LedgerRuleError(
                        code: "entry.duplicate_key", message: "key \(entry.idempotencyKey) already applied")
                }
            }
            for (orderID, order) in orders { state.orders[orderID] = order }
            for (grabber, orderID) in grabs { state.grabs[grabber] = orderID }
            for (key, balance) in balances { state.balancesFen[key] = balance }
            state.journal.append(contentsOf: effects.entries)
            for entry in effects.entries { state.entryKeys.insert(entry.idempotencyKey) }
        }
    }

    private static func invalid(_ message: String) -> LedgerRuleError {
        LedgerRuleError(code: "order.invalid_change", message: message)
    }

    // One event's effects touch a handful of orders and buckets, so the touched ones are kept in a list searched
    // front to back: cheaper than a dictionary that hashes every id again (a profile of the ledger benchmark put
    // a third of the batch evaluation in this view's hashing and dictionary copies).

    /// The orders after `changes`, for the touched ids only, each once.
    static func changedOrders(
        _ changes: [OrderChange], current: [String: OrderSnapshot]
    ) throws(LedgerRuleError) -> [(orderID: String, order: OrderSnapshot)] {
        var touched: [(orderID: String, order: OrderSnapshot)] = []
        for change in changes {
            let index = touched.firstIndex { $0.orderID == change.orderID }
            let existing = index.map { touched[$0].order } ?? current[change.orderID]
            let next: OrderSnapshot
            if let from = change.from {
                guard var order = existing else { throw invalid("order \(change.orderID) does not exist") }
                guard order.status == from, order.kind == change.kind, order.owner == change.owner,
                    order.amount == change.amount
                else { throw invalid("order \(change.orderID) does not match the change's from-state") }
                if from != change.to {
                    try OrderStateMachine.transition(kind: order.kind, from: from, to: change.to)
                }
                let (settled, overflow) = order.settledFen.addingReportingOverflow(change.settledDeltaFen)
                guard !overflow else { throw invalid("order \(change.orderID) settled sum overflows") }
                order.status = change.to
                order.channel = order.channel ?? change.channel
                order.counterparty = order.counterparty ?? change.counterparty
                order.settledFen = settled
                next = order
            } else {
                guard existing == nil else { throw invalid("order \(change.orderID) already exists") }
                guard OrderStateMachine.mayBeCreated(kind: change.kind, as: change.to) else {
                    throw LedgerRuleError(
                        code: "order.illegal_transition",
                        message: "a \(change.kind.rawValue) order cannot be created \(change.to.rawValue)")
                }
                next = OrderSnapshot(
                    orderID: change.orderID, kind: change.kind, status: change.to, owner: change.owner,
                    counterparty: change.counterparty, amount: change.amount, channel: change.channel,
                    parentOrderID: change.parentOrderID, settledFen: change.settledDeltaFen)
            }
            guard next.settledFen >= 0, next.settledFen <= next.amount.fen else {
                throw invalid("order \(change.orderID) would settle \(next.settledFen) of \(next.amount.fen) fen")
            }
            if let index { touched[index].order = next } else { touched.append((change.orderID, next)) }
        }
        return touched
    }

    /// The grabs among the `touched` orders: `transferIn` orders created here whose parent is an envelope, each a
    /// grabber who must not have been credited from that envelope before (nor twice here).
    static func newGrabs(
        _ touched: [(orderID: String, order: OrderSnapshot)], current: State
    ) throws(LedgerRuleError) -> [(grabber: EnvelopeGrabber, orderID: String)] {
        var grabs: [(grabber: EnvelopeGrabber, orderID: String)] = []
        for (orderID, order) in touched where order.kind == .transferIn && current.orders[orderID] == nil {
            guard let parentID = order.parentOrderID else { continue }
            let parent = touched.first { $0.orderID == parentID }?.order ?? current.orders[parentID]
            guard parent?.kind == .envelope else { continue }
            let grabber = EnvelopeGrabber(envelopeOrderID: parentID, grabber: order.owner)
            if let earlier = current.grabs[grabber] ?? grabs.first(where: { $0.grabber == grabber })?.orderID {
                throw LedgerRuleError(
                    code: "envelope.already_grabbed", message: "\(grabber) was credited by \(earlier) before \(orderID)")
            }
            grabs.append((grabber, orderID))
        }
        return grabs
    }

    /// The balances after `entries`, for the touched buckets only, each once.
    static func changedBalances(
        _ entries: [JournalEntry], current: [BalanceKey: Int64]
    ) throws(LedgerRuleError) -> [(key: BalanceKey, balance: Int64)] {
        var touched: [(key: BalanceKey, balance: Int64)] = []
        for entry in entries {
            for posting in entry.postings {
                let key = BalanceKey(account: posting.account, bucket: posting.bucket)
                let index = touched.firstIndex { $0.key == key }
                let before = index.map { touched[$0].balance } ?? current[key] ?? 0
                let (sum, overflow) = before.addingReportingOverflow(posting.amountFen)
                guard !overflow else { throw LedgerRuleError(code: "balance.overflow", message: "\(key) overflows") }
                if let index { touched[index].balance = sum } else { touched.append((key, sum)) }
            }
        }
        for (key, balance) in touched where !key.account.mayGoNegative && balance < 0 {
            throw LedgerRuleError(code: "balance.negative", message: "\(key) would become \(balance) fen")
        }
        return touched
    }
}
