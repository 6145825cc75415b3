import Testing
@testable import PaystreamCore

@Suite("Rules: transfers and grabs")
struct LedgerRulesTransferTests {
    let alice = Fixture.user("alice")
    let bob = Fixture.user("bob")
    let carol = Fixture.user("carol")
    let p = Fixture.posting

    /// A ledger where alice has `frozenFen` frozen, by funding envelope e-0 of that amount.
    func ledger(aliceFrozenFen frozenFen: Int64) throws -> InMemoryLedgerView {
        let ledger = InMemoryLedgerView()
        try Fixture.apply(
            Fixture.paymentSucceeded(order: "e-0", fen: frozenFen, payer: alice, purpose: .envelope), to: ledger)
        return ledger
    }

    @Test func transferMovesFrozenToAvailableAndCreatesBothOrders() throws {
        let ledger = try ledger(aliceFrozenFen: 1000)
        let effects = try Fixture.apply(Fixture.transfer(order: "t-1", from: alice, to: bob, fen: 400), to: ledger)
        #expect(effects.entries.count == 1)
        #expect(effects.entries[0].kind == .transfer)
        #expect(effects.entries[0].idempotencyKey == "transfer:t-1")
        #expect(effects.entries[0].orderID == "t-1")
        #expect(effects.entries[0].postings == [p(alice, .frozen, -400), p(bob, .available, 400)])
        #expect(
            effects.orderChanges == [
                OrderChange(orderID: "t-1", kind: .transfer, from: nil, to: .completed, owner: alice, counterparty: bob, amount: Fixture.fen(400)),
                OrderChange(
                    orderID: "t-1:in", kind: .transferIn, from: nil, to: .completed, owner: bob, counterparty: alice,
                    amount: Fixture.fen(400), parentOrderID: "t-1"),
            ])
        #expect(effects.followUps[0].key == "user:bob")
        #expect(try OutboundNotification.decode(effects.followUps[0].payload).orderID == "t-1:in")
        #expect(ledger.balanceFen(alice, .frozen) == 600)
        #expect(ledger.balanceFen(bob, .available) == 400)
    }

    @Test func transferRejections() throws {
        let ledger = try ledger(aliceFrozenFen: 100)
        #expect(Fixture.rejection(Fixture.transfer(order: "t-1", from: alice, to: bob, fen: 101), in: ledger) == "balance.insufficient_frozen")
        #expect(Fixture.rejection(Fixture.transfer(order: "t-1", from: alice, to: alice, fen: 1), in: ledger) == "transfer.same_account")
        #expect(Fixture.rejection(Fixture.transfer(order: "e-0", from: alice, to: bob, fen: 1), in: ledger) == "order.duplicate")
        try Fixture.apply(Fixture.transfer(order: "t-1", from: alice, to: bob, fen: 100), to: ledger)
        #expect(Fixture.rejection(Fixture.transfer(order: "t-1", from: alice, to: bob, fen: 1), in: ledger) == "order.duplicate")
        // Available money is not frozen money.
        try ledger.load(balanceFen: 1_000_000, account: carol, bucket: .available)
        #expect(Fixture.rejection(Fixture.transfer(order: "t-2", from: carol, to: bob, fen: 1), in: ledger) == "balance.insufficient_frozen")
    }

    @Test func grabsSettleTheEnvelopeUntilFinished() throws {
        let ledger = try ledger(aliceFrozenFen: 300)
        let first = try Fixture.apply(Fixture.grab(envelope: "e-0", grab: "g-1", sender: alice, grabber: bob, fen: 100), to: ledger)
        #expect(first.entries[0].kind == .envelopeGrab)
        #expect(first.entries[0].idempotencyKey == "grab:g-1")
        #expect(first.entries[0].orderID == "e-0")
        #expect(first.entries[0].postings == [p(alice, .frozen, -100), p(bob, .available, 100)])
        #expect(first.orderChanges[0].orderID == "e-0")
        #expect(first.orderChanges[0].from == .funded)
        #expect(first.orderChanges[0].to == .funded)
        #expect(first.orderChanges[0].settledDeltaFen == 100)
        #expect(
            first.orderChanges[1]
                == OrderChange(
                    orderID: "grab:g-1", kind: .transferIn, from: nil, to: .completed, owner: bob, counterparty: alice,
                    amount: Fixture.fen(100), parentOrderID: "e-0"))
        #expect(first.followUps[0].key == "user:bob")
        #expect(ledger.order("e-0")?.settledFen == 100)

        #expect(Fixture.rejection(Fixture.grab(envelope: "e-0", grab: "g-2", sender: alice, grabber: carol, fen: 201), in: ledger) == "envelope.overdrawn")
        let last = try Fixture.apply(Fixture.grab(envelope: "e-0", grab: "g-2", sender: alice, grabber: carol, fen: 200), to: ledger)
        #expect(last.orderChanges[0].to == .finished)
        #expect(ledger.order("e-0")?.status == .finished)
        #expect(ledger.order("e-0")?.settledFen == 300)
        #expect(ledger.balanceFen(alice, .frozen) == 0)
        #expect(Fixture.rejection(Fixture.grab(envelope: "e-0", grab: "g-3", sender: alice, grabber: carol, fen: 1), in: ledger) == "envelope.not_funded")
    }

    @Test func grabRejections() throws {
        let ledger = try ledger(aliceFrozenFen: 300)
        try Fixture.apply(Fixture.grab(envelope: "e-0", grab: "g-1", sender: alice, grabber: bob, fen: 1), to: ledger)
        func code(envelope: String = "e-0", grab: String = "g-9", sender: AccountID? = nil, fen: Int64 = 1) -> String? {
            Fixture.rejection(Fixture.grab(envelope: envelope, grab: grab, sender: sender ?? alice, grabber: carol, fen: fen), in: ledger)
        }
        #expect(code() == nil)
        #expect(code(envelope: "e-x") == "envelope.unknown")
        #expect(code(sender: bob) == "envelope.sender_mismatch")
        #expect(code(grab: "g-1") == "order.duplicate")
        #expect(code(fen: 300) == "envelope.overdrawn")
        try ledger.load(OrderSnapshot(orderID: "r-1", kind: .recharge, status: .paid, owner: alice, amount: Fixture.fen(5)))
        #expect(code(envelope: "r-1") == "order.kind_mismatch")
        try ledger.load(OrderSnapshot(orderID: "e-1", kind: .envelope, status: .created, owner: alice, amount: Fixture.fen(5)))
        #expect(code(envelope: "e-1") == "envelope.not_funded")
        // An envelope whose frozen money is gone (moved by another step) is refused, not overdrawn.
        let broke = InMemoryLedgerView()
        try broke.load(OrderSnapshot(orderID: "e-2", kind: .envelope, status: .funded, owner: alice, amount: Fixture.fen(5)))
        #expect(Fixture.rejection(Fixture.grab(envelope: "e-2", grab: "g", sender: alice, grabber: bob, fen: 5), in: broke) == "balance.insufficient_frozen")
    }

    @Test func aGrabberIsCreditedOnceFromOneEnvelopeWhateverTheGrabID() throws {
        let ledger = try ledger(aliceFrozenFen: 300)
        try Fixture.apply(Fixture.grab(envelope: "e-0", grab: "g-1", sender: alice, grabber: bob, fen: 100), to: ledger)
        #expect(ledger.grabOrderID(of: EnvelopeGrabber(envelopeOrderID: "e-0", grabber: bob)) == "grab:g-1")
        // The same user under another grab id (a Redis that lost its record would grant it): refused, nothing moves.
        #expect(Fixture.rejection(Fixture.grab(envelope: "e-0", grab: "g-2", sender: alice, grabber: bob, fen: 100), in: ledger)
            == "envelope.already_grabbed")
        #expect(ledger.balanceFen(bob, .available) == 100)
        // Another grabber of the same envelope, and the same grabber of another envelope, are credited.
        try Fixture.apply(Fixture.grab(envelope: "e-0", grab: "g-3", sender: alice, grabber: carol, fen: 100), to: ledger)
        try Fixture.apply(Fixture.paymentSucceeded(order: "e-1", fen: 50, payer: alice, purpose: .envelope), to: ledger)
        try Fixture.apply(Fixture.grab(envelope: "e-1", grab: "g-4", sender: alice, grabber: bob, fen: 50), to: ledger)
        #expect(ledger.balanceFen(bob, .available) == 150)
        // A transfer's incoming order is not a grab: bob may receive any number of transfers.
        try Fixture.apply(Fixture.transfer(order: "t-1", from: alice, to: bob, fen: 10), to: ledger)
        try Fixture.apply(Fixture.transfer(order: "t-2", from: alice, to: bob, fen: 10), to: ledger)

        // A grab the store recorded (a batch committed earlier) is refused the same way.
        let fresh = try self.ledger(aliceFrozenFen: 300)
        fresh.load(grab: EnvelopeGrabber(envelopeOrderID: "e-0", grabber: carol), orderID: "grab:g-0")
        #expect(Fixture.rejection(Fixture.grab(envelope: "e-0", grab: "g-5", sender: alice, grabber: carol, fen: 1), in: fresh)
            == "envelope.already_grabbed")
    }

    @Test func theViewRefusesEffectsThatCreditAGrabberTwice() throws {
        let ledger = try ledger(aliceFrozenFen: 300)
        let first = try LedgerRules.effects(of: Fixture.grab(envelope: "e-0", grab: "g-1", sender: alice, grabber: bob, fen: 100), in: ledger).get()
        let second = try LedgerRules.effects(of: Fixture.grab(envelope: "e-0", grab: "g-2", sender: alice, grabber: bob, fen: 100), in: ledger).get()
        try ledger.apply(first)
        // Effects built before the first was applied (as a rule with a bug could produce) are refused whole.
        #expect(throws: LedgerRuleError(code: "envelope.already_grabbed", message: "user:bob in e-0 was credited by grab:g-1 before grab:g-2")) {
            try ledger.apply(second)
        }
        #expect(ledger.balanceFen(bob, .available) == 100)
        #expect(ledger.order("grab:g-2") == nil)
    }
}
