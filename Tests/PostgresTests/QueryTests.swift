import Foundation
import Postgres
import Testing

@Suite("Queries, transactions and errors")
struct QueryTests {
    struct Boom: Error {}

    @Test("a committed transaction is visible to other connections")
    func commitIsVisible() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).accounts (id bigint PRIMARY KEY, balance bigint NOT NULL)")
            try await client.withTransaction { connection in
                try await connection.execute("INSERT INTO \(identifier: schema).accounts VALUES (\(1), \(Int64(500)))")
                try await connection.execute("UPDATE \(identifier: schema).accounts SET balance = balance + \(25) WHERE id = \(1)")
            }
            let rows = try await client.query("SELECT balance FROM \(identifier: schema).accounts WHERE id = \(1)")
            #expect(rows.count == 1)
            #expect(try rows[0].decode(Int64.self, column: "balance") == 525)
        }
    }

    @Test("a transaction whose body throws leaves nothing and rethrows the original error")
    func rollbackLeavesNothing() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).entries (id bigint PRIMARY KEY)")
            await #expect(throws: Boom.self) {
                try await client.withTransaction { connection in
                    try await connection.execute("INSERT INTO \(identifier: schema).entries VALUES (\(1)), (\(2))")
                    throw Boom()
                }
            }
            let count = try await client.query("SELECT count(*) AS n FROM \(identifier: schema).entries")
            #expect(try count[0].decode(Int.self, column: "n") == 0)
        }
    }

    @Test("COMMIT after a failed statement is reported, not mistaken for a commit")
    func commitOfFailedTransactionThrows() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).entries (id bigint PRIMARY KEY)")
            let error = try await #require(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try await connection.execute("INSERT INTO \(identifier: schema).entries VALUES (\(1))")
                    _ = try? await connection.query("SELECT 1 / 0")  // swallowed: the transaction is now aborted
                }
            }
            #expect(error.code == .transactionRolledBack)
            let count = try await client.query("SELECT count(*) AS n FROM \(identifier: schema).entries")
            #expect(try count[0].decode(Int.self, column: "n") == 0)
        }
    }

    @Test("the requested isolation level is used")
    func isolationLevel() async throws {
        try await PG.withClient { client in
            let level = try await client.withTransaction(isolation: .serializable) { connection in
                try await connection.query("SHOW transaction_isolation")[0].decode(String.self, at: 0)
            }
            #expect(level == "serializable")
        }
    }

    /// What a server that cannot do any such work answers (here a read-only transaction, as a failover's demoted
    /// primary answers every write, and a cancelled statement) is a condition of the server; an error a statement or
    /// a row causes (a unique violation above, an exception a trigger raises) is not.
    @Test("read-only and cancelled statements are conditions of the server; a raised exception is not")
    func serverConditions() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).notes (id bigint)")
            let readOnly = try await #require(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try await connection.execute("SET TRANSACTION READ ONLY")
                    try await connection.execute("INSERT INTO \(identifier: schema).notes VALUES (\(1))")
                }
            }
            #expect(readOnly.sqlState == "25006" && readOnly.isServerCondition && !readOnly.isRetriable, "\(readOnly)")
            let cancelled = try await #require(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try await connection.execute("SET LOCAL statement_timeout = 50")
                    try await connection.execute("SELECT pg_sleep(2)")
                }
            }
            #expect(cancelled.sqlState == PostgresError.queryCanceled && cancelled.isServerCondition, "\(cancelled)")
            let raised = try await #require(throws: PostgresError.self) {
                try await client.execute("DO $$ BEGIN RAISE EXCEPTION 'refused by a test'; END $$")
            }
            #expect(raised.sqlState == "P0001" && !raised.isServerCondition, "\(raised)")
        }
    }

    @Test("a unique violation carries SQLSTATE 23505, the constraint and the table")
    func uniqueViolation() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute(
                "CREATE TABLE \(identifier: schema).orders (id bigint, order_no text, CONSTRAINT orders_order_no_key UNIQUE (order_no))")
            try await client.execute("INSERT INTO \(identifier: schema).orders VALUES (\(1), \("A-1"))")
            let error = try await #require(throws: PostgresError.self) {
                try await client.execute("INSERT INTO \(identifier: schema).orders VALUES (\(2), \("A-1"))")
            }
            #expect(error.sqlState == PostgresError.uniqueViolation)
            #expect(error.sqlState == "23505")
            #expect(error.isUniqueViolation)
            #expect(error.code == .queryFailed)
            #expect(error.constraintName == "orders_order_no_key")
            #expect(error.tableName == "orders")
            #expect(error.schemaName == schema)
            #expect(error.detail?.contains("A-1") == true)
            #expect(!error.isRetriable && !error.isServerCondition)
            // The pooled connection is still fine afterwards.
            #expect(try await client.query("SELECT 1 AS one")[0].decode(Int.self, column: "one") == 1)
        }
    }

    @Test("interpolation produces numbered parameters and quoted identifiers")
    func interpolationProducesParameters() {
        let id: Int64 = 42
        let name: String? = nil
        let table = "we\"ird; DROP"
        let query: PostgresQuery = "SELECT * FROM \(identifier: table) WHERE id = \(id) AND name = \(name) \(literalSQL: "LIMIT 1")"
        #expect(query.sql == "SELECT * FROM \"we\"\"ird; DROP\" WHERE id = $1 AND name = $2 LIMIT 1")
        #expect(query.bindings == [.int64(42), .null])
        #expect(!query.description.contains("42"))
        let plain = PostgresQuery(sql: "SELECT $1", bindings: [.text("x")])
        #expect(plain.bindings.count == 1)
    }

    @Test("values that look like SQL are stored verbatim, and odd identifiers are safe")
    func injectionIsImpossible() async throws {
        try await PG.withSchema { client, schema in
            let table = "notes\"; DROP SCHEMA public; --"
            try await client.execute("CREATE TABLE \(identifier: schema).\(identifier: table) (body text)")
            let hostile = ["x'; DROP TABLE notes; --", "Robert'); DROP TABLE students;--", "$1", "\\'", "' OR '1'='1"]
            for value in hostile {
                try await client.execute("INSERT INTO \(identifier: schema).\(identifier: table) (body) VALUES (\(value))")
            }
            let rows = try await client.query("SELECT body FROM \(identifier: schema).\(identifier: table) ORDER BY body")
            #expect(try rows.map { try $0.decode(String.self, column: "body") } == hostile.sorted())
            let match = try await client.query(
                "SELECT count(*) AS n FROM \(identifier: schema).\(identifier: table) WHERE body = \("' OR '1'='1")")
            #expect(try match[0].decode(Int.self, column: "n") == 1)
        }
    }

    @Test("execute returns the number of affected rows")
    func affectedRows() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).t (id bigint, v bigint)")
            #expect(try await client.execute("INSERT INTO \(identifier: schema).t SELECT g, 0 FROM generate_series(1, 5) g") == 5)
            #expect(try await client.execute("UPDATE \(identifier: schema).t SET v = 1 WHERE id <= \(3)") == 3)
            let rows = try await client.query("DELETE FROM \(identifier: schema).t WHERE id > \(3) RETURNING id")
            #expect(rows.affectedRows == 2 && rows.count == 2)
            #expect(rows.commandTag == "DELETE 2")
        }
    }

    @Test("decoding NULL or a bad value throws an error naming the column")
    func decodingErrors() async throws {
        try await PG.withClient { client in
            let row = try await client.query("SELECT NULL::bigint AS amount, 'abc' AS code, 99999 AS big")[0]
            let null = try #require(throws: PostgresError.self) { try row.decode(Int64.self, column: "amount") }
            #expect(null.code == .decoding && null.message.contains("amount") && null.message.contains("NULL"))
            #expect(try row.decode(Int64?.self, column: "amount") == nil)
            let bad = try #require(throws: PostgresError.self) { try row.decode(Int.self, column: "code") }
            #expect(bad.code == .decoding && bad.message.contains("code"))
            let overflow = try #require(throws: PostgresError.self) { try row.decode(Int16.self, column: "big") }
            #expect(overflow.message.contains("big"))
            let missing = try #require(throws: PostgresError.self) { try row.decode(Int.self, column: "nope") }
            #expect(missing.message.contains("nope"))
        }
    }

    @Test("text with a zero byte is refused instead of being truncated")
    func zeroByteIsRefused() async throws {
        try await PG.withClient { client in
            let error = try await #require(throws: PostgresError.self) {
                try await client.query("SELECT \("before\u{0}after")::text")
            }
            #expect(error.code == .encoding && error.message.contains("$1"))
            // Long strings (stored apart from the String value), with the zero byte first, in the middle, last.
            let long = String(repeating: "x", count: 10_000)
            for text in ["\u{0}" + long, long + "\u{0}" + long, long + "\u{0}"] {
                let failure = try await #require(throws: PostgresError.self) { try await client.query("SELECT length(\(text)::text)") }
                #expect(failure.code == .encoding && failure.message.contains("$1"))
            }
            let inArray = try await #require(throws: PostgresError.self) { try await client.query("SELECT \([long, "a\u{0}b"])::text[]") }
            #expect(inArray.code == .encoding)
            #expect(try await client.query("SELECT length(\(long)::text)")[0].decode(Int.self, at: 0) == 10_000)
            #expect(try await client.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
        }
    }
}
