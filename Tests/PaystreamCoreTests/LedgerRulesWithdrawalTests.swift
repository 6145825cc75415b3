import Testing
@testable import PaystreamCore

@Suite("Rules: withdrawals")
struct LedgerRulesWithdrawalTests {
    let alice = Fixture.user("alice")
    let p = Fixture.posting

    /// alice has 1000 fen available.
    func funded() throws -> InMemoryLedgerView {
        let ledger = InMemoryLedgerView()
        try Fixture.apply(Fixture.paymentSucceeded(order: "r-1", fen: 1000, payer: alice), to: ledger)
        return ledger
    }

    @Test func requestFreezesApprovalAndPayoutMoveToClearing() throws {
        let ledger = try funded()
        let requested = try Fixture.apply(Fixture.withdraw(order: "w-1", account: alice, fen: 700, channel: .bill99), to: ledger)
        #expect(requested.entries[0].kind == .withdrawFreeze)
        #expect(requested.entries[0].idempotencyKey == "withdraw-request:w-1")
        #expect(requested.entries[0].postings == [p(alice, .available, -700), p(alice, .frozen, 700)])
        #expect(
            requested.orderChanges == [
                OrderChange(orderID: "w-1", kind: .withdraw, from: nil, to: .requested, owner: alice, amount: Fixture.fen(700), channel: .bill99)
            ])

        let approved = try Fixture.apply(Fixture.approve(order: "w-1", by: "op-7"), to: ledger)
        #expect(approved.entries.isEmpty)
        #expect(approved.orderChanges[0].from == .requested)
        #expect(approved.orderChanges[0].to == .approved)
        #expect(approved.orderChanges[0].actor == "op-7")
        #expect(approved.followUps.count == 1)

        let paid = try Fixture.apply(Fixture.paidOut(order: "w-1", transaction: "b99-1"), to: ledger)
        #expect(paid.entries[0].kind == .withdrawPaidOut)
        #expect(paid.entries[0].idempotencyKey == "withdraw-paid:w-1")
        #expect(paid.entries[0].postings == [p(alice, .frozen, -700), p(.clearing(.bill99), .available, 700)])
        #expect(paid.orderChanges[0].to == .paidOut)
        #expect(paid.orderChanges[0].channelTransactionID == "b99-1")
        #expect(ledger.balanceFen(alice, .available) == 300)
        #expect(ledger.balanceFen(alice, .frozen) == 0)
        #expect(ledger.balanceFen(.clearing(.bill99), .available) == 700)
        #expect(ledger.order("w-1")?.status == .paidOut)
        // paidOut is terminal.
        #expect(Fixture.rejection(Fixture.fail(order: "w-1"), in: ledger) == "order.illegal_transition")
        #expect(Fixture.rejection(Fixture.paidOut(order: "w-1"), in: ledger) == "order.illegal_transition")
    }

    @Test func rejectionAndFailureUnfreeze() throws {
        let ledger = try funded()
        try Fixture.apply(Fixture.withdraw(order: "w-1", account: alice, fen: 300), to: ledger)
        try Fixture.apply(Fixture.withdraw(order: "w-2", account: alice, fen: 200), to: ledger)
        let rejected = try Fixture.apply(Fixture.reject(order: "w-1", reason: "daily limit"), to: ledger)
        #expect(rejected.entries[0].kind == .withdrawUnfreeze)
        #expect(rejected.entries[0].idempotencyKey == "withdraw-reject:w-1")
        #expect(rejected.entries[0].postings == [p(alice, .frozen, -300), p(alice, .available, 300)])
        #expect(rejected.orderChanges[0].from == .requested)
        #expect(rejected.orderChanges[0].to == .invalid)
        #expect(rejected.orderChanges[0].reason == "daily limit")

        try Fixture.apply(Fixture.approve(order: "w-2"), to: ledger)
        #expect(Fixture.rejection(Fixture.reject(order: "w-2"), in: ledger) == "order.illegal_transition")
        let failed = try Fixture.apply(Fixture.fail(order: "w-2", reason: "card closed"), to: ledger)
        #expect(failed.entries[0].postings == [p(alice, .frozen, -200), p(alice, .available, 200)])
        #expect(failed.orderChanges[0].from == .approved)
        #expect(failed.orderChanges[0].to == .invalid)
        #expect(ledger.balanceFen(alice, .available) == 1000)
        #expect(ledger.balanceFen(alice, .frozen) == 0)
    }

    @Test func withdrawalRejections() throws {
        let ledger = try funded()
        #expect(Fixture.rejection(Fixture.withdraw(order: "w-1", account: alice, fen: 1001), in: ledger) == "balance.insufficient_available")
        #expect(Fixture.rejection(Fixture.withdraw(order: "r-1", account: alice, fen: 1), in: ledger) == "order.duplicate")
        try Fixture.apply(Fixture.withdraw(order: "w-1", account: alice, fen: 1000), to: ledger)
        #expect(Fixture.rejection(Fixture.withdraw(order: "w-1", account: alice, fen: 1), in: ledger) == "order.duplicate")
        #expect(Fixture.rejection(Fixture.withdraw(order: "w-2", account: alice, fen: 1), in: ledger) == "balance.insufficient_available")
        for event in [Fixture.approve(order: "nope"), Fixture.paidOut(order: "nope"), Fixture.reject(order: "nope"), Fixture.fail(order: "nope")] {
            #expect(Fixture.rejection(event, in: ledger) == "order.unknown")
        }
        for event in [Fixture.approve(order: "r-1"), Fixture.paidOut(order: "r-1"), Fixture.reject(order: "r-1"), Fixture.fail(order: "r-1")] {
            #expect(Fixture.rejection(event, in: ledger) == "order.kind_mismatch")
        }
        #expect(Fixture.rejection(Fixture.paidOut(order: "w-1"), in: ledger) == "order.illegal_transition")
        #expect(Fixture.rejection(Fixture.fail(order: "w-1"), in: ledger) == "order.illegal_transition")
        try Fixture.apply(Fixture.approve(order: "w-1"), to: ledger)
        #expect(Fixture.rejection(Fixture.approve(order: "w-1"), in: ledger) == "order.illegal_transition")
        // A withdrawal with no channel on record cannot be paid out.
        try ledger.load(OrderSnapshot(orderID: "w-3", kind: .withdraw, status: .approved, owner: alice, amount: Fixture.fen(1)))
        #expect(Fixture.rejection(Fixture.paidOut(order: "w-3"), in: ledger) == "order.channel_missing")
        // A frozen bucket that no longer holds the amount is never driven negative.
        try ledger.load(OrderSnapshot(orderID: "w-4", kind: .withdraw, status: .approved, owner: Fixture.user("ghost"), amount: Fixture.fen(5), channel: .wechat))
        #expect(Fixture.rejection(Fixture.paidOut(order: "w-4"), in: ledger) == "balance.insufficient_frozen")
        #expect(Fixture.rejection(Fixture.fail(order: "w-4"), in: ledger) == "balance.insufficient_frozen")
    }
}
