import Testing
@testable import PaystreamCore

@Suite("InMemoryLedgerView")
struct InMemoryLedgerViewTests {
    let alice = Fixture.user("alice")
    let bob = Fixture.user("bob")

    private func code(_ body: () throws(LedgerRuleError) -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return error.code
        }
    }

    @Test func applyIsAtomicAndValidates() throws {
        let ledger = InMemoryLedgerView()
        let good = try JournalEntry.rechargePaid(channel: .wechat, user: alice, amount: Fixture.fen(10), toFrozen: false, key: "k1", orderID: "r-1")
        let overdraw = try JournalEntry.freeze(account: bob, amount: Fixture.fen(1), key: "k2", orderID: "w-1")
        // The second entry would take bob negative: nothing at all is applied.
        #expect(code { () throws(LedgerRuleError) in try ledger.apply(Effects(entries: [good, overdraw])) } == "balance.negative")
        #expect(ledger.balanceFen(alice, .available) == 0)
        #expect(ledger.journal.isEmpty)
        try ledger.apply(Effects(entries: [good]))
        #expect(code { () throws(LedgerRuleError) in try ledger.apply(Effects(entries: [good])) } == "entry.duplicate_key")
        #expect(ledger.balanceFen(alice, .available) == 10)
        #expect(ledger.balanceFen(.clearing(.wechat), .available) == -10)
    }

    @Test func orderChangesFollowTheStateMachine() throws {
        let ledger = InMemoryLedgerView()
        let amount = Fixture.fen(5)
        let create = OrderChange(orderID: "w-1", kind: .withdraw, from: nil, to: .requested, owner: alice, amount: amount)
        try ledger.apply(Effects(orderChanges: [create]))
        #expect(code { () throws(LedgerRuleError) in try ledger.apply(Effects(orderChanges: [create])) } == "order.invalid_change")
        let skip = OrderChange(orderID: "w-1", kind: .withdraw, from: .requested, to: .paidOut, owner: alice, amount: amount)
        #expect(code { () throws(LedgerRuleError) in try ledger.apply(Effects(orderChanges: [skip])) } == "order.illegal_transition")
        let stale = OrderChange(orderID: "w-1", kind: .withdraw, from: .approved, to: .paidOut, owner: alice, amount: amount)
        #expect(code { () throws(LedgerRuleError) in try ledger.apply(Effects(orderChanges: [stale])) } == "order.invalid_change")
        let missing = OrderChange(orderID: "w-9", kind: .withdraw, from: .requested, to: .approved, owner: alice, amount: amount)
        #expect(code { () throws(LedgerRuleError) in try ledger.apply(Effects(orderChanges: [missing])) } == "order.invalid_change")
        let badCreate = OrderChange(orderID: "e-1", kind: .envelope, from: nil, to: .finished, owner: alice, amount: amount)
        #expect(code { () throws(LedgerRuleError) in try ledger.apply(Effects(orderChanges: [badCreate])) } == "order.illegal_transition")
        let overSettle = OrderChange(orderID: "w-1", kind: .withdraw, from: .requested, to: .requested, owner: alice, amount: amount, settledDeltaFen: 6)
        #expect(code { () throws(LedgerRuleError) in try ledger.apply(Effects(orderChanges: [overSettle])) } == "order.invalid_change")
        // Two steps in one effect apply in order.
        let approve = OrderChange(orderID: "w-1", kind: .withdraw, from: .requested, to: .approved, owner: alice, amount: amount)
        let pay = OrderChange(orderID: "w-1", kind: .withdraw, from: .approved, to: .paidOut, owner: alice, amount: amount)
        try ledger.apply(Effects(orderChanges: [approve, pay]))
        #expect(ledger.order("w-1")?.status == .paidOut)
    }

    @Test func loadingRefusesImpossibleState() {
        let ledger = InMemoryLedgerView()
        #expect(code { () throws(LedgerRuleError) in try ledger.load(balanceFen: -1, account: alice, bucket: .available) } == "balance.negative")
        #expect(code { () throws(LedgerRuleError) in try ledger.load(balanceFen: -1, account: .clearing(.wechat), bucket: .available) } == nil)
        #expect(code { () throws(LedgerRuleError) in
            try ledger.load(OrderSnapshot(orderID: "e", kind: .envelope, status: .funded, owner: alice, amount: Fixture.fen(1), settledFen: 2))
        } == "order.invalid_change")
        #expect(code { () throws(LedgerRuleError) in
            try ledger.load(OrderSnapshot(orderID: "r", kind: .recharge, status: .approved, owner: alice, amount: Fixture.fen(1)))
        } == "order.invalid_change")
    }
}
