import Foundation
@testable import LedgerStore
import Postgres
import Testing
import TestSupport

/// How a batch locks the orders it touches, against real PostgreSQL with a table of realistic size: each
/// order is found by its own index probe (the cost follows the batch, not the table), every order is
/// returned once, in byte order, and stays locked until the transaction ends.
@Suite("Order locks")
struct OrderLockTests {
    @Test("a batch's orders are locked by index probes, once each, in byte order, among 200,000 orders")
    func aBatchLocksItsOrdersByIndexProbes() async throws {
        try await PostgresTestDatabase.with(poolSize: 2) { db in
            _ = try await db.client.execute(
                """
                INSERT INTO orders (order_id, kind, status, owner_account, amount_fen)
                SELECT 'EN' || lpad(g::text, 8, '0'), 'envelope', 'funded', 'user:u' || g, 100 FROM generate_series(1, 200000) AS g
                """)
            _ = try await db.client.execute("ANALYZE orders")
            // The ids of a grab batch: envelope orders that exist, incoming orders that do not yet (their
            // ids sort after every envelope's), and an envelope named twice.
            let envelopes = (0..<40).map { "EN" + String(format: "%08d", 4_000 * $0 + 17) }
            let incoming = (0..<140).map { "grab:GB\($0)" }
            let ids = (incoming + envelopes + [envelopes[3]]).shuffled()

            try await db.client.withTransaction { connection in
                let locked = try await LedgerState.lockOrders(Set(ids), on: connection)
                #expect(locked.map(\.orderID) == envelopes.sorted())

                let rowsRead = try await ordersRowsRead(on: connection)
                #expect(rowsRead < 1_000, "locking 41 orders read \(rowsRead) rows of 200,000")

                // They stay locked until this transaction ends.
                try await db.client.withConnection { other in
                    await #expect(throws: PostgresError.self) {
                        _ = try await other.query("SELECT 1 FROM orders WHERE order_id = \(envelopes[0]) FOR UPDATE NOWAIT")
                    }
                }
            }
        }
    }

    @Test("ids are ordered by their UTF-8 bytes: prefixes first, non-ASCII after ASCII, canonically equal forms apart")
    func idsAreOrderedByTheirBytes() {
        let fixed = ["", "a", "ab", "abc", "b", "B", "grab:GB10", "grab:GB9", "EN00000017", "é", "e\u{301}", "z", "ü", "日本", "~"]
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["a", "b", "Z", "0", ":", "-", "é", "ß", "中", "\u{301}", "😀"]
        let random = (0..<300).map { _ in String((0..<Int.random(in: 0...6, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }) }
        let ids = Set(fixed + random)
        let sorted = LedgerState.sortedByBytes(ids)
        #expect(sorted.map { Array($0.utf8) } == ids.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
        // "é" precomposed and decomposed are equal Strings in Swift but two ids (two rows) in PostgreSQL: both are
        // kept, in byte order, so two batches lock them in the same order.
        #expect(LedgerState.sortedByBytes(["é", "e\u{301}"].shuffled()).map { Array($0.utf8) } == [Array("e\u{301}".utf8), Array("é".utf8)])
    }
}
