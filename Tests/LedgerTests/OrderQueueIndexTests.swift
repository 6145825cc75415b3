import Postgres
import Testing
import TestSupport

/// The API's background loops ask orders "which are approved and not paid out yet?" (payout dispatcher) and
/// "which envelopes finished lately?" (envelope activator) several times a second. Among many orders of other
/// statuses, the answer must come from the small partial indexes of migration 0023, not from a scan of every
/// partition: the cost follows the queue, not the history.
@Suite("Order queue indexes")
struct OrderQueueIndexTests {
    @Test("approved withdrawals and lately finished envelopes are found among 200,000 orders by reading a few rows")
    func queuesAreReadThroughTheirPartialIndexes() async throws {
        try await PostgresTestDatabase.with(poolSize: 1) { db in
            // History: 200,000 orders done long ago. The queues: 5 approved withdrawals, 3 envelopes that
            // finished a minute ago, and 2,000 envelopes that finished a week ago.
            _ = try await db.client.execute(
                """
                INSERT INTO orders (order_id, kind, status, owner_account, amount_fen, settled_fen)
                SELECT 'OLD' || g, 'transferIn', 'completed', 'user:u' || (g % 3000), 100, 0 FROM generate_series(1, 200000) AS g
                """)
            _ = try await db.client.execute(
                """
                INSERT INTO orders (order_id, kind, status, owner_account, amount_fen)
                SELECT 'WD' || g, 'withdraw', 'approved', 'user:w' || g, 100 FROM generate_series(1, 5) AS g
                """)
            _ = try await db.client.execute(
                """
                INSERT INTO orders (order_id, kind, status, owner_account, amount_fen, settled_fen, updated_at)
                SELECT 'ENV-NEW' || g, 'envelope', 'finished', 'user:s' || g, 100, 100, now() - interval '1 minute'
                FROM generate_series(1, 3) AS g
                UNION ALL
                SELECT 'ENV-OLD' || g, 'envelope', 'finished', 'user:s' || g, 100, 100, now() - interval '7 days'
                FROM generate_series(1, 2000) AS g
                """)
            _ = try await db.client.execute("ANALYZE orders")

            try await db.client.withTransaction { connection in
                let approved = try await connection.query("SELECT order_id FROM orders WHERE status = 'approved' ORDER BY order_id")
                #expect(try approved.map { try $0.decode(String.self, column: "order_id") } == (1...5).map { "WD\($0)" })
                let finished = try await connection.query(
                    "SELECT order_id FROM orders WHERE status = 'finished' AND updated_at > now() - interval '10 minutes' ORDER BY order_id")
                #expect(try finished.map { try $0.decode(String.self, column: "order_id") } == (1...3).map { "ENV-NEW\($0)" })

                let rowsRead = try await ordersRowsRead(on: connection)
                #expect(rowsRead < 100, "finding 5 approved and 3 lately finished orders read \(rowsRead) rows of 202,008")
            }
        }
    }
}
