import Postgres
import Testing
import TestSupport

/// The statement-level checks on postings (every entry exists, every account exists, every entry balances) are
/// PL/pgSQL, which plans their lookups once per session and keeps the plan until an ANALYZE invalidates it. A
/// session that first ran them on small tables must not keep scanning those tables whole after they grow.
@Suite("Postings checks' plans")
struct PostingsCheckPlanTests {
    @Test("a session that first checked postings on small tables still probes by index after they grew")
    func checksProbeByIndexAfterTheTablesGrew() async throws {
        // One connection: the plans cached by the first insert are the ones the second insert uses.
        try await PostgresTestDatabase.with(poolSize: 1) { db in
            // No ANALYZE but the test's own may invalidate the cached plans.
            _ = try await db.client.execute("ALTER TABLE accounts SET (autovacuum_enabled = off)")
            _ = try await db.client.execute("ALTER TABLE journal_entries SET (autovacuum_enabled = off)")
            _ = try await db.client.execute("ALTER TABLE postings SET (autovacuum_enabled = off)")

            // A new deployment: a few rows, which autovacuum soon analyzes. Then the first entry: the checks are
            // planned now, for tables of a few rows, and the plans stay with this session.
            _ = try await db.client.execute("INSERT INTO accounts (account_id, kind) VALUES ('user:a', 'user'), ('user:b', 'user')")
            try await insertEntry(key: "zero", from: "user:a", to: "user:b", db: db)
            _ = try await db.client.execute("ANALYZE accounts")
            _ = try await db.client.execute("ANALYZE journal_entries")
            _ = try await db.client.execute("ANALYZE postings")
            try await insertEntry(key: "first", from: "user:a", to: "user:b", db: db)

            // The tables grow; nothing analyzes them.
            _ = try await db.client.execute(
                "INSERT INTO accounts (account_id, kind) SELECT 'user:g' || g, 'user' FROM generate_series(1, 100000) AS g")
            _ = try await db.client.execute(
                """
                INSERT INTO journal_entries (idempotency_key, kind, order_id)
                SELECT 'bulk-' || g, 'transfer', 'O' || g FROM generate_series(1, 100000) AS g
                """)

            try await db.client.withTransaction { connection in
                _ = try await connection.query(
                    "INSERT INTO journal_entries (idempotency_key, kind, order_id) VALUES ('second', 'transfer', 'O-second')")
                _ = try await connection.query(
                    """
                    INSERT INTO postings (entry_id, account_id, bucket, amount_fen)
                    SELECT e.entry_id, p.account_id, 'available', p.amount
                    FROM journal_entries e, (VALUES ('user:g77777', -100::bigint), ('user:g88888', 100::bigint)) AS p(account_id, amount)
                    WHERE e.idempotency_key = 'second'
                    """)
                // Rows the checks read from the two grown tables (the statements above read a handful).
                let read = try await connection.query(
                    """
                    SELECT (pg_stat_get_xact_tuples_returned('accounts'::regclass)
                        + pg_stat_get_xact_tuples_returned('journal_entries'::regclass))::bigint AS n
                    """)
                let rowsRead = try #require(read.first).decode(Int64.self, column: "n")
                #expect(rowsRead < 1_000, "checking one entry of two postings read \(rowsRead) rows; the two tables hold 200,000")
            }
            // The checks still refuse what they must: an account that does not exist, an entry that does not balance.
            await #expect(throws: PostgresError.self) {
                try await insertEntry(key: "ghost", from: "user:a", to: "user:nobody", db: db)
            }
            await #expect(throws: PostgresError.self) {
                _ = try await db.client.execute(
                    """
                    INSERT INTO postings (entry_id, account_id, bucket, amount_fen)
                    SELECT entry_id, 'user:a', 'available', 5 FROM journal_entries WHERE idempotency_key = 'bulk-1'
                    """)
            }
        }
    }

    /// One entry moving 1.00 from `from` to `to`, as one statement of two postings.
    private func insertEntry(key: String, from: String, to: String, db: PostgresTestDatabase) async throws {
        try await db.client.withTransaction { connection in
            _ = try await connection.query(
                "INSERT INTO journal_entries (idempotency_key, kind, order_id) VALUES (\(key), 'transfer', \("O-" + key))")
            _ = try await connection.query(
                """
                INSERT INTO postings (entry_id, account_id, bucket, amount_fen)
                SELECT e.entry_id, p.account_id, 'available', p.amount
                FROM journal_entries e, (VALUES (\(from), -100::bigint), (\(to), 100::bigint)) AS p(account_id, amount)
                WHERE e.idempotency_key = \(key)
                """)
        }
    }
}
