import Testing
@testable import PaystreamCore

@Suite("Rules: refunds")
struct LedgerRulesRefundTests {
    let alice = Fixture.user("alice")
    let bob = Fixture.user("bob")
    let shop = Fixture.merchant("shop")
    let p = Fixture.posting

    /// alice recharged 1000 fen through WeChat (order r-1).
    func recharged() throws -> InMemoryLedgerView {
        let ledger = InMemoryLedgerView()
        try Fixture.apply(Fixture.paymentSucceeded(order: "r-1", fen: 1000, payer: alice), to: ledger)
        return ledger
    }

    @Test func refundOfARechargeGoesBackToItsChannel() throws {
        let ledger = try recharged()
        let effects = try Fixture.apply(
            Fixture.refund(refund: "rf-1", original: "r-1", payer: alice, fen: 400, destination: .channel(.wechat)), to: ledger)
        #expect(effects.entries.count == 1)
        #expect(effects.entries[0].kind == .refund)
        #expect(effects.entries[0].idempotencyKey == "refund:rf-1")
        #expect(effects.entries[0].orderID == "r-1")
        #expect(effects.entries[0].postings == [p(alice, .available, -400), p(.clearing(.wechat), .available, 400)])
        #expect(
            effects.orderChanges == [
                OrderChange(
                    orderID: "rf-1", kind: .refund, from: nil, to: .refunded, owner: alice, counterparty: .clearing(.wechat),
                    amount: Fixture.fen(400), channel: .wechat, parentOrderID: "r-1"),
                OrderChange(
                    orderID: "r-1", kind: .recharge, from: .paid, to: .paid, owner: alice, amount: Fixture.fen(1000),
                    channel: .wechat, settledDeltaFen: 400),
            ])
        #expect(effects.followUps[0].key == "user:alice")
        #expect(ledger.order("r-1")?.status == .paid)
        #expect(ledger.order("r-1")?.settledFen == 400)
        #expect(ledger.balanceFen(.clearing(.wechat), .available) == -600)
        // The rest can be refunded, not a fen more.
        #expect(Fixture.rejection(Fixture.refund(refund: "rf-2", original: "r-1", payer: alice, fen: 601, destination: .channel(.wechat)), in: ledger) == "refund.exceeds_original")
        try Fixture.apply(Fixture.refund(refund: "rf-2", original: "r-1", payer: alice, fen: 600, destination: .channel(.wechat)), to: ledger)
        #expect(Fixture.rejection(Fixture.refund(refund: "rf-3", original: "r-1", payer: alice, fen: 1, destination: .channel(.wechat)), in: ledger) == "refund.exceeds_original")
        #expect(ledger.balanceFen(alice, .available) == 0)
        #expect(ledger.balanceFen(.clearing(.wechat), .available) == 0)
    }

    /// The channel ended a refund closed or abnormal: the money comes back to the payer, the refund order fails,
    /// the original may be refunded again; once only.
    @Test func aRefundTheChannelDidNotCompleteComesBack() throws {
        let ledger = try recharged()
        try Fixture.apply(Fixture.refund(refund: "rf-1", original: "r-1", payer: alice, fen: 400, destination: .channel(.wechat)), to: ledger)
        let returned = Fixture.refundReturned(refund: "rf-1", original: "r-1", payer: alice, channel: .wechat, fen: 400, reason: "ABNORMAL")
        // What does not match the refund as it was made is refused.
        #expect(Fixture.rejection(Fixture.refundReturned(refund: "rf-1", original: "r-1", payer: alice, channel: .wechat, fen: 401), in: ledger) == "refund.return_mismatch")
        #expect(Fixture.rejection(Fixture.refundReturned(refund: "rf-1", original: "r-1", payer: alice, channel: .alipay, fen: 400), in: ledger) == "refund.return_mismatch")
        #expect(Fixture.rejection(Fixture.refundReturned(refund: "rf-1", original: "r-1", payer: bob, channel: .wechat, fen: 400), in: ledger) == "refund.return_mismatch")
        #expect(Fixture.rejection(Fixture.refundReturned(refund: "rf-1", original: "r-2", payer: alice, channel: .wechat, fen: 400), in: ledger) == "refund.original_mismatch")
        #expect(Fixture.rejection(Fixture.refundReturned(refund: "rf-9", original: "r-1", payer: alice, channel: .wechat, fen: 400), in: ledger) == "order.unknown")
        #expect(Fixture.rejection(Fixture.refundReturned(refund: "r-1", original: "r-1", payer: alice, channel: .wechat, fen: 400), in: ledger) == "order.kind_mismatch")

        let effects = try Fixture.apply(returned, to: ledger)
        #expect(effects.entries.count == 1)
        #expect(effects.entries[0].kind == .refundReturned)
        #expect(effects.entries[0].idempotencyKey == "refund-returned:rf-1")
        #expect(effects.entries[0].orderID == "r-1")
        #expect(effects.entries[0].postings == [p(.clearing(.wechat), .available, -400), p(alice, .available, 400)])
        #expect(effects.followUps[0].key == "user:alice")
        #expect(ledger.order("rf-1")?.status == .failed)
        #expect(ledger.order("r-1")?.status == .paid && ledger.order("r-1")?.settledFen == 0)
        #expect(ledger.balanceFen(alice, .available) == 1000)
        #expect(ledger.balanceFen(.clearing(.wechat), .available) == -1000)
        // Once: the refund order is final now.
        #expect(Fixture.rejection(returned, in: ledger) == "order.illegal_transition")
        // The whole amount can be refunded again.
        try Fixture.apply(Fixture.refund(refund: "rf-2", original: "r-1", payer: alice, fen: 1000, destination: .channel(.wechat)), to: ledger)
        #expect(ledger.order("r-1")?.settledFen == 1000)
    }

    /// Only a refund whose money left the wallet can come back: one still `requested` cannot.
    @Test func aRequestedRefundCannotComeBack() throws {
        let ledger = try recharged()
        try ledger.load(
            OrderSnapshot(
                orderID: "rf-9", kind: .refund, status: .requested, owner: alice, counterparty: .clearing(.wechat), amount: Fixture.fen(100),
                channel: .wechat, parentOrderID: "r-1"))
        #expect(Fixture.rejection(Fixture.refundReturned(refund: "rf-9", original: "r-1", payer: alice, channel: .wechat, fen: 100), in: ledger) == "order.illegal_transition")
    }

    /// A refund to a wallet never went through a channel: it cannot come back as a channel's failure.
    @Test func aRefundToAWalletCannotComeBack() throws {
        let ledger = InMemoryLedgerView()
        try Fixture.apply(Fixture.paymentSucceeded(order: "e-0", fen: 500, payer: alice, purpose: .envelope), to: ledger)
        try Fixture.apply(Fixture.transfer(order: "t-1", from: alice, to: bob, fen: 500), to: ledger)
        try Fixture.apply(Fixture.refund(refund: "rf-1", original: "t-1", payer: bob, fen: 200, destination: .wallet(alice)), to: ledger)
        #expect(Fixture.rejection(Fixture.refundReturned(refund: "rf-1", original: "t-1", payer: bob, channel: .wechat, fen: 200), in: ledger) == "refund.return_mismatch")
        #expect(ledger.order("rf-1")?.status == .refunded)
    }

    @Test func refundOfATransferGoesBackToTheSendersWallet() throws {
        let ledger = InMemoryLedgerView()
        try Fixture.apply(Fixture.paymentSucceeded(order: "e-0", fen: 500, payer: alice, purpose: .envelope), to: ledger)
        try Fixture.apply(Fixture.transfer(order: "t-1", from: alice, to: bob, fen: 500), to: ledger)
        let effects = try Fixture.apply(
            Fixture.refund(refund: "rf-1", original: "t-1", payer: bob, fen: 200, destination: .wallet(alice)), to: ledger)
        #expect(effects.entries[0].postings == [p(bob, .available, -200), p(alice, .available, 200)])
        #expect(effects.followUps[0].key == "user:alice")
        #expect(ledger.order("t-1")?.settledFen == 200)
        #expect(Fixture.rejection(Fixture.refund(refund: "rf-2", original: "t-1", payer: alice, fen: 1, destination: .wallet(alice)), in: ledger) == "refund.payer_mismatch")
        #expect(Fixture.rejection(Fixture.refund(refund: "rf-2", original: "t-1", payer: bob, fen: 1, destination: .wallet(bob)), in: ledger) == "refund.destination_mismatch")
        #expect(Fixture.rejection(Fixture.refund(refund: "rf-2", original: "t-1", payer: bob, fen: 1, destination: .channel(.wechat)), in: ledger) == "refund.destination_mismatch")
        // The incoming side of a transfer cannot even be named by an event: event order ids have no ':'.
        #expect(throws: EventDecodingError.self) {
            try RefundRequested(refundOrderID: "rf-2", originalOrderID: "t-1:in", payer: bob, amount: Fixture.fen(1), destination: .wallet(alice))
        }
    }

    @Test func refundOfACollection() throws {
        let ledger = InMemoryLedgerView()
        try ledger.load(
            OrderSnapshot(orderID: "c-1", kind: .collection, status: .paid, owner: shop, counterparty: alice, amount: Fixture.fen(300), channel: .alipay))
        try ledger.load(balanceFen: 300, account: shop, bucket: .available)
        #expect(Fixture.rejection(Fixture.refund(refund: "rf-1", original: "c-1", payer: shop, fen: 100, destination: .channel(.alipay)), in: ledger) == nil)
        #expect(Fixture.rejection(Fixture.refund(refund: "rf-1", original: "c-1", payer: shop, fen: 100, destination: .wallet(alice)), in: ledger) == nil)
        #expect(Fixture.rejection(Fixture.refund(refund: "rf-1", original: "c-1", payer: shop, fen: 100, destination: .channel(.wechat)), in: ledger) == "refund.destination_mismatch")
        #expect(Fixture.rejection(Fixture.refund(refund: "rf-1", original: "c-1", payer: shop, fen: 100, destination: .wallet(bob)), in: ledger) == "refund.destination_mismatch")
        try Fixture.apply(Fixture.refund(refund: "rf-1", original: "c-1", payer: shop, fen: 300, destination: .wallet(alice)), to: ledger)
        #expect(ledger.balanceFen(alice, .available) == 300)
        #expect(ledger.balanceFen(shop, .available) == 0)
    }

    @Test func refundRejections() throws {
        let ledger = try recharged()
        func code(_ refund: String = "rf-9", original: String = "r-1", payer: AccountID? = nil, fen: Int64 = 1, to destination: RefundDestination = .channel(.wechat)) -> String? {
            Fixture.rejection(Fixture.refund(refund: refund, original: original, payer: payer ?? alice, fen: fen, destination: destination), in: ledger)
        }
        #expect(code() == nil)
        #expect(code(original: "nope") == "order.unknown")
        #expect(code("r-1") == "order.duplicate")
        #expect(code(fen: 1001) == "refund.exceeds_original")
        #expect(code(payer: bob) == "refund.payer_mismatch")
        #expect(code(to: .channel(.alipay)) == "refund.destination_mismatch")
        #expect(code(to: .wallet(alice)) == "refund.destination_mismatch")
        // The money was spent meanwhile: the wallet cannot pay the refund.
        try Fixture.apply(Fixture.withdraw(order: "w-1", account: alice, fen: 900), to: ledger)
        #expect(code(fen: 101) == "balance.insufficient_available")
        #expect(code(fen: 100) == nil)
        // Only paid recharges, paid collections and completed transfers can be refunded.
        try ledger.load(OrderSnapshot(orderID: "r-2", kind: .recharge, status: .created, owner: alice, amount: Fixture.fen(5), channel: .wechat))
        #expect(code(original: "r-2") == "refund.not_refundable")
        #expect(code(original: "w-1") == "refund.not_refundable")
        try Fixture.apply(Fixture.refund(refund: "rf-1", original: "r-1", payer: alice, fen: 100, destination: .channel(.wechat)), to: ledger)
        #expect(code("rf-1") == "order.duplicate")
        #expect(code(original: "rf-1") == "refund.not_refundable")
    }
}
