import Foundation
import PaystreamCore

/// All that the simulated channels remember: orders, refunds, payouts, notifies, faults and bill discrepancies.
///
/// Guarantees: held in memory only (the sandbox stands in for an external channel; a restart forgets it all);
/// every collection is bounded (orders by `maxOrders`, refused beyond it; notify records by `maxNotifyRecords`,
/// oldest forgotten first); each mutation is atomic because the state is an actor.
actor SandboxState {
    struct Key: Hashable, Sendable {
        let channel: Channel
        let id: String
    }

    let maxOrders: Int
    let maxNotifyRecords: Int

    var orders: [Key: SandboxOrder] = [:]
    var orderSequence: [Key] = []
    /// Each order's key by the channel's own number for it (WeChat transaction_id, Alipay trade_no), which is
    /// fixed when the order is stored: the queries and refunds that name an order by that number look it up here
    /// instead of walking every order.
    var orderKeysByTradeNo: [Key: Key] = [:]
    var refunds: [Key: SandboxRefund] = [:]
    var refundSequence: [Key] = []
    var payouts: [String: SandboxPayout] = [:]  // key: rail + "/" + outBillNo
    var payoutSequence: [String] = []
    var faults = SandboxFaults()
    var injections: [BillInjection] = []
    /// Notify records, the live ones from `notifyStart` on (see ``addNotify(_:)``).
    var notifies: [NotifyRecord] = []
    var notifyStart = 0
    var heldNotify: HeldNotify?
    var billTokens: [String: BillRequest] = [:]
    var notifyCounter = 0

    init(maxOrders: Int, maxNotifyRecords: Int) {
        precondition(maxOrders > 0 && maxNotifyRecords > 0)
        self.maxOrders = maxOrders
        self.maxNotifyRecords = maxNotifyRecords
    }

    func reset() {
        orders = [:]
        orderSequence = []
        orderKeysByTradeNo = [:]
        refunds = [:]
        refundSequence = []
        payouts = [:]
        payoutSequence = []
        faults = SandboxFaults()
        injections = []
        notifies = []
        notifyStart = 0
        heldNotify = nil
        billTokens = [:]
    }

    // MARK: Orders

    func order(_ channel: Channel, _ outTradeNo: String) -> SandboxOrder? { orders[Key(channel: channel, id: outTradeNo)] }

    func allOrders() -> [SandboxOrder] { orderSequence.compactMap { orders[$0] } }

    /// The order `channel` numbered `tradeNo` (WeChat transaction_id, Alipay trade_no).
    func order(_ channel: Channel, tradeNo: String) -> SandboxOrder? {
        orderKeysByTradeNo[Key(channel: channel, id: tradeNo)].flatMap { orders[$0] }
    }

    /// Stores a new order, or returns the stored one when the same request is repeated. Throws `.conflict` when
    /// the out_trade_no was used with different content, `.orderPaid`/`.orderClosed` when repeating a finished one.
    func createOrder(_ order: SandboxOrder) throws(SandboxFailure) -> SandboxOrder {
        let key = Key(channel: order.channel, id: order.outTradeNo)
        if let existing = orders[key] {
            guard existing.fingerprint == order.fingerprint else {
                throw .conflict("out_trade_no \(order.outTradeNo) was used for a different order")
            }
            switch existing.state {
            case .notPaid: return existing
            case .paid: throw .orderPaid(order.outTradeNo)
            case .closed: throw .orderClosed(order.outTradeNo)
            }
        }
        guard orders.count < maxOrders else { throw .limitReached("the sandbox holds \(maxOrders) orders; reset it") }
        orders[key] = order
        orderSequence.append(key)
        let tradeKey = Key(channel: order.channel, id: order.tradeNo)
        if orderKeysByTradeNo[tradeKey] == nil { orderKeysByTradeNo[tradeKey] = key }
        return order
    }

    /// SIMULATED: a payment attempt of the order that the payer's bank refused. The order stays unpaid (and payable).
    func failAttempt(_ channel: Channel, _ outTradeNo: String) throws(SandboxFailure) -> SandboxOrder {
        let key = Key(channel: channel, id: outTradeNo)
        guard var order = orders[key] else { throw .orderNotFound(outTradeNo) }
        switch order.state {
        case .paid: throw .orderPaid(outTradeNo)
        case .closed: throw .orderClosed(outTradeNo)
        case .notPaid: break
        }
        order.lastAttemptFailed = true
        orders[key] = order
        return order
    }

    /// Marks an order paid ("scan and pay"). With no such order, `staticOrder` (a static QR payment) is created
    /// and paid instead. `amountFen` overrides the order's amount (what the payer typed).
    func pay(
        _ channel: Channel, _ outTradeNo: String, amountFen: Int64?, payer: String, now: Date,
        staticOrder: SandboxOrder?
    ) throws(SandboxFailure) -> SandboxOrder {
        let key = Key(channel: channel, id: outTradeNo)
        if orders[key] == nil {
            guard let staticOrder else { throw .orderNotFound(outTradeNo) }
            _ = try createOrder(staticOrder)
        }
        guard var order = orders[key] else { throw .orderNotFound(outTradeNo) }
        switch order.state {
        case .paid: throw .orderPaid(outTradeNo)
        case .closed: throw .orderClosed(outTradeNo)
        case .notPaid: break
        }
        if let expiry = order.expiresAt, expiry < now {
            order.state = .closed
            order.closedAt = now
            orders[key] = order
            throw .orderExpired(outTradeNo)
        }
        let paid = amountFen ?? order.amountFen
        guard paid > 0 else { throw .invalid("the paid amount must be positive") }
        order.paidFen = paid
        order.lastAttemptFailed = nil
        order.state = .paid
        order.payer = payer
        order.paidAt = now
        orders[key] = order
        return order
    }

    /// Closes an unpaid order; closing a closed one again succeeds; a paid one throws `.orderPaid`.
    func close(_ channel: Channel, _ outTradeNo: String, now: Date) throws(SandboxFailure) -> SandboxOrder {
        let key = Key(channel: channel, id: outTradeNo)
        guard var order = orders[key] else { throw .orderNotFound(outTradeNo) }
        switch order.state {
        case .paid: throw .orderPaid(outTradeNo)
        case .closed: return order
        case .notPaid:
            order.state = .closed
            order.closedAt = now
            orders[key] = order
            return order
        }
    }

    // MARK: Faults and bill discrepancies

    func setFaults(_ new: SandboxFaults) -> HeldNotify? {
        faults = new
        if new.notify?.reorder != true { return releaseHeld() }
        return nil
    }

    func addInjection(_ injection: BillInjection) -> Int {
        injections.append(injection)
        if injections.count > 10_000 { injections.removeFirst(injections.count - 10_000) }
        return injections.count
    }

    /// What a bill for `channel` needs: its orders, refunds and discrepancies.
    func billInputs(_ channel: Channel) -> BillInputs {
        BillInputs(
            orders: allOrders().filter { $0.channel == channel },
            refunds: refundSequence.compactMap { refunds[$0] }.filter { $0.channel == channel },
            injections: injections.filter { $0.channel == channel })
    }

    /// Remembers a bill download link; at most 1000 are kept (oldest forgotten).
    func registerBillToken(_ request: BillRequest) -> String {
        if billTokens.count >= 1000, let any = billTokens.keys.first { billTokens[any] = nil }
        let token = SandboxID.alphanumeric(32)
        billTokens[token] = request
        return token
    }

    func billRequest(token: String) -> BillRequest? { billTokens[token] }
}

/// The bill file a download link stands for, fixed when the link was made so that its hash stays true.
struct BillRequest: Sendable, Equatable {
    let channel: Channel
    let day: String
    let bytes: [UInt8]
}
