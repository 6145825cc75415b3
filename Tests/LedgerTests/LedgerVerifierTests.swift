import Foundation
import LedgerStore
import Postgres
import Testing
import TestSupport

/// The ledger invariant checker against real PostgreSQL: a correct hand-built ledger is clean, and each
/// corruption (written the way only a bug or an operator could: triggers or constraints bypassed in the
/// test's own database) is reported under its rule, naming the right subject.
@Suite("Ledger verifier")
struct LedgerVerifierTests {
    typealias Rule = LedgerViolation.Rule

    @Test("an empty ledger is clean")
    func emptyLedgerIsClean() async throws {
        try await withDatabase { db in
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.isClean)
            #expect(report.violations.isEmpty)
            #expect(report.checked == LedgerReport.Counts(accounts: 0, entries: 0, postings: 0, orders: 0))
        }
    }

    @Test("a correct ledger with recharges, withdrawals, a transfer, envelopes and a refund is clean")
    func correctLedgerIsClean() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.violations.map(\.description) == [])
            #expect(report.isClean)
            #expect(report.checked.accounts == 7)
            #expect(report.checked.entries == 17)
            #expect(report.checked.postings == 34)
            #expect(report.checked.orders == 12)
        }
    }

    @Test("an unbalanced entry breaks entry.unbalanced and the global sum")
    func unbalancedEntry() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            let entry = try await Fixture.withoutBalanceTrigger(db) { connection in
                try await Fixture.post(
                    on: connection, key: "bad:1", kind: "correction", order: "x1",
                    [("user:a", "available", 100), ("clearing:wechat", "available", -90)])
            }
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(Set(report.brokenRules) == [.entryUnbalanced, .ledgerGlobalSum])
            let v = try #require(report.violations.first { $0.rule == .entryUnbalanced })
            #expect(v.subject == .entry(entry))
            #expect(v.figure("sum_fen") == .init("sum_fen", found: 10, expected: 0))
            #expect(v.description == "entry.unbalanced entry \(entry): sum_fen=10 (expected 0), postings=2")
        }
    }

    @Test("ledger.global_sum reports the sum of all postings")
    func globalSum() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            _ = try await Fixture.withoutBalanceTrigger(db) { connection in
                try await Fixture.post(
                    on: connection, key: "bad:1", kind: "correction", order: "x1",
                    [("user:b", "available", -7), ("clearing:wechat", "available", -20)])
            }
            let report = try await LedgerVerifier(client: db.client).verify()
            let v = try #require(report.violations.first { $0.rule == .ledgerGlobalSum })
            #expect(v.subject == .ledger)
            #expect(v.figure("sum_fen") == .init("sum_fen", found: -27, expected: 0))
            #expect(report.violationCounts[.ledgerGlobalSum] == 1)
        }
    }

    @Test("an entry without postings breaks entry.too_few_postings only")
    func entryWithoutPostings() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            let entry = try await db.client.withTransaction { connection in
                try await Fixture.entryRow(on: connection, key: "empty:1", kind: "correction", order: "x1")
            }
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.entryTooFewPostings])
            #expect(report.violations.count == 1)
            #expect(report.violations[0].subject == .entry(entry))
            #expect(report.violations[0].figure("postings")?.found == 0)
        }
    }

    @Test("a bucket that differs from its postings breaks account.bucket_mismatch only")
    func bucketMismatch() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            // Total balance unchanged, so the reconciliation still holds: only the buckets are wrong.
            try await db.client.execute(
                "UPDATE accounts SET available_fen = available_fen - 40, frozen_fen = frozen_fen + 40 WHERE account_id = 'user:a'")
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.accountBucketMismatch])
            #expect(report.violations.count == 1)
            let v = report.violations[0]
            #expect(v.subject == .account("user:a"))
            #expect(v.figure("available_fen") == .init("available_fen", found: 230, expected: 270))
            #expect(v.figure("frozen_fen") == .init("frozen_fen", found: 90, expected: 50))
        }
    }

    @Test("an account without postings must hold 0/0")
    func accountWithoutPostings() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            try await db.client.execute("INSERT INTO accounts (account_id, kind, available_fen) VALUES ('user:z', 'user', 70)")
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(Set(report.brokenRules) == [.accountBucketMismatch, .accountReconciliation])
            #expect(report.violations.allSatisfy { $0.subject == .account("user:z") })
            let v = try #require(report.violations.first { $0.rule == .accountBucketMismatch })
            #expect(v.figure("available_fen") == .init("available_fen", found: 70, expected: 0))
        }
    }

    @Test("a negative bucket (CHECK dropped) breaks account.negative only")
    func negativeBucket() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            try await db.client.execute("ALTER TABLE accounts DROP CONSTRAINT accounts_available_non_negative")
            _ = try await Fixture.post(
                db, key: "overspend:1", kind: "correction", order: "x1",
                [("user:a", "available", -300), ("clearing:wechat", "available", 300)])
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.accountNegative])
            #expect(report.violations.count == 1)
            #expect(report.violations[0].subject == .account("user:a"))
            #expect(report.violations[0].figure("available_fen")?.found == -30)
        }
    }

    @Test("a freeze that moves money between accounts breaks account.reconciliation only")
    func reconciliation() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            // Under an order of its own, so that w2's entries stay as they were.
            _ = try await Fixture.post(
                db, key: "freeze:odd", kind: "withdrawFreeze", order: "w-odd",
                [("user:a", "available", -30), ("user:b", "frozen", 30)])
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.accountReconciliation])
            #expect(report.violations.map(\.subject) == [.account("user:a"), .account("user:b")])
            let a = report.violations[0]
            #expect(a.figure("recharge_fen")?.found == 500)
            #expect(a.figure("income_fen")?.found == 0)
            #expect(a.figure("withdrawal_fen")?.found == 100)
            #expect(a.figure("consumption_fen")?.found == 80)
            #expect(a.figure("balance_fen") == .init("balance_fen", found: 290, expected: 320))
        }
    }

    @Test("grabs beyond the amount break envelope.overdrawn only")
    func envelopeOverdrawn() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            try await db.client.execute("ALTER TABLE orders DROP CONSTRAINT orders_settled_within_amount")
            _ = try await Fixture.post(
                db, key: "fund:e1:again", kind: "envelopeFunded", order: "e1",
                [("clearing:wechat", "available", -300), ("user:s", "frozen", 300)])
            _ = try await Fixture.post(
                db, key: "grab:g9", kind: "envelopeGrab", order: "e1",
                [("user:s", "frozen", -300), ("user:x", "available", 300)])
            try await db.client.execute("UPDATE orders SET settled_fen = 600 WHERE order_id = 'e1'")
            let report = try await LedgerVerifier(client: db.client).verify()
            // The second funding is named too: the envelope was funded twice.
            #expect(Set(report.brokenRules) == [.envelopeOverdrawn, .orderEntryUnexpected])
            let v = try #require(report.violations.first { $0.rule == .envelopeOverdrawn })
            #expect(v.subject == .order("e1"))
            #expect(v.figure("grabs_fen")?.found == 600)
            #expect(v.figure("amount_fen")?.found == 500)
        }
    }

    @Test("settled_fen different from the grabs breaks envelope.settled_mismatch only")
    func envelopeSettledMismatch() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            try await db.client.execute("UPDATE orders SET settled_fen = 200 WHERE order_id = 'e1'")
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.envelopeSettledMismatch])
            #expect(report.violations.count == 1)
            #expect(report.violations[0].subject == .order("e1"))
            #expect(report.violations[0].figure("settled_fen") == .init("settled_fen", found: 200, expected: 300))
        }
    }

    @Test("a finished envelope with grabs short of the amount breaks envelope.finished_incomplete only")
    func envelopeFinishedIncomplete() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            try await db.client.execute("UPDATE orders SET status = 'finished' WHERE order_id = 'e1'")
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.envelopeFinishedIncomplete])
            #expect(report.violations.count == 1)
            #expect(report.violations[0].subject == .order("e1"))
            #expect(report.violations[0].figure("grabs_fen") == .init("grabs_fen", found: 300, expected: 500))
        }
    }

    @Test("an expired envelope whose grabs and refund miss the amount breaks envelope.expired_unbalanced only")
    func envelopeExpiredUnbalanced() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            try await db.client.execute("UPDATE orders SET status = 'expired' WHERE order_id = 'e1'")
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.envelopeExpiredUnbalanced])
            #expect(report.violations.count == 1)
            let v = report.violations[0]
            #expect(v.subject == .order("e1"))
            #expect(v.figure("grabs_plus_refunds_fen") == .init("grabs_plus_refunds_fen", found: 300, expected: 500))
        }
    }

    @Test("an envelope's rest returned from a channel it was not sent to breaks envelope.rest_returned_unsent only")
    func restReturnedUnsent() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            // e2's rest (150 fen) went to WeChat's clearing account: coming back from there is clean.
            try await Fixture.post(db, "envelope-rest-returned:e2", "envelopeRestReturned", "e2", [("clearing:wechat", "available", -150), ("user:s", "available", 150)])
            #expect(try await LedgerVerifier(client: db.client).verify().isClean)
            // From Alipay's, which never had it, it would be paid twice.
            try await Fixture.order(db, "e4", kind: "envelope", status: "expired", owner: "user:s", amount: 90)
            try await Fixture.post(db, "notify:alipay:e4", "envelopeFunded", "e4", [("clearing:alipay", "available", -90), ("user:s", "frozen", 90)])
            try await Fixture.post(db, "envelope-expire:e4", "envelopeRefund", "e4", [("user:s", "frozen", -90), ("user:s", "available", 90)])
            try await Fixture.post(db, "envelope-rest-returned:e4", "envelopeRestReturned", "e4", [("clearing:alipay", "available", -90), ("user:s", "available", 90)])
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.envelopeRestReturnedUnsent])
            #expect(report.violations.map(\.subject) == [.order("e4")])
            #expect(report.violations.first?.figure("returned_fen") == .init("returned_fen", found: 90))
        }
    }

    @Test("a refunded order whose settled_fen misses the refund breaks order.settled_mismatch only")
    func refundSettledMismatch() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            try await db.client.execute("UPDATE orders SET settled_fen = 0 WHERE order_id = 'r2'")
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.orderSettledMismatch])
            #expect(report.violations.count == 1)
            #expect(report.violations[0].subject == .order("r2"))
            #expect(report.violations[0].figure("settled_fen") == .init("settled_fen", found: 0, expected: 100))
        }
    }

    @Test("a paid-out withdrawal and a paid recharge without their entries break order.terminal_without_entry")
    func orderWithoutEntry() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            try await Fixture.order(db, "w9", kind: "withdraw", status: "paidOut", owner: "user:a", amount: 60)
            try await Fixture.order(db, "r9", kind: "recharge", status: "paid", owner: "user:b", amount: 70)
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.orderTerminalWithoutEntry])
            #expect(report.violations.map(\.subject) == [.order("r9"), .order("w9")])
            #expect(report.violations[0].note == "recharge order in status paid has no rechargePaid entry")
            #expect(report.violations[1].note == "withdraw order in status paidOut has no withdrawPaidOut entry")
        }
    }

    /// The entries that move an order's money once: a recharge credited a second time under another key (a notify
    /// and a query naming two transactions, say), a withdrawal frozen for another amount than its order, and a
    /// payment entry on a recharge whose status says it failed. Each is named under order.entry_unexpected, and
    /// nothing else sees them: the buckets match their postings and the reconciliation of each account holds.
    @Test("an order credited twice, for another amount, or in a status without money breaks order.entry_unexpected only")
    func orderEntryUnexpected() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            try await Fixture.post(db, "notify:wechat:r1-second", "rechargePaid", "r1", [("clearing:wechat", "available", -500), ("user:a", "available", 500)])
            try await Fixture.order(db, "w8", kind: "withdraw", status: "requested", owner: "user:a", amount: 40)
            try await Fixture.post(db, "withdraw:w8", "withdrawFreeze", "w8", [("user:a", "available", -200), ("user:a", "frozen", 200)])
            try await Fixture.order(db, "r8", kind: "recharge", status: "failed", owner: "user:b", amount: 70)
            try await Fixture.post(db, "notify:wechat:r8", "rechargePaid", "r8", [("clearing:wechat", "available", -70), ("user:b", "available", 70)])
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.orderEntryUnexpected], "\(report.violations.map(\.description))")
            #expect(report.violations.map(\.subject) == [.order("r1"), .order("r8"), .order("w8")])
            #expect(report.violations[0].figure("entries") == .init("entries", found: 2, expected: 1))
            #expect(report.violations[0].figure("moved_fen") == .init("moved_fen", found: 1_000, expected: 500))
            #expect(report.violations[1].note == "recharge order in status failed, rechargePaid entries")
            #expect(report.violations[2].figure("moved_fen") == .init("moved_fen", found: 200, expected: 40))
            // An operator's correction of the order makes it theirs: no longer reported.
            try await Fixture.post(db, "correction:r1", "correction", "r1", [("user:a", "available", -500), ("clearing:wechat", "available", 500)])
            #expect(try await LedgerVerifier(client: db.client).verify().violations.map(\.subject) == [.order("r8"), .order("w8")])
        }
    }

    @Test("entries whose keys are missing or not applied break processed_key.missing")
    func processedKeyMissing() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            let unrecorded = try await Fixture.post(
                db, key: "corr:1", kind: "correction", order: "x1",
                [("user:b", "available", -5), ("clearing:wechat", "available", 5)], recordKey: nil)
            let rejected = try await Fixture.post(
                db, key: "corr:2", kind: "correction", order: "x2",
                [("user:b", "available", -6), ("clearing:wechat", "available", 6)], recordKey: "rejected:duplicate")
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.processedKeyMissing])
            #expect(report.violations.map(\.subject) == [.entry(unrecorded), .entry(rejected)])
            #expect(report.violations[0].note == "key \"corr:1\" has no processed_keys row")
            #expect(report.violations[1].note == "key \"corr:2\" is recorded as \"rejected:duplicate\", not \"applied\"")
        }
    }

    @Test("a grabber credited twice from one envelope, and a grab order missing from envelope_grabbers, are named")
    func grabbers() async throws {
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            // A second credit of user:c from e1, the envelope's own figures kept consistent (400 of 500 grabbed).
            _ = try await Fixture.post(
                db, key: "grab:g5", kind: "envelopeGrab", order: "e1",
                [("user:s", "frozen", -100), ("user:c", "available", 100)])
            try await db.client.execute("UPDATE orders SET settled_fen = 400 WHERE order_id = 'e1'")
            // Grab orders: g2's grabber is recorded, g4's is not; a transfer's incoming order is not a grab.
            try await Fixture.order(db, "grab:g2", kind: "transferIn", status: "completed", owner: "user:d", amount: 200, parent: "e1")
            try await Fixture.order(db, "grab:g4", kind: "transferIn", status: "completed", owner: "user:d", amount: 100, parent: "e3")
            try await db.client.execute(
                "INSERT INTO envelope_grabbers (envelope_order_id, grabber, grab_order_id) VALUES ('e1', 'user:d', 'grab:g2')")
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.brokenRules == [.envelopeGrabbedTwice, .envelopeGrabUnrecorded])
            #expect(report.violations.map(\.subject) == [.order("e1"), .order("grab:g4")])
            #expect(report.violations[0].figure("grabs") == .init("grabs", found: 2, expected: 1))
            #expect(report.violations[0].note == "user:c was credited more than once from this envelope")
            #expect(report.violations[1].note == "grab order of user:d has no envelope_grabbers row")
        }
    }

    @Test("violations beyond the per-rule limit are counted but not returned")
    func perRuleLimit() async throws {
        try await withDatabase { db in
            try await db.client.withTransaction { connection in
                for i in 1...5 {
                    _ = try await Fixture.entryRow(on: connection, key: "empty:\(i)", kind: "correction", order: "x")
                }
            }
            let report = try await LedgerVerifier(client: db.client, violationLimitPerRule: 2).verify()
            #expect(report.violations.count == 2)
            #expect(report.violationCounts == [.entryTooFewPostings: 5])
            #expect(report.totalViolations == 5)
            #expect(report.omittedCount(of: .entryTooFewPostings) == 3)
            #expect(!report.isClean)
        }
    }

    @Test("paystream ledger verify exits 0 on a clean ledger and 1 on a corrupt one")
    func command() async throws {
        let executable = try #require(Fixture.paystreamExecutable(), "the paystream executable was not built beside the tests")
        try await withDatabase { db in
            try await Fixture.buildCleanLedger(db)
            let clean = try await Fixture.run(executable, ["ledger", "verify", "--pg-url", db.url, "--log-format", "text"])
            #expect(clean.status == 0, "\(clean.output)")
            #expect(clean.output.contains("checked: 7 accounts, 17 entries, 34 postings, 12 orders\n"))
            #expect(clean.output.contains("\nledger verify: clean\n"))

            try await db.client.execute("UPDATE accounts SET available_fen = available_fen + 1 WHERE account_id = 'user:b'")
            let corrupt = try await Fixture.run(executable, ["ledger", "verify", "--pg-url", db.url, "--log-format", "text"])
            #expect(corrupt.status == 1, "\(corrupt.output)")
            #expect(corrupt.output.contains(
                "VIOLATION account.bucket_mismatch account user:b: available_fen=281 (expected 280), frozen_fen=0 (expected 0)\n"))
            #expect(corrupt.output.contains("VIOLATION account.reconciliation account user:b:"))
            #expect(corrupt.output.contains("\nledger verify: 2 violation(s)"))
        }
    }

    @Test("a violation describes itself on one line")
    func violationDescription() {
        let v = LedgerViolation(
            rule: .orderTerminalWithoutEntry, subject: .order("w1"), figures: [.init("amount_fen", found: 60)],
            note: "withdraw order in status paidOut has no withdrawPaidOut entry")
        #expect(v.description
            == "order.terminal_without_entry order w1: amount_fen=60; withdraw order in status paidOut has no withdrawPaidOut entry")
        #expect(Rule.allCases.map(\.rawValue).count == Set(Rule.allCases.map(\.rawValue)).count)
    }

    private func withDatabase(_ body: (PostgresTestDatabase) async throws -> Void) async throws {
        try await PostgresTestDatabase.with(poolSize: 2, body)
    }
}

/// Writes ledger rows straight into a test database, the way the ledger store would (or, with the balance
/// trigger off, the way a bug would).
enum Fixture {
    typealias Leg = (account: String, bucket: String, amount: Int64)

    /// A ledger that satisfies every rule: 7 accounts, 17 entries, 34 postings, 12 orders. Balances after it:
    /// user:a 270 available + 50 frozen, user:b 280, user:s 200 frozen, clearing:wechat -1350, clearing:bill99 100.
    static func buildCleanLedger(_ db: PostgresTestDatabase) async throws {
        let wechat = "clearing:wechat"
        // A recharge.
        try await order(db, "r1", kind: "recharge", status: "paid", owner: "user:a", amount: 500)
        try await post(db, "notify:wechat:r1", "rechargePaid", "r1", [(wechat, "available", -500), ("user:a", "available", 500)])
        // A withdrawal paid out, one waiting for approval (frozen), one rejected (unfrozen).
        try await order(db, "w1", kind: "withdraw", status: "paidOut", owner: "user:a", amount: 100)
        try await post(db, "withdraw:w1", "withdrawFreeze", "w1", [("user:a", "available", -100), ("user:a", "frozen", 100)])
        try await post(db, "payout:w1", "withdrawPaidOut", "w1", [("user:a", "frozen", -100), ("clearing:bill99", "available", 100)])
        try await order(db, "w2", kind: "withdraw", status: "requested", owner: "user:a", amount: 50)
        try await post(db, "withdraw:w2", "withdrawFreeze", "w2", [("user:a", "available", -50), ("user:a", "frozen", 50)])
        try await order(db, "w3", kind: "withdraw", status: "invalid", owner: "user:a", amount: 20)
        try await post(db, "withdraw:w3", "withdrawFreeze", "w3", [("user:a", "available", -20), ("user:a", "frozen", 20)])
        try await post(db, "withdraw-reject:w3", "withdrawUnfreeze", "w3", [("user:a", "frozen", -20), ("user:a", "available", 20)])
        // A transfer a -> b and its incoming order.
        try await order(db, "t1", kind: "transfer", status: "completed", owner: "user:a", amount: 80, counterparty: "user:b")
        try await order(db, "t1in", kind: "transferIn", status: "completed", owner: "user:b", amount: 80, parent: "t1")
        try await post(db, "transfer:t1", "transfer", "t1", [("user:a", "available", -80), ("user:b", "available", 80)])
        // An envelope funded into frozen with two grabs.
        try await order(db, "e1", kind: "envelope", status: "funded", owner: "user:s", amount: 500, settled: 300)
        try await post(db, "notify:wechat:e1", "envelopeFunded", "e1", [(wechat, "available", -500), ("user:s", "frozen", 500)])
        try await post(db, "grab:g1", "envelopeGrab", "e1", [("user:s", "frozen", -100), ("user:c", "available", 100)])
        try await post(db, "grab:g2", "envelopeGrab", "e1", [("user:s", "frozen", -200), ("user:d", "available", 200)])
        // A recharge refunded in part through a refund order.
        try await order(db, "r2", kind: "recharge", status: "paid", owner: "user:b", amount: 300, settled: 100)
        try await post(db, "notify:wechat:r2", "rechargePaid", "r2", [(wechat, "available", -300), ("user:b", "available", 300)])
        try await order(db, "f1", kind: "refund", status: "refunded", owner: "user:b", amount: 100, parent: "r2")
        try await post(db, "refund:f1", "refund", "f1", [("user:b", "available", -100), (wechat, "available", 100)])
        // An expired envelope: one grab, the rest refunded to the channel through a refund order.
        try await order(db, "e2", kind: "envelope", status: "expired", owner: "user:s", amount: 200, settled: 50)
        try await post(db, "notify:wechat:e2", "envelopeFunded", "e2", [(wechat, "available", -200), ("user:s", "frozen", 200)])
        try await post(db, "grab:g3", "envelopeGrab", "e2", [("user:s", "frozen", -50), ("user:c", "available", 50)])
        try await order(db, "f2", kind: "refund", status: "refunded", owner: "user:s", amount: 150, parent: "e2")
        try await post(db, "refund:f2", "envelopeRefund", "f2", [("user:s", "frozen", -150), (wechat, "available", 150)])
        // A finished envelope.
        try await order(db, "e3", kind: "envelope", status: "finished", owner: "user:s", amount: 100, settled: 100)
        try await post(db, "notify:wechat:e3", "envelopeFunded", "e3", [(wechat, "available", -100), ("user:s", "frozen", 100)])
        try await post(db, "grab:g4", "envelopeGrab", "e3", [("user:s", "frozen", -100), ("user:d", "available", 100)])
    }

    static func order(
        _ db: PostgresTestDatabase, _ id: String, kind: String, status: String, owner: String, amount: Int64,
        settled: Int64 = 0, parent: String? = nil, counterparty: String? = nil
    ) async throws {
        try await db.client.execute("""
            INSERT INTO orders (order_id, kind, status, owner_account, counterparty_account, amount_fen, settled_fen, parent_order_id)
            VALUES (\(id), \(kind), \(status), \(owner), \(counterparty), \(amount), \(settled), \(parent))
            """)
    }

    /// One entry with its postings (in one statement, as the balance trigger wants), the accounts' buckets
    /// moved by the same amounts, and the key recorded with `recordKey` as its result (nil: not recorded).
    @discardableResult
    static func post(
        _ db: PostgresTestDatabase, _ key: String, _ kind: String, _ order: String, _ legs: [Leg]
    ) async throws -> Int64 {
        try await db.client.withTransaction { try await post(on: $0, key: key, kind: kind, order: order, legs) }
    }

    static func post(
        _ db: PostgresTestDatabase, key: String, kind: String, order: String, _ legs: [Leg], recordKey: String? = "applied"
    ) async throws -> Int64 {
        try await db.client.withTransaction {
            try await post(on: $0, key: key, kind: kind, order: order, legs, recordKey: recordKey)
        }
    }

    static func post(
        on connection: PostgresConnection, key: String, kind: String, order: String, _ legs: [Leg],
        recordKey: String? = "applied"
    ) async throws -> Int64 {
        let accounts = legs.map { $0.account }, buckets = legs.map { $0.bucket }, amounts = legs.map { $0.amount }
        try await connection.execute("""
            INSERT INTO accounts (account_id, kind) SELECT DISTINCT a, split_part(a, ':', 1)
            FROM unnest(\(accounts)::text[]) AS a ON CONFLICT DO NOTHING
            """)
        let entry = try await entryRow(on: connection, key: key, kind: kind, order: order, recordKey: recordKey)
        try await connection.execute("""
            INSERT INTO postings (entry_id, account_id, bucket, amount_fen)
            SELECT \(entry), t.a, t.b, t.x FROM unnest(\(accounts)::text[], \(buckets)::text[], \(amounts)::bigint[]) AS t(a, b, x)
            """)
        try await connection.execute("""
            UPDATE accounts SET available_fen = available_fen + u.av, frozen_fen = frozen_fen + u.fr
            FROM (SELECT t.a, coalesce(sum(t.x) FILTER (WHERE t.b = 'available'), 0) AS av,
                         coalesce(sum(t.x) FILTER (WHERE t.b = 'frozen'), 0) AS fr
                  FROM unnest(\(accounts)::text[], \(buckets)::text[], \(amounts)::bigint[]) AS t(a, b, x) GROUP BY t.a) AS u
            WHERE accounts.account_id = u.a
            """)
        return entry
    }

    /// A journal entry row alone (no postings), its key recorded with `recordKey` as the result.
    static func entryRow(
        on connection: PostgresConnection, key: String, kind: String, order: String, recordKey: String? = "applied"
    ) async throws -> Int64 {
        let rows = try await connection.query(
            "INSERT INTO journal_entries (idempotency_key, kind, order_id) VALUES (\(key), \(kind), \(order)) RETURNING entry_id")
        if let recordKey {
            try await connection.execute(
                "INSERT INTO processed_keys (idempotency_key, source, result) VALUES (\(key), 'test', \(recordKey))")
        }
        return try rows[0].decode(Int64.self, column: "entry_id")
    }

    /// Runs `body` in one transaction with the postings balance trigger off (this database only).
    static func withoutBalanceTrigger(
        _ db: PostgresTestDatabase, _ body: (PostgresConnection) async throws -> Int64
    ) async throws -> Int64 {
        try await db.client.withTransaction { connection in
            try await connection.execute("ALTER TABLE postings DISABLE TRIGGER postings_balance")
            let result = try await body(connection)
            try await connection.execute("ALTER TABLE postings ENABLE TRIGGER postings_balance")
            return result
        }
    }

    /// The `paystream` executable SwiftPM built beside this test bundle.
    static func paystreamExecutable() -> URL? {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return [beside, beside.deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent()]
            .map { $0.appendingPathComponent("paystream") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `executable` to completion; its standard output, with standard error appended after a marker.
    static func run(_ executable: URL, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, errors.isEmpty ? output : output + "--- stderr:\n" + errors)
    }
}
