import Testing
@testable import PaystreamCore

@Suite("Rules: payments")
struct LedgerRulesPaymentTests {
    let alice = Fixture.user("alice")
    let bob = Fixture.user("bob")
    let p = Fixture.posting

    @Test func rechargeOfUnknownOrderCreatesItPaid() throws {
        let ledger = InMemoryLedgerView()
        let event = Fixture.paymentSucceeded(order: "r-1", transaction: "42", fen: 1000, payer: alice)
        let effects = try Fixture.apply(event, to: ledger)
        #expect(effects.entries.count == 1)
        let entry = effects.entries[0]
        #expect(entry.kind == .rechargePaid)
        #expect(entry.idempotencyKey == "notify:wechat:42")
        #expect(entry.orderID == "r-1")
        #expect(entry.postings == [p(.clearing(.wechat), .available, -1000), p(alice, .available, 1000)])
        #expect(
            effects.orderChanges == [
                OrderChange(
                    orderID: "r-1", kind: .recharge, from: nil, to: .paid, owner: alice, amount: Fixture.fen(1000),
                    channel: .wechat, channelTransactionID: "42")
            ])
        let note = try OutboundNotification.decode(effects.followUps[0].payload)
        #expect(note == OutboundNotification(recipient: alice, orderID: "r-1", event: .paymentSucceeded, amount: Fixture.fen(1000)))
        #expect(effects.followUps[0].key == "user:alice")
        #expect(ledger.balanceFen(alice, .available) == 1000)
        #expect(ledger.balanceFen(.clearing(.wechat), .available) == -1000)
        #expect(ledger.order("r-1")?.status == .paid)
    }

    @Test func envelopePaymentFundsTheFrozenBucket() throws {
        let ledger = InMemoryLedgerView()
        try ledger.load(OrderSnapshot(orderID: "e-1", kind: .envelope, status: .created, owner: alice, amount: Fixture.fen(300)))
        let effects = try Fixture.apply(
            Fixture.paymentSucceeded(order: "e-1", channel: .alipay, fen: 300, payer: alice, purpose: .envelope), to: ledger)
        #expect(effects.entries[0].kind == .envelopeFunded)
        #expect(effects.entries[0].postings == [p(.clearing(.alipay), .available, -300), p(alice, .frozen, 300)])
        #expect(effects.orderChanges[0].from == .created)
        #expect(effects.orderChanges[0].to == .funded)
        #expect(ledger.balanceFen(alice, .frozen) == 300)
        #expect(ledger.balanceFen(alice, .available) == 0)
    }

    @Test func collectionCreditsTheMerchantsAvailableBucket() throws {
        let ledger = InMemoryLedgerView()
        let shop = try AccountID.merchant("shop")
        try ledger.load(OrderSnapshot(orderID: "c-1", kind: .collection, status: .created, owner: shop, amount: Fixture.fen(2500), channel: .alipay))
        let effects = try Fixture.apply(
            Fixture.paymentSucceeded(order: "c-1", channel: .alipay, fen: 2500, payer: shop, purpose: .collection), to: ledger)
        #expect(effects.entries[0].kind == .collectionPaid)
        #expect(effects.entries[0].postings == [p(.clearing(.alipay), .available, -2500), p(shop, .available, 2500)])
        #expect(effects.orderChanges[0].to == .paid)
        #expect(ledger.order("c-1")?.status == .paid)
        // A collection's order is not a recharge, and a merchant cannot be named for a recharge at all.
        try ledger.load(OrderSnapshot(orderID: "r-9", kind: .recharge, status: .created, owner: alice, amount: Fixture.fen(10)))
        #expect(Fixture.rejection(Fixture.paymentSucceeded(order: "r-9", fen: 10, payer: shop, purpose: .collection), in: ledger) == "order.kind_mismatch")
        #expect(throws: EventDecodingError.self) {
            try PaymentSucceeded(orderID: "r-9", channel: .wechat, channelTransactionID: "t", amount: Fixture.fen(10), payer: shop, purpose: .recharge)
        }
        #expect(throws: EventDecodingError.self) {
            try PaymentSucceeded(orderID: "c-9", channel: .wechat, channelTransactionID: "t", amount: Fixture.fen(10), payer: alice, purpose: .collection)
        }
    }

    @Test func paymentSucceededRejections() throws {
        let ledger = InMemoryLedgerView()
        try ledger.load(OrderSnapshot(orderID: "r-1", kind: .recharge, status: .created, owner: alice, amount: Fixture.fen(100), channel: .wechat))
        try ledger.load(OrderSnapshot(orderID: "r-2", kind: .recharge, status: .failed, owner: alice, amount: Fixture.fen(100)))
        try ledger.load(OrderSnapshot(orderID: "e-1", kind: .envelope, status: .created, owner: alice, amount: Fixture.fen(100)))
        func code(_ order: String, fen: Int64 = 100, payer: AccountID? = nil, channel: Channel = .wechat, purpose: PaymentSucceeded.Purpose = .recharge) -> String? {
            Fixture.rejection(
                Fixture.paymentSucceeded(order: order, channel: channel, fen: fen, payer: payer ?? alice, purpose: purpose), in: ledger)
        }
        #expect(code("r-1") == nil)
        #expect(code("r-1", fen: 99) == "order.amount_mismatch")
        #expect(code("r-2") == "order.illegal_transition")
        #expect(code("e-1") == "order.kind_mismatch")
        #expect(code("r-1", purpose: .envelope) == "order.kind_mismatch")
        #expect(code("r-1", payer: bob) == "order.owner_mismatch")
        #expect(code("r-1", channel: .alipay) == "order.channel_mismatch")
        // A second notify for an order already paid is refused, not applied twice.
        try Fixture.apply(Fixture.paymentSucceeded(order: "r-1", fen: 100, payer: alice), to: ledger)
        #expect(code("r-1") == "order.illegal_transition")
        #expect(ledger.balanceFen(alice, .available) == 100)
    }

    @Test func paymentFailedMarksTheOrderFailed() throws {
        let ledger = InMemoryLedgerView()
        try ledger.load(OrderSnapshot(orderID: "r-1", kind: .recharge, status: .created, owner: alice, amount: Fixture.fen(100), channel: .wechat))
        let effects = try Fixture.apply(Fixture.paymentFailed(order: "r-1", reason: "closed by user"), to: ledger)
        #expect(effects.entries.isEmpty)
        #expect(effects.orderChanges.count == 1)
        #expect(effects.orderChanges[0].from == .created)
        #expect(effects.orderChanges[0].to == .failed)
        #expect(effects.orderChanges[0].reason == "closed by user")
        #expect(effects.followUps.count == 1)
        #expect(ledger.order("r-1")?.status == .failed)
        #expect(Fixture.rejection(Fixture.paymentFailed(order: "r-1"), in: ledger) == "order.illegal_transition")
        #expect(Fixture.rejection(Fixture.paymentFailed(order: "nope"), in: ledger) == "order.unknown")
        try ledger.load(OrderSnapshot(orderID: "w-1", kind: .withdraw, status: .requested, owner: alice, amount: Fixture.fen(1)))
        #expect(Fixture.rejection(Fixture.paymentFailed(order: "w-1"), in: ledger) == "order.kind_mismatch")
        try ledger.load(OrderSnapshot(orderID: "r-3", kind: .recharge, status: .created, owner: alice, amount: Fixture.fen(1), channel: .alipay))
        #expect(Fixture.rejection(Fixture.paymentFailed(order: "r-3", channel: .wechat), in: ledger) == "order.channel_mismatch")
    }
}
