import Testing
@testable import PaystreamCore

@Suite("Rules: envelopes funded from the wallet and expired")
struct LedgerRulesEnvelopeTests {
    let alice = Fixture.user("alice")
    let bob = Fixture.user("bob")
    let p = Fixture.posting

    @Test func walletFundingFreezesTheTotal() throws {
        let ledger = InMemoryLedgerView()
        try Fixture.apply(Fixture.paymentSucceeded(order: "r-1", fen: 1000, payer: alice), to: ledger)
        try ledger.load(OrderSnapshot(orderID: "e-1", kind: .envelope, status: .created, owner: alice, amount: Fixture.fen(600)))
        let effects = try Fixture.apply(Fixture.walletFunded(envelope: "e-1", sender: alice, fen: 600), to: ledger)
        #expect(effects.entries[0].kind == .envelopeWalletFunded)
        #expect(effects.entries[0].postings == [p(alice, .available, -600), p(alice, .frozen, 600)])
        #expect(ledger.order("e-1")?.status == .funded)
        #expect(ledger.balanceFen(alice, .available) == 400)
        // Not enough left for another; a second funding of the same envelope is an illegal transition.
        try ledger.load(OrderSnapshot(orderID: "e-2", kind: .envelope, status: .created, owner: alice, amount: Fixture.fen(500)))
        #expect(Fixture.rejection(Fixture.walletFunded(envelope: "e-2", sender: alice, fen: 500), in: ledger) == "balance.insufficient_available")
        #expect(Fixture.rejection(Fixture.walletFunded(envelope: "e-1", sender: alice, fen: 600), in: ledger) == "order.illegal_transition")
        #expect(Fixture.rejection(Fixture.walletFunded(envelope: "e-2", sender: bob, fen: 500), in: ledger) == "order.owner_mismatch")
    }

    @Test(arguments: [true, false])
    func expiryRefundsExactlyTheRestOnce(toWallet: Bool) throws {
        let ledger = InMemoryLedgerView()
        try ledger.load(OrderSnapshot(orderID: "e-1", kind: .envelope, status: .created, owner: alice, amount: Fixture.fen(1000), channel: .wechat))
        try Fixture.apply(Fixture.paymentSucceeded(order: "e-1", fen: 1000, payer: alice, purpose: .envelope), to: ledger)
        try Fixture.apply(Fixture.grab(envelope: "e-1", grab: "g1", sender: alice, grabber: bob, fen: 350), to: ledger)
        let destination: RefundDestination = toWallet ? .wallet(alice) : .channel(.wechat)
        let effects = try Fixture.apply(Fixture.expire(envelope: "e-1", sender: alice, destination: destination), to: ledger)
        #expect(effects.entries[0].kind == .envelopeRefund)
        #expect(effects.entries[0].postings == [p(alice, .frozen, -650), p(destination.account, .available, 650)])
        #expect(ledger.order("e-1")?.status == .expired)
        #expect(ledger.order("e-1")?.settledFen == 350)
        #expect(ledger.balanceFen(alice, .frozen) == 0)
        // Once: a second expiry, or a grab after it, is refused.
        #expect(Fixture.rejection(Fixture.expire(envelope: "e-1", sender: alice, destination: destination), in: ledger) == "order.illegal_transition")
        #expect(Fixture.rejection(Fixture.grab(envelope: "e-1", grab: "g2", sender: alice, grabber: bob, fen: 1), in: ledger) == "envelope.not_funded")
    }

    @Test func aFinishedOrForeignEnvelopeDoesNotExpire() throws {
        let ledger = InMemoryLedgerView()
        try Fixture.apply(Fixture.paymentSucceeded(order: "e-1", fen: 100, payer: alice, purpose: .envelope), to: ledger)
        try Fixture.apply(Fixture.grab(envelope: "e-1", grab: "g1", sender: alice, grabber: bob, fen: 100), to: ledger)
        #expect(ledger.order("e-1")?.status == .finished)
        #expect(Fixture.rejection(Fixture.expire(envelope: "e-1", sender: alice, destination: .wallet(alice)), in: ledger) == "order.illegal_transition")
        #expect(Fixture.rejection(Fixture.expire(envelope: "e-9", sender: alice, destination: .wallet(alice)), in: ledger) == "envelope.unknown")
        try Fixture.apply(Fixture.paymentSucceeded(order: "e-2", fen: 100, payer: alice, purpose: .envelope), to: ledger)
        #expect(Fixture.rejection(Fixture.expire(envelope: "e-2", sender: bob, destination: .wallet(bob)), in: ledger) == "envelope.sender_mismatch")
        #expect(throws: EventDecodingError.self) { try EnvelopeExpired(envelopeOrderID: "e-2", sender: alice, destination: .wallet(bob)) }
    }
}
