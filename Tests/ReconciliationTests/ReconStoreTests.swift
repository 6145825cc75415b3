import Foundation
import LedgerStore
import PaystreamCore
import Postgres
import Reconciliation
import TestSupport
import Testing

/// The reconciliation store, resolutions and the internal run against a fresh, migrated PostgreSQL database.
@Suite("Reconciliation store")
struct ReconStoreTests {
    static let day = "2026-03-10"

    static func withDatabase(_ body: (PostgresTestDatabase) async throws -> Void) async throws {
        try await PostgresTestDatabase.with(body)
    }

    static func newRun(_ items: [ReconItem], trigger: ReconTrigger = .manual, previous: Int64? = nil) -> ReconStore.NewRun {
        ReconStore.NewRun(
            day: day, channel: .wechat, trigger: trigger, startedAt: Date(), billRows: items.count, nextDayBill: true, items: items,
            previousRunID: previous, changes: [])
    }

    static func platformOnly(_ number: String, fen: Int64 = 100) -> ReconItem {
        let record = PlatformRecord(
            channel: .wechat, kind: .payment, orderID: number, transactionID: "tx-\(number)", status: "paid", booked: true, amountFen: fen,
            bookedAt: "\(day) 10:00:00")
        return ReconItem(.platformOnly, key: record.key, channel: .wechat, platform: record, bill: nil)
    }

    /// A collection paid to `merchant` through the worker's normal path (LedgerBatchWriter).
    static func collect(_ db: PostgresTestDatabase, merchant: AccountID, fen: Int64, order: String) async throws {
        let payment = try PaymentSucceeded(
            orderID: order, channel: .wechat, channelTransactionID: "tx-\(order)", amount: try Amount(fen: fen), payer: merchant,
            purpose: .collection)
        let event = try MoneyEvent(payload: .paymentSucceeded(payment), occurredAt: Date())
        let outcomes = try await db.client.withTransaction { connection in
            try await LedgerBatchWriter().apply([LedgerInput(event: event, source: "test")], on: connection)
        }
        #expect(outcomes == [.applied])
    }

    @Test("runs and items are stored and read back, never updated or deleted; a scheduled day runs once")
    func appendOnly() async throws {
        try await Self.withDatabase { db in
            let store = ReconStore(client: db.client)
            let first = try #require(try await store.record(Self.newRun([Self.platformOnly("a")], trigger: .schedule)))
            #expect(try await store.record(Self.newRun([], trigger: .schedule)) == nil)
            let run = try #require(try await store.run(first))
            #expect(run.items.map(\.item) == [Self.platformOnly("a")])
            #expect(run.trigger == .schedule && run.day == Self.day && run.differences.count == 1)
            let second = try #require(try await store.record(Self.newRun([], previous: first)))
            #expect(try await store.latestRun(day: Self.day, channel: .wechat)?.runID == second)
            for statement in [
                "UPDATE recon_runs SET held = 1", "DELETE FROM recon_runs", "UPDATE recon_items SET note = 'x'", "DELETE FROM recon_items",
            ] {
                await #expect(throws: (any Error).self, "\(statement)") { try await db.client.execute(PostgresQuery(sql: statement, bindings: [])) }
            }
            #expect(try await store.runs(day: Self.day).count == 2)
        }
    }

    @Test("a run whose bill has a row twice is stored, its repeat as a difference of its own")
    func duplicateBillRowsAreStored() async throws {
        try await Self.withDatabase { db in
            let store = ReconStore(client: db.client)
            let row = ChannelBillRecord(
                channel: .wechat, kind: .payment, transactionID: "tx-d", outTradeNo: "d", status: "SUCCESS", succeeded: true, amountFen: 100,
                billedAt: "\(Self.day) 10:00:00")
            let booked = PlatformRecord(
                channel: .wechat, kind: .payment, orderID: "d", transactionID: "tx-d", status: "paid", booked: true, amountFen: 100,
                bookedAt: "\(Self.day) 10:00:01")
            let items = ReconMatcher.match(
                ReconInput(day: Self.day, channel: .wechat, bill: [row, row], nextDayBill: [], booked: [booked], held: [], platformByKey: [:]))
            let runID = try #require(try await store.record(Self.newRun(items, trigger: .schedule)))
            let run = try #require(try await store.run(runID))
            #expect(run.items.map(\.item) == items)
            #expect(run.differences.map(\.item.key.description) == ["payment:d#dup2"])
        }
    }

    @Test("held items come to the next day that has a run, even when the day in between was never run")
    func heldItemsCarry() async throws {
        try await Self.withDatabase { db in
            let store = ReconStore(client: db.client)
            var held = Self.platformOnly("late")
            held.classification = .held
            _ = try await store.record(Self.newRun([held, Self.platformOnly("other")]))
            #expect(try await store.heldItems(before: "2026-03-11", channel: .wechat) == [held])
            #expect(try await store.heldItems(before: "2026-03-13", channel: .wechat) == [held])
            #expect(try await store.heldItems(before: Self.day, channel: .wechat).isEmpty)
            #expect(try await store.heldItems(before: "2026-03-11", channel: .alipay).isEmpty)
        }
    }

    @Test("a correction that would take a wallet below zero is refused when proposed and when approved, and nothing is recorded")
    func correctionKeepsWalletsNonNegative() async throws {
        try await Self.withDatabase { db in
            let runID = try #require(
                try await ReconStore(client: db.client).record(Self.newRun([Self.platformOnly("a"), Self.platformOnly("a2"), Self.platformOnly("a3")])))
            let items = try #require(try await ReconStore(client: db.client).run(runID)?.items.map(\.itemID))
            let (item, other, open) = (items[0], items[1], items[2])
            let resolutions = ReconResolutions(client: db.client)
            let broke = try AccountID.user("nobody")
            await #expect(throws: ReconResolutions.Refusal.self) {
                try await resolutions.propose(
                    itemID: item, by: "ops", reason: "test", correction: .init(debit: (broke, .available), credit: (.clearing(.wechat), .available), amountFen: 100))
            }
            // A merchant holding 100 fen: two corrections of 100 are each proposable, and the second approved is refused
            // when it is posted (the balance moved since it was proposed).
            let merchant = try AccountID.merchant("m-drain")
            try await Self.collect(db, merchant: merchant, fen: 100, order: "CO-drain-1")
            let drain = ReconResolutions.Correction(debit: (merchant, .available), credit: (.clearing(.wechat), .available), amountFen: 100)
            let first = try await resolutions.propose(itemID: item, by: "ops", reason: "test", correction: drain)
            let second = try await resolutions.propose(itemID: other, by: "ops", reason: "test", correction: drain)
            _ = try await resolutions.approve(proposalID: second.proposalID, by: "ops-2")
            let before = try await db.client.query("SELECT count(*) AS n FROM journal_entries").first?.decode(Int.self, column: "n")
            await #expect(throws: ReconResolutions.Refusal.self) { try await resolutions.approve(proposalID: first.proposalID, by: "ops-2") }
            #expect(try await db.client.query("SELECT count(*) AS n FROM journal_entries").first?.decode(Int.self, column: "n") == before)
            #expect(try await db.client.query("SELECT 1 FROM recon_resolutions WHERE item_id = \(item)").isEmpty)
            #expect(try await db.client.query("SELECT 1 FROM recon_correction_decisions WHERE proposal_id = \(first.proposalID)").isEmpty)
            #expect(try await ReconStore(client: db.client).run(runID)?.items.first?.proposal?.proposedBy == "ops")
            // Acknowledging waits for the open proposal to be decided; once declined, the item is acknowledged, once.
            await #expect(throws: ReconResolutions.Refusal.self) { try await resolutions.resolve(itemID: item, by: "ops-2", reason: "moot") }
            try await resolutions.decline(proposalID: first.proposalID, by: "ops-2", reason: "it would overdraw")
            await #expect(throws: ReconResolutions.Refusal.self) { try await resolutions.approve(proposalID: first.proposalID, by: "ops-3") }
            #expect(try await ReconStore(client: db.client).run(runID)?.items.first?.proposal == nil)
            let ack = try await resolutions.resolve(itemID: item, by: "ops", reason: "known test order")
            #expect(ack.entryIdempotencyKey == nil)
            await #expect(throws: (any Error).self) { try await resolutions.resolve(itemID: item, by: "ops", reason: "again") }
            #expect(try await ReconStore(client: db.client).run(runID)?.items.first?.resolution?.contains("by ops: acknowledged") == true)
            // The database keeps the rule for resolutions too: a correcting one names an approved proposal (the check) and
            // is recorded by its approver (the trigger). `open` is unresolved, so only these rules can refuse the rows.
            let entryKey = "(SELECT idempotency_key FROM journal_entries WHERE kind = 'correction' LIMIT 1)"
            for (statement, rule) in [
                ("INSERT INTO recon_resolutions (item_id, resolved_by, reason, action, entry_idempotency_key) VALUES (\(open), 'ops-2', 'x', 'ledgerCorrection', \(entryKey))", "no proposal"),
                ("INSERT INTO recon_resolutions (item_id, resolved_by, reason, action, entry_idempotency_key, proposal_id) VALUES (\(open), 'ops', 'x', 'ledgerCorrection', \(entryKey), \(second.proposalID))", "not its approver"),
            ] {
                do {
                    try await db.client.execute(PostgresQuery(sql: statement, bindings: []))
                    Issue.record("a correcting resolution with \(rule) was stored")
                } catch let error as PostgresError {
                    #expect(error.sqlState == "23514", "\(rule): \(error)")
                }
            }
        }
    }

    @Test("a correction moves money only between the item's channel's clearing account and one other, at most the item's amount, and only once a second operator approves it")
    func correctionIsBoundedByItsItem() async throws {
        try await Self.withDatabase { db in
            let runID = try #require(try await ReconStore(client: db.client).record(Self.newRun([Self.platformOnly("b", fen: 100)])))
            let item = try #require(try await ReconStore(client: db.client).run(runID)?.items.first?.itemID)
            let resolutions = ReconResolutions(client: db.client)
            let (alice, bob) = (try AccountID.user("alice"), try AccountID.user("bob"))
            for (debit, credit, fen) in [
                (AccountID.clearing(.wechat), alice, Int64(101)), (bob, alice, 50), (AccountID.clearing(.alipay), alice, 50),
                (AccountID.clearing(.wechat), AccountID.clearing(.wechat), 50),
            ] {
                await #expect(throws: ReconResolutions.Refusal.self, "\(debit) → \(credit), \(fen) fen") {
                    try await resolutions.propose(
                        itemID: item, by: "ops", reason: "test", correction: .init(debit: (debit, .available), credit: (credit, .available), amountFen: fen))
                }
            }
            #expect(try await db.client.query("SELECT 1 FROM recon_correction_proposals").isEmpty)
            let proposal = try await resolutions.propose(
                itemID: item, by: "ops", reason: "test", correction: .init(debit: (.clearing(.wechat), .available), credit: (alice, .available), amountFen: 100))
            // One open proposal per item; nothing moves until a second operator approves.
            await #expect(throws: ReconResolutions.Refusal.self) {
                try await resolutions.propose(
                    itemID: item, by: "ops-2", reason: "mine", correction: .init(debit: (.clearing(.wechat), .available), credit: (bob, .available), amountFen: 1))
            }
            #expect(try await db.client.query("SELECT 1 FROM journal_entries").isEmpty)
            await #expect(throws: ReconResolutions.Refusal.self) { try await resolutions.approve(proposalID: proposal.proposalID, by: "ops") }
            // The database refuses the proposer's approval too, whatever code writes it.
            await #expect(throws: (any Error).self) {
                try await db.client.execute(
                    "INSERT INTO recon_correction_decisions (proposal_id, decided_by, decision) VALUES (\(proposal.proposalID), 'ops', 'approved')")
            }
            #expect(try await db.client.query("SELECT 1 FROM recon_resolutions").isEmpty)
            #expect(try await db.client.query("SELECT 1 FROM journal_entries").isEmpty)
            let corrected = try await resolutions.approve(proposalID: proposal.proposalID, by: "ops-2")
            #expect(corrected.entryIdempotencyKey != nil)
            let resolution = try #require(try await ReconStore(client: db.client).run(runID)?.items.first?.resolution)
            #expect(resolution.contains("by ops-2: ledgerCorrection") && resolution.contains("(proposed by ops)"), "\(resolution)")
            await #expect(throws: ReconResolutions.Refusal.self) { try await resolutions.approve(proposalID: proposal.proposalID, by: "ops-3") }
            for statement in ["UPDATE recon_correction_proposals SET amount_fen = 1", "DELETE FROM recon_correction_decisions"] {
                await #expect(throws: (any Error).self, "\(statement)") { try await db.client.execute(PostgresQuery(sql: statement, bindings: [])) }
            }
            #expect(try await db.client.query("SELECT 1 FROM journal_entries").count == 1)
        }
    }

    @Test("internal reconciliation names a merchant whose balance was changed behind the ledger's back, and records the run")
    func internalNamesEditedMerchant() async throws {
        try await Self.withDatabase { db in
            let merchant = try AccountID.merchant("m-recon")
            try await Self.collect(db, merchant: merchant, fen: 2_500, order: "CO-recon-1")
            let reconciler = InternalReconciler(client: db.client)
            let clean = try await reconciler.run(trigger: .manual)
            #expect(clean.report.isClean, "\(clean.report.violations)")
            _ = try await db.client.execute("UPDATE accounts SET available_fen = 2400 WHERE account_id = \(merchant.description)")
            let broken = try await reconciler.run(trigger: .schedule)
            let named = Set(broken.report.violations.map { "\($0.rule) \($0.subject)" })
            #expect(named == ["account.bucket_mismatch account \(merchant)", "account.reconciliation account \(merchant)"])
            let stored = try await db.client.query(
                """
                SELECT r.violations, count(v) AS named FROM recon_internal_runs r, jsonb_array_elements(r.report->'violations') v
                WHERE r.run_id = \(broken.runID) AND v->>'subject' = \("account \(merchant)") GROUP BY r.violations
                """)
            #expect(try stored.first?.decode(Int.self, column: "violations") == 2)
            #expect(try stored.first?.decode(Int.self, column: "named") == 2)
        }
    }
}
