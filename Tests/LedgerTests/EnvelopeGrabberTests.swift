import Foundation
@testable import LedgerStore
import PaystreamCore
import Postgres
import Testing
import TestSupport

/// The ledger credits each grabber of an envelope once, whatever the grab id: Redis refuses a second grab, but a
/// Redis that lost its record would grant one, and only the ledger can then keep the user from being paid twice.
/// Through the batch writer against real PostgreSQL, in one batch and across batches.
@Suite("One credit per grabber per envelope")
struct EnvelopeGrabberTests {
    static func user(_ name: String) -> AccountID { try! AccountID.user(name) }

    static func input(_ payload: MoneyEvent.Payload) throws -> LedgerInput {
        LedgerInput(event: try MoneyEvent(payload: payload, occurredAt: Date()), source: "test")
    }

    static func funding(_ envelope: String, fen: Int64) throws -> LedgerInput {
        try input(
            .paymentSucceeded(
                PaymentSucceeded(
                    orderID: envelope, channel: .wechat, channelTransactionID: "wx-\(envelope)", amount: Amount(fen: fen),
                    payer: Self.user("sender"), purpose: .envelope)))
    }

    static func grab(_ envelope: String, _ grabID: String, by grabber: String, fen: Int64) throws -> LedgerInput {
        try input(
            .envelopeGrabbed(
                EnvelopeGrabbed(
                    envelopeOrderID: envelope, grabID: grabID, sender: Self.user("sender"), grabber: Self.user(grabber),
                    amount: Amount(fen: fen))))
    }

    static func apply(_ inputs: [LedgerInput], _ db: PostgresTestDatabase) async throws -> [LedgerOutcome] {
        try await db.client.withTransaction { try await LedgerBatchWriter().apply(inputs, on: $0) }
    }

    static func code(_ outcome: LedgerOutcome) -> String? {
        if case .rejected(let rejection) = outcome { rejection.code } else { nil }
    }

    @Test("a second grab by the same user is refused in a later batch and in the same batch; others are credited")
    func aSecondGrabOfOneUserIsRefused() async throws {
        try await PostgresTestDatabase.with(poolSize: 2) { db in
            #expect(try await Self.apply([try Self.funding("env-1", fen: 500), try Self.funding("env-2", fen: 100)], db) == [.applied, .applied])
            #expect(try await Self.apply([try Self.grab("env-1", "g-1", by: "u1", fen: 100)], db) == [.applied])

            // A later batch: u1 again under a new grab id (refused), u2 (credited), u3 twice in the batch (the
            // second refused), and u1 in another envelope (credited).
            let outcomes = try await Self.apply(
                [
                    try Self.grab("env-1", "g-2", by: "u1", fen: 100), try Self.grab("env-1", "g-3", by: "u2", fen: 100),
                    try Self.grab("env-1", "g-4", by: "u3", fen: 50), try Self.grab("env-1", "g-5", by: "u3", fen: 50),
                    try Self.grab("env-2", "g-6", by: "u1", fen: 100),
                ], db)
            #expect(outcomes.map(Self.code) == [
                "envelope.already_grabbed", nil, nil, "envelope.already_grabbed", nil,
            ])

            let balances = try await db.client.query(
                "SELECT account_id, available_fen FROM accounts WHERE account_id LIKE 'user:u%' ORDER BY account_id")
            let available = Dictionary(uniqueKeysWithValues: try balances.map {
                (try $0.decode(String.self, column: "account_id"), try $0.decode(Int64.self, column: "available_fen"))
            })
            #expect(available == ["user:u1": 200, "user:u2": 100, "user:u3": 50])

            let rows = try await db.client.query(
                "SELECT envelope_order_id, grabber, grab_order_id FROM envelope_grabbers ORDER BY grab_order_id")
            let recorded = try rows.map {
                "\(try $0.decode(String.self, column: "envelope_order_id")) \(try $0.decode(String.self, column: "grabber")) \(try $0.decode(String.self, column: "grab_order_id"))"
            }
            #expect(recorded == [
                "env-1 user:u1 grab:g-1", "env-1 user:u2 grab:g-3", "env-1 user:u3 grab:g-4", "env-2 user:u1 grab:g-6",
            ])
            let keys = try await db.client.query(
                "SELECT idempotency_key, result FROM processed_keys WHERE result LIKE 'rejected:%' ORDER BY idempotency_key")
            #expect(try keys.map { "\(try $0.decode(String.self, column: "idempotency_key")) \(try $0.decode(String.self, column: "result"))" }
                == ["grab:g-2 rejected:envelope.already_grabbed", "grab:g-5 rejected:envelope.already_grabbed"])

            // The same grab delivered again is a duplicate, not a second grab.
            #expect(try await Self.apply([try Self.grab("env-1", "g-1", by: "u1", fen: 100)], db) == [.duplicate])

            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.isClean, "\(report.violations)")
        }
    }

    /// Two workers' transactions (two partitions' owners during a rebalance, say) each carry a grab of one user
    /// from one envelope under different grab ids. The second waits on the envelope order's lock, and once the
    /// first commits it reads the first's `envelope_grabbers` row and refuses its grab.
    @Test("a grab in a concurrent transaction waits for the first and is refused once it commits")
    func concurrentTransactionsCreditAGrabberOnce() async throws {
        try await PostgresTestDatabase.with(poolSize: 3) { db in
            #expect(try await Self.apply([try Self.funding("env-1", fen: 500)], db) == [.applied])
            let second = try await db.client.withTransaction { (connection) async throws -> Task<[LedgerOutcome], any Error> in
                #expect(try await LedgerBatchWriter().apply([try Self.grab("env-1", "g-a", by: "u1", fen: 100)], on: connection) == [.applied])
                let second = Task { try await Self.apply([try Self.grab("env-1", "g-b", by: "u1", fen: 100)], db) }
                // The first transaction is still open: the second waits for one of its locks.
                let waiting = await eventually(timeoutSeconds: 30) {
                    let rows = try? await db.client.query(
                        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
                    return (try? rows?.first?.decode(Int64.self, column: "n")) == 1
                }
                #expect(waiting, "the second transaction did not wait for the first")
                return second
            }
            #expect(try await second.value.map(Self.code) == ["envelope.already_grabbed"])

            let rows = try await db.client.query("SELECT grab_order_id FROM envelope_grabbers")
            #expect(try rows.map { try $0.decode(String.self, column: "grab_order_id") } == ["grab:g-a"])
            let balance = try await db.client.query("SELECT available_fen FROM accounts WHERE account_id = 'user:u1'")
            #expect(try balance.first?.decode(Int64.self, column: "available_fen") == 100)
            let report = try await LedgerVerifier(client: db.client).verify()
            #expect(report.isClean, "\(report.violations)")
        }
    }

    @Test("envelope_grabbers is append-only")
    func grabbersAreAppendOnly() async throws {
        try await PostgresTestDatabase.with(poolSize: 1) { db in
            _ = try await Self.apply([try Self.funding("env-1", fen: 100), try Self.grab("env-1", "g-1", by: "u1", fen: 10)], db)
            await #expect(throws: (any Error).self) {
                try await db.client.execute("DELETE FROM envelope_grabbers")
            }
            await #expect(throws: (any Error).self) {
                try await db.client.execute("UPDATE envelope_grabbers SET grabber = 'user:u9'")
            }
            let count = try await db.client.query("SELECT count(*) AS n FROM envelope_grabbers")
            #expect(try count[0].decode(Int64.self, column: "n") == 1)
        }
    }
}
