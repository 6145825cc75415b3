import Postgres
import Testing
import TestSupport

/// The database's own rules on postings, whatever code writes them: every statement leaves each entry it touches
/// balanced with at least two postings (check_violation otherwise), and names only existing entries and accounts
/// (foreign_key_violation otherwise). Each case is one statement against real PostgreSQL.
@Suite("Postings rules in the database")
struct PostingsRulesTests {
    static let checkViolation = "23514"
    static let foreignKeyViolation = "23503"

    @Test("a balanced entry of two postings, and one of three, are accepted and counted")
    func balancedEntriesAreAccepted() async throws {
        try await Self.withLedger { (db: PostgresTestDatabase) async throws in
            try await Self.insert(db, entry: "two", [("user:a", -100), ("user:b", 100)])
            try await Self.insert(db, entry: "three", [("user:a", -100), ("user:b", 60), ("user:c", 40)])
            #expect(try await Self.count(db, "SELECT count(*) FROM postings") == 5)
        }
    }

    @Test("an entry whose postings do not sum to zero is refused, and nothing of the statement stays")
    func unbalancedEntryIsRefused() async throws {
        try await Self.withLedger { (db: PostgresTestDatabase) async throws in
            let error = await #expect(throws: PostgresError.self) {
                try await Self.insert(db, entry: "off", [("user:a", -100), ("user:b", 99)])
            }
            #expect(error?.sqlState == Self.checkViolation, "\(String(describing: error))")
            #expect(try await Self.count(db, "SELECT count(*) FROM postings") == 0)
        }
    }

    @Test("one unbalanced entry among many balanced ones fails the whole statement")
    func oneUnbalancedEntryFailsTheStatement() async throws {
        try await Self.withLedger { (db: PostgresTestDatabase) async throws in
            for n in 0..<50 { _ = try await db.client.execute("INSERT INTO journal_entries (idempotency_key, kind, order_id) VALUES (\("k\(n)"), 'transfer', \("o\(n)"))") }
            let error = await #expect(throws: PostgresError.self) {
                // Entries k0...k49 each move 1.00 from a to b, except k37, whose credit is 1 fen short.
                _ = try await db.client.execute(
                    """
                    INSERT INTO postings (entry_id, account_id, bucket, amount_fen)
                    SELECT e.entry_id, p.account_id, 'available', CASE WHEN e.idempotency_key = 'k37' AND p.amount_fen > 0 THEN 99 ELSE p.amount_fen END
                    FROM journal_entries e, (VALUES ('user:a', -100::bigint), ('user:b', 100::bigint)) AS p(account_id, amount_fen)
                    """)
            }
            #expect(error?.sqlState == Self.checkViolation, "\(String(describing: error))")
            #expect(try await Self.count(db, "SELECT count(*) FROM postings") == 0)
        }
    }

    @Test("an entry of a single posting is refused")
    func singlePostingIsRefused() async throws {
        try await Self.withLedger { (db: PostgresTestDatabase) async throws in
            let error = await #expect(throws: PostgresError.self) {
                try await Self.insert(db, entry: "alone", [("user:a", 100)])
            }
            #expect(error?.sqlState == Self.checkViolation, "\(String(describing: error))")
        }
    }

    @Test("postings added later to a balanced entry must keep it balanced")
    func laterPostingsMustKeepTheEntryBalanced() async throws {
        try await Self.withLedger { (db: PostgresTestDatabase) async throws in
            try await Self.insert(db, entry: "grown", [("user:a", -100), ("user:b", 100)])
            // One more posting of 5 fen would leave the entry at +5.
            let error = await #expect(throws: PostgresError.self) {
                try await Self.addPostings(db, entry: "grown", [("user:c", 5)])
            }
            #expect(error?.sqlState == Self.checkViolation, "\(String(describing: error))")
            // Two that cancel out keep it balanced: the entry's postings still sum to zero over all of them.
            try await Self.addPostings(db, entry: "grown", [("user:c", 5), ("user:a", -5)])
            #expect(
                try await Self.count(
                    db,
                    "SELECT sum(p.amount_fen)::bigint FROM postings p JOIN journal_entries e USING (entry_id) WHERE e.idempotency_key = 'grown'") == 0)
            #expect(try await Self.count(db, "SELECT count(*) FROM postings") == 4)
        }
    }

    @Test("a posting naming an account that does not exist is refused")
    func missingAccountIsRefused() async throws {
        try await Self.withLedger { (db: PostgresTestDatabase) async throws in
            let error = await #expect(throws: PostgresError.self) {
                try await Self.insert(db, entry: "ghost", [("user:a", -100), ("user:nobody", 100)])
            }
            #expect(error?.sqlState == Self.foreignKeyViolation, "\(String(describing: error))")
            #expect(error?.message.contains("user:nobody") == true, "\(String(describing: error))")
        }
    }

    @Test("a posting naming a journal entry that does not exist is refused")
    func missingEntryIsRefused() async throws {
        try await Self.withLedger { (db: PostgresTestDatabase) async throws in
            let error = await #expect(throws: PostgresError.self) {
                _ = try await db.client.execute(
                    """
                    INSERT INTO postings (entry_id, account_id, bucket, amount_fen)
                    VALUES (424242, 'user:a', 'available', -100), (424242, 'user:b', 'available', 100)
                    """)
            }
            #expect(error?.sqlState == Self.foreignKeyViolation, "\(String(describing: error))")
            #expect(error?.message.contains("424242") == true, "\(String(describing: error))")
        }
    }

    @Test("postings are never updated or deleted")
    func postingsAreAppendOnly() async throws {
        try await Self.withLedger { (db: PostgresTestDatabase) async throws in
            try await Self.insert(db, entry: "kept", [("user:a", -100), ("user:b", 100)])
            await #expect(throws: PostgresError.self) { _ = try await db.client.execute("UPDATE postings SET amount_fen = -amount_fen") }
            await #expect(throws: PostgresError.self) { _ = try await db.client.execute("DELETE FROM postings") }
            #expect(try await Self.count(db, "SELECT count(*) FROM postings") == 2)
        }
    }

    // MARK: helpers

    /// A fresh ledger database with accounts a, b and c.
    static func withLedger(_ body: (PostgresTestDatabase) async throws -> Void) async throws {
        try await PostgresTestDatabase.with { db in
            _ = try await db.client.execute(
                "INSERT INTO accounts (account_id, kind) VALUES ('user:a', 'user'), ('user:b', 'user'), ('user:c', 'user')")
            try await body(db)
        }
    }

    /// A new entry and its postings (all in `available`), the postings as one statement.
    static func insert(_ db: PostgresTestDatabase, entry key: String, _ postings: [(String, Int64)]) async throws {
        try await db.client.withTransaction { connection in
            _ = try await connection.query(
                "INSERT INTO journal_entries (idempotency_key, kind, order_id) VALUES (\(key), 'transfer', \("o-" + key))")
            try await insertPostings(connection, entry: key, postings)
        }
    }

    /// More postings for an existing entry, as one statement.
    static func addPostings(_ db: PostgresTestDatabase, entry key: String, _ postings: [(String, Int64)]) async throws {
        try await db.client.withConnection { try await insertPostings($0, entry: key, postings) }
    }

    private static func insertPostings(_ connection: PostgresConnection, entry key: String, _ postings: [(String, Int64)]) async throws {
        _ = try await connection.query(
            """
            INSERT INTO postings (entry_id, account_id, bucket, amount_fen)
            SELECT e.entry_id, p.account_id, 'available', p.amount_fen
            FROM journal_entries e, unnest(\(postings.map(\.0))::text[], \(postings.map(\.1))::bigint[]) AS p(account_id, amount_fen)
            WHERE e.idempotency_key = \(key)
            """)
    }

    static func count(_ db: PostgresTestDatabase, _ sql: String) async throws -> Int64 {
        let rows = try await db.client.query(PostgresQuery(sql: sql, bindings: []))
        return try #require(rows.first).decode(Int64.self, at: 0)
    }
}
