/// What a money event does to the ledger: a pure function from (event, view of balances and orders) to the
/// journal entries, order changes and follow-up messages to apply atomically, or a ``Rejection``.
///
/// Guarantees:
/// - pure: no I/O, no clock; the same event and view always give the same result;
/// - every entry carries the event's idempotency key and the owning order (``MoneyEvent/orderKey``);
/// - applying the effects to the view they were computed against leaves every non-clearing bucket >= 0:
///   each rule checks its own balance precondition, and a final check simulates all postings with checked
///   arithmetic and rejects the event rather than produce an entry that would go negative or overflow;
/// - order changes follow ``OrderStateMachine``; an order is created only if it does not exist, and a grab
///   or refund never settles more than the order's amount;
/// - every applied event yields exactly one ``OutboundNotification`` follow-up.
/// The rules per event are documented in the `LedgerRules+<Family>.swift` files.
public enum LedgerRules {
    public static func effects(of event: MoneyEvent, in view: some LedgerView) -> Result<Effects, Rejection> {
        do throws(Rejection) {
            let effects: Effects
            switch event.payload {
            case .paymentSucceeded(let p): effects = try paymentSucceeded(p, event, view)
            case .paymentFailed(let p): effects = try paymentFailed(p, event, view)
            case .transferRequested(let p): effects = try transferRequested(p, event, view)
            case .envelopeGrabbed(let p): effects = try envelopeGrabbed(p, event, view)
            case .refundRequested(let p): effects = try refundRequested(p, event, view)
            case .refundReturned(let p): effects = try refundReturned(p, event, view)
            case .withdrawalRequested(let p): effects = try withdrawalRequested(p, event, view)
            case .withdrawalApproved(let p): effects = try withdrawalApproved(p, event, view)
            case .withdrawalPaidOut(let p): effects = try withdrawalPaidOut(p, event, view)
            case .withdrawalRejected(let p): effects = try withdrawalRejected(p, event, view)
            case .withdrawalFailed(let p): effects = try withdrawalFailed(p, event, view)
            case .envelopeWalletFunded(let p): effects = try envelopeWalletFunded(p, event, view)
            case .envelopeExpired(let p): effects = try envelopeExpired(p, event, view)
            case .envelopeRestReturned(let p): effects = try envelopeRestReturned(p, event, view)
            }
            try checkBalances(after: effects.entries, in: view)
            return .success(effects)
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Shared checks

    static func reject(_ code: String, _ message: String) -> Rejection { Rejection(code: code, message: message) }

    /// Builds an entry, turning a structural refusal into a rejection (it cannot happen for positive amounts).
    static func entry(_ build: () throws(LedgerRuleError) -> JournalEntry) throws(Rejection) -> JournalEntry {
        do throws(LedgerRuleError) {
            return try build()
        } catch {
            throw Rejection(error)
        }
    }

    /// Throws `order.illegal_transition` unless `order` may move to `status`.
    static func transition(_ order: OrderSnapshot, to status: OrderStatus) throws(Rejection) {
        do throws(LedgerRuleError) {
            try OrderStateMachine.transition(kind: order.kind, from: order.status, to: status)
        } catch {
            throw reject(error.code, "order \(order.orderID): \(error.message)")
        }
    }

    static func requireAbsent(_ orderID: String, in view: some LedgerView) throws(Rejection) {
        guard view.order(orderID) == nil else { throw reject("order.duplicate", "order \(orderID) already exists") }
    }

    /// Throws `balance.insufficient_<bucket>` unless the bucket holds at least `amount`.
    static func requireBalance(
        _ account: AccountID, _ bucket: Bucket, atLeast amount: Amount, in view: some LedgerView
    ) throws(Rejection) {
        let balance = view.balanceFen(account, bucket)
        guard account.mayGoNegative || balance >= amount.fen else {
            throw reject(
                "balance.insufficient_\(bucket.rawValue)",
                "\(account).\(bucket.rawValue) holds \(balance) fen, needs \(amount.fen)")
        }
    }

    /// `settledFen + amount`, or `code` when it would exceed the order's amount (or overflow).
    static func settled(_ order: OrderSnapshot, adding amount: Amount, code: String) throws(Rejection) -> Int64 {
        let (total, overflow) = order.settledFen.addingReportingOverflow(amount.fen)
        guard !overflow, total <= order.amount.fen else {
            throw reject(
                code, "order \(order.orderID): \(order.settledFen) + \(amount.fen) fen exceeds its \(order.amount.fen) fen")
        }
        return total
    }

    /// Simulates every posting against the view; rejects instead of letting a non-clearing bucket go below
    /// zero or any balance overflow.
    static func checkBalances(after entries: [JournalEntry], in view: some LedgerView) throws(Rejection) {
        var deltas: [BalanceKey: Int64] = [:]
        for posting in entries.flatMap(\.postings) {
            let key = BalanceKey(account: posting.account, bucket: posting.bucket)
            let (sum, overflow) = deltas[key, default: 0].addingReportingOverflow(posting.amountFen)
            guard !overflow else { throw reject("balance.overflow", "postings to \(key) overflow") }
            deltas[key] = sum
        }
        for (key, delta) in deltas {
            let balance = view.balanceFen(key.account, key.bucket)
            let (after, overflow) = balance.addingReportingOverflow(delta)
            guard !overflow else { throw reject("balance.overflow", "\(key) would overflow") }
            guard key.account.mayGoNegative || after >= 0 else {
                throw reject(
                    "balance.insufficient_\(key.bucket.rawValue)", "\(key) holds \(balance) fen, would become \(after)")
            }
        }
    }

    static func notify(
        _ recipient: AccountID, orderID: String, amount: Amount, event: MoneyEvent
    ) -> FollowUp {
        OutboundNotification(recipient: recipient, orderID: orderID, event: event.type, amount: amount).followUp
    }
}
