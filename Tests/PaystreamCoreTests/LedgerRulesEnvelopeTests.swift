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
        // A second funding of the same envelope is an illegal transition; another sender's is refused.
        try ledger.load(OrderSnapshot(orderID: "e-2", kind: .envelope, status: .created, owner: alice, amount: Fixture.fen(500)))
        #expect(Fixture.rejection(Fixture.walletFunded(envelope: "e-1", sender: alice, fen: 600), in: ledger) == "order.illegal_transition")
        #expect(Fixture.rejection(Fixture.walletFunded(envelope: "e-2", sender: bob, fen: 500), in: ledger) == "order.owner_mismatch")
        // Not enough left for the envelope the API created: it fails, nothing moves, the sender is told.
        let failed = try Fixture.apply(Fixture.walletFunded(envelope: "e-2", sender: alice, fen: 500), to: ledger)
        #expect(failed.entries.isEmpty)
        #expect(failed.orderChanges.map(\.to) == [.failed] && failed.orderChanges[0].reason?.hasPrefix("balance.insufficient_available") == true)
        #expect(failed.followUps.count == 1 && failed.followUps[0].key == "user:alice")
        #expect(ledger.order("e-2")?.status == .failed)
        #expect(ledger.balanceFen(alice, .available) == 400 && ledger.balanceFen(alice, .frozen) == 600)
        #expect(Fixture.rejection(Fixture.walletFunded(envelope: "e-2", sender: alice, fen: 500), in: ledger) == "order.illegal_transition")
        // An envelope the event would create itself is refused instead: there is no order to fail.
        #expect(Fixture.rejection(Fixture.walletFunded(envelope: "e-3", sender: alice, fen: 500), in: ledger) == "balance.insufficient_available")
        #expect(ledger.order("e-3") == nil)
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

    /// The rest sent back through the channel, which did not refund it, comes back to the sender's wallet, once.
    @Test func aRestTheChannelDidNotRefundComesBackToTheSenderOnce() throws {
        let ledger = InMemoryLedgerView()
        try ledger.load(OrderSnapshot(orderID: "e-1", kind: .envelope, status: .created, owner: alice, amount: Fixture.fen(1000), channel: .wechat))
        try Fixture.apply(Fixture.paymentSucceeded(order: "e-1", fen: 1000, payer: alice, purpose: .envelope), to: ledger)
        try Fixture.apply(Fixture.grab(envelope: "e-1", grab: "g1", sender: alice, grabber: bob, fen: 350), to: ledger)
        // Not before the envelope expired.
        #expect(Fixture.rejection(Fixture.restReturned(envelope: "e-1", sender: alice, channel: .wechat, fen: 650), in: ledger) == "order.illegal_transition")
        try Fixture.apply(Fixture.expire(envelope: "e-1", sender: alice, destination: .channel(.wechat)), to: ledger)
        // Only the rest, through the channel the envelope was paid with, to its sender.
        #expect(Fixture.rejection(Fixture.restReturned(envelope: "e-1", sender: alice, channel: .wechat, fen: 651), in: ledger) == "envelope.rest_mismatch")
        #expect(Fixture.rejection(Fixture.restReturned(envelope: "e-1", sender: alice, channel: .alipay, fen: 650), in: ledger) == "envelope.rest_mismatch")
        #expect(Fixture.rejection(Fixture.restReturned(envelope: "e-1", sender: bob, channel: .wechat, fen: 650), in: ledger) == "envelope.sender_mismatch")
        let effects = try Fixture.apply(Fixture.restReturned(envelope: "e-1", sender: alice, channel: .wechat, fen: 650), to: ledger)
        #expect(effects.entries[0].kind == .envelopeRestReturned && effects.entries[0].orderID == "e-1")
        #expect(effects.entries[0].postings == [p(.clearing(.wechat), .available, -650), p(alice, .available, 650)])
        #expect(ledger.balanceFen(alice, .available) == 650 && ledger.balanceFen(.clearing(.wechat), .available) == -1000)
        let returned = ledger.order("e-1EXP")
        #expect(returned?.kind == .refund && returned?.status == .failed && returned?.parentOrderID == "e-1" && returned?.amount.fen == 650)
        #expect(ledger.order("e-1")?.status == .expired && ledger.order("e-1")?.settledFen == 350)
        // Once.
        #expect(Fixture.rejection(Fixture.restReturned(envelope: "e-1", sender: alice, channel: .wechat, fen: 650), in: ledger) == "order.duplicate")
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
