import Foundation
@testable import LedgerStore
import PaystreamCore
import Postgres
import Testing
import TestSupport

/// The worker claims batch N+1 (its idempotency keys and orders) on a second connection while batch N is still
/// being written, and runs N+1's rules only after N has committed. These tests hold the two transactions open by
/// hand against real PostgreSQL: a claim of disjoint rows never waits for the batch before it, its rules see every
/// effect of that batch, and batches that share an order are recognised as not disjoint (such a claim would wait).
@Suite("Claiming the next batch beside the one being written")
struct ClaimOverlapTests {
    static func user(_ name: String) -> AccountID { try! AccountID.user(name) }

    static func input(_ payload: MoneyEvent.Payload) throws -> LedgerInput {
        LedgerInput(event: try MoneyEvent(payload: payload, occurredAt: Date()), source: "test")
    }

    static func envelopeFunding(order: String, user: String, fen: Int64) throws -> LedgerInput {
        try input(
            .paymentSucceeded(
                PaymentSucceeded(
                    orderID: order, channel: .wechat, channelTransactionID: "wx-\(order)", amount: Amount(fen: fen), payer: Self.user(user),
                    purpose: .envelope)))
    }

    static func transfer(order: String, from: String, to: String, fen: Int64) throws -> LedgerInput {
        try input(.transferRequested(TransferRequested(orderID: order, from: Self.user(from), to: Self.user(to), amount: Amount(fen: fen))))
    }

    static func balance(_ account: String, on connection: PostgresConnection) async throws -> (available: Int64, frozen: Int64) {
        let rows = try await connection.query("SELECT available_fen, frozen_fen FROM accounts WHERE account_id = \(account)")
        guard let row = rows.first else { return (0, 0) }
        return (try row.decode(Int64.self, column: "available_fen"), try row.decode(Int64.self, column: "frozen_fen"))
    }

    @Test("a disjoint batch is claimed without waiting while the one before is open, and its rules see that batch's effects")
    func aDisjointClaimDoesNotWaitAndSeesTheBatchBefore() async throws {
        try await PostgresTestDatabase.with(poolSize: 3) { db in
            let writer = LedgerBatchWriter()
            // Batch N funds b's frozen balance; batch N+1 transfers from it, so N+1 is refused unless its rules
            // run on N's committed effects.
            let batchN = [try Self.envelopeFunding(order: "pay-1", user: "b", fen: 1_000)]
            let batchNext = [try Self.transfer(order: "tr-1", from: "b", to: "c", fen: 600)]
            let rowsN = LedgerBatchWriter.ClaimedRows(batchN.map(\.event))
            let rowsNext = LedgerBatchWriter.ClaimedRows(batchNext.map(\.event))
            #expect(rowsN.isDisjoint(with: rowsNext))

            try await db.client.withConnection { first in
                try await db.client.withConnection { second in
                    try await first.execute("BEGIN")
                    let outcomesN = try await writer.finish(try await writer.claim(batchN, on: first), on: first)
                    #expect(outcomesN == [.applied])

                    try await second.execute("BEGIN")
                    // Any wait for N's rows would end in an error after 2 s instead of passing.
                    try await second.execute("SET LOCAL lock_timeout = '2s'")
                    let claimNext = try await writer.claim(batchNext, on: second)
                    #expect(claimNext.candidates == [0])

                    try await first.execute("COMMIT")
                    let outcomesNext = try await writer.finish(claimNext, on: second)
                    try await second.execute("COMMIT")
                    #expect(outcomesNext == [.applied], "the transfer's rules saw b's committed funding")

                    let b = try await Self.balance("user:b", on: second)
                    let c = try await Self.balance("user:c", on: second)
                    #expect(b.frozen == 400 && b.available == 0)
                    #expect(c.available == 600)
                }
            }
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.isClean, "\(report.violations)")
        }
    }

    @Test("batches that name a common order or key are not disjoint, and a claim of such an order waits for the batch before")
    func batchesSharingAnOrderOrAKeyAreNotDisjoint() async throws {
        let request = try Self.input(
            .withdrawalRequested(WithdrawalRequested(orderID: "wd-1", account: Self.user("a"), amount: Amount(fen: 300), channel: .bill99)))
        let approval = try Self.input(.withdrawalApproved(WithdrawalApproved(orderID: "wd-1", approvedBy: "admin-1")))
        let otherTransfer = try Self.transfer(order: "tr-9", from: "a", to: "d", fen: 1)
        let rows = { (inputs: [LedgerInput]) in LedgerBatchWriter.ClaimedRows(inputs.map(\.event)) }
        #expect(!rows([request]).isDisjoint(with: rows([approval])), "one order")
        #expect(!rows([request]).isDisjoint(with: rows([request])), "one key")
        #expect(rows([request]).isDisjoint(with: rows([otherTransfer])), "different keys and orders, same account")
        // A transfer names its incoming order too.
        #expect(rows([otherTransfer]).orders == ["tr-9", "tr-9:in"])

        try await PostgresTestDatabase.with(poolSize: 3) { db in
            let writer = LedgerBatchWriter()
            let funding = try Self.input(
                .paymentSucceeded(
                    PaymentSucceeded(
                        orderID: "pay-a", channel: .wechat, channelTransactionID: "wx-pay-a", amount: Amount(fen: 1_000), payer: Self.user("a"),
                        purpose: .recharge)))
            let setup = try await db.client.withTransaction { try await writer.apply([funding, request], on: $0) }
            #expect(setup == [.applied, .applied])

            try await db.client.withConnection { first in
                try await db.client.withConnection { second in
                    try await first.execute("BEGIN")
                    _ = try await writer.claim([approval], on: first)  // holds wd-1
                    try await second.execute("BEGIN")
                    try await second.execute("SET LOCAL lock_timeout = '500ms'")
                    let paidOut = try Self.input(.withdrawalPaidOut(WithdrawalPaidOut(orderID: "wd-1", channelTransactionID: "b99-1")))
                    await #expect(throws: PostgresError.self, "the same order is locked by the batch before") {
                        _ = try await writer.claim([paidOut], on: second)
                    }
                    try await second.execute("ROLLBACK")
                    try await first.execute("ROLLBACK")
                }
            }
        }
    }
}
