import Foundation
import Testing
@testable import PaystreamCore

@Suite("Journal entries")
struct JournalEntryTests {
    let alice = Fixture.user("alice")
    let bob = Fixture.user("bob")

    private func code(_ build: () throws(LedgerRuleError) -> JournalEntry) -> String? {
        do {
            _ = try build()
            return nil
        } catch {
            return error.code
        }
    }

    @Test func enforcesStructure() {
        let p = Fixture.posting
        #expect(code { () throws(LedgerRuleError) in
            try JournalEntry(kind: .correction, idempotencyKey: "k", orderID: "o", postings: [p(alice, .available, 1), p(bob, .available, -1)])
        } == nil)
        #expect(code { () throws(LedgerRuleError) in
            try JournalEntry(kind: .correction, idempotencyKey: "k", orderID: "o", postings: [])
        } == "entry.too_few_postings")
        #expect(code { () throws(LedgerRuleError) in
            try JournalEntry(kind: .correction, idempotencyKey: "k", orderID: "o", postings: [p(alice, .available, 1)])
        } == "entry.too_few_postings")
        #expect(code { () throws(LedgerRuleError) in
            try JournalEntry(kind: .correction, idempotencyKey: "k", orderID: "o", postings: [p(alice, .available, 2), p(bob, .available, -1)])
        } == "entry.unbalanced")
        #expect(code { () throws(LedgerRuleError) in
            try JournalEntry(kind: .correction, idempotencyKey: " ", orderID: "o", postings: [p(alice, .available, 1), p(bob, .available, -1)])
        } == "entry.empty_key")
        #expect(code { () throws(LedgerRuleError) in
            try JournalEntry(kind: .correction, idempotencyKey: "k", orderID: "", postings: [p(alice, .available, 1), p(bob, .available, -1)])
        } == "entry.empty_order")
        #expect(code { () throws(LedgerRuleError) in
            try JournalEntry(
                kind: .correction, idempotencyKey: "k", orderID: "o",
                postings: [p(alice, .available, .max), p(bob, .available, 1), p(bob, .frozen, .min)])
        } == "entry.sum_overflow")
        do {
            _ = try Posting(account: alice, bucket: .available, amountFen: 0)
            Issue.record("zero posting accepted")
        } catch {
            #expect(error.code == "entry.zero_posting")
        }
    }

    @Test func factoriesBuildMoneyMdEntries() throws {
        let x = Fixture.fen(500)
        let p = Fixture.posting
        let recharge = try JournalEntry.rechargePaid(channel: .wechat, user: alice, amount: x, toFrozen: false, key: "k", orderID: "o")
        #expect(recharge.kind == .rechargePaid)
        #expect(recharge.postings == [p(.clearing(.wechat), .available, -500), p(alice, .available, 500)])
        let envelope = try JournalEntry.rechargePaid(channel: .alipay, user: alice, amount: x, toFrozen: true, key: "k", orderID: "o")
        #expect(envelope.kind == .envelopeFunded)
        #expect(envelope.postings == [p(.clearing(.alipay), .available, -500), p(alice, .frozen, 500)])
        let freeze = try JournalEntry.freeze(account: alice, amount: x, key: "k", orderID: "o")
        #expect(freeze.kind == .withdrawFreeze)
        #expect(freeze.postings == [p(alice, .available, -500), p(alice, .frozen, 500)])
        let unfreeze = try JournalEntry.unfreeze(account: alice, amount: x, key: "k", orderID: "o")
        #expect(unfreeze.kind == .withdrawUnfreeze)
        #expect(unfreeze.postings == [p(alice, .frozen, -500), p(alice, .available, 500)])
        let paidOut = try JournalEntry.withdrawPaidOut(user: alice, channel: .bill99, amount: x, key: "k", orderID: "o")
        #expect(paidOut.postings == [p(alice, .frozen, -500), p(.clearing(.bill99), .available, 500)])
        let transfer = try JournalEntry.transferFromFrozen(from: alice, to: bob, amount: x, key: "k", orderID: "o")
        #expect(transfer.kind == .transfer)
        #expect(transfer.postings == [p(alice, .frozen, -500), p(bob, .available, 500)])
        let refundOut = try JournalEntry.refund(payer: alice, destination: .channel(.wechat), amount: x, key: "k", orderID: "o")
        #expect(refundOut.postings == [p(alice, .available, -500), p(.clearing(.wechat), .available, 500)])
        let refundIn = try JournalEntry.refund(payer: alice, destination: .wallet(bob), amount: x, key: "k", orderID: "o")
        #expect(refundIn.postings == [p(alice, .available, -500), p(bob, .available, 500)])
        #expect(code { () throws(LedgerRuleError) in
            try JournalEntry.freeze(account: alice, amount: .zero, key: "k", orderID: "o")
        } == "entry.zero_posting")
    }

    @Test func codableRoundTripAndValidation() throws {
        let entry = try JournalEntry.transferFromFrozen(from: alice, to: bob, amount: Fixture.fen(7), key: "transfer:o", orderID: "o")
        let data = try JSONEncoder().encode(entry)
        #expect(try StrictJSONDecoder().decode(JournalEntry.self, from: data) == entry)
        #expect(try JSONDecoder().decode(JournalEntry.self, from: data) == entry)
        let unbalanced = #"{"kind":"transfer","idempotencyKey":"k","orderId":"o","postings":[{"account":"user:a","bucket":"frozen","amountFen":-7},{"account":"user:b","bucket":"available","amountFen":8}]}"#
        #expect(throws: DecodingError.self) { try StrictJSONDecoder().decode(JournalEntry.self, from: Array(unbalanced.utf8)) }
        let zero = #"{"account":"user:a","bucket":"frozen","amountFen":0}"#
        #expect(throws: DecodingError.self) { try StrictJSONDecoder().decode(Posting.self, from: Array(zero.utf8)) }
        let float = #"{"account":"user:a","bucket":"frozen","amountFen":7.0}"#
        #expect(throws: DecodingError.self) { try StrictJSONDecoder().decode(Posting.self, from: Array(float.utf8)) }
    }
}
