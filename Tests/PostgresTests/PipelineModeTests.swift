import Foundation
import Postgres
import Testing

@Suite("Pipelined statements")
struct PipelineModeTests {
    @Test("results come back one per statement, in order, and each statement sees the ones before it")
    func resultsInOrder() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).t (id bigint PRIMARY KEY, note text)")
            let results = try await client.withTransaction { connection in
                try await connection.pipeline([
                    "INSERT INTO \(identifier: schema).t SELECT * FROM unnest(\([Int64(1), 2, 3])::bigint[], \(["a", "b", "c"])::text[])",
                    "UPDATE \(identifier: schema).t SET note = note || \("!") WHERE id >= \(Int64(2))",
                    "SELECT id, note FROM \(identifier: schema).t ORDER BY id",
                    "DELETE FROM \(identifier: schema).t WHERE id = \(Int64(1))",
                ])
            }
            #expect(results.map(\.affectedRows) == [3, 2, 3, 1])
            #expect(results.map(\.commandTag) == ["INSERT 0 3", "UPDATE 2", "SELECT 3", "DELETE 1"])
            #expect(try results[2].map { try $0.decode(String.self, column: "note") } == ["a", "b!", "c!"])
            let left = try await client.query("SELECT count(*) AS n FROM \(identifier: schema).t")
            #expect(try left[0].decode(Int.self, column: "n") == 2)
        }
    }

    @Test("a refused statement is the error thrown, nothing after it runs, and the connection stays usable")
    func failureStopsThePipeline() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).t (id bigint PRIMARY KEY)")
            try await client.withConnection { connection in
                let error = try await #require(throws: PostgresError.self) {
                    try await connection.pipeline([
                        "INSERT INTO \(identifier: schema).t VALUES (\(Int64(1)))",
                        "INSERT INTO \(identifier: schema).t VALUES (\(Int64(1)))",  // duplicate key
                        "INSERT INTO \(identifier: schema).t VALUES (\(Int64(2)))",
                        "SELECT 1 / 0",
                    ])
                }
                #expect(error.code == .queryFailed)
                #expect(error.isUniqueViolation, "the first failure is reported, not the skipped division: \(error)")
                // Outside a transaction block the pipeline up to its Sync is one implicit transaction, so the
                // failure undid the first INSERT too; the third never ran.
                let rows = try await connection.query("SELECT count(*) AS n FROM \(identifier: schema).t")
                #expect(try rows[0].decode(Int.self, column: "n") == 0)
                // Out of pipeline mode: an ordinary statement and a new pipeline both work.
                let again = try await connection.pipeline(["INSERT INTO \(identifier: schema).t VALUES (\(Int64(7)))"])
                #expect(again.map(\.affectedRows) == [1])
            }
        }
    }

    @Test("a failure inside a transaction rolls back everything the transaction did")
    func failureInsideATransaction() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).t (id bigint PRIMARY KEY, n bigint NOT NULL CHECK (n >= 0))")
            try await client.execute("INSERT INTO \(identifier: schema).t VALUES (\(Int64(1)), \(Int64(5)))")
            await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try await connection.execute("UPDATE \(identifier: schema).t SET n = n + \(Int64(10))")
                    _ = try await connection.pipeline([
                        "UPDATE \(identifier: schema).t SET n = n - \(Int64(3))",
                        "UPDATE \(identifier: schema).t SET n = n - \(Int64(100))",  // CHECK violation
                    ])
                }
            }
            let rows = try await client.query("SELECT n FROM \(identifier: schema).t")
            #expect(try rows[0].decode(Int64.self, column: "n") == 5)
        }
    }

    @Test("a value that cannot be sent stops the pipeline before it; what was sent is answered and the connection recovers")
    func encodingFailureMidway() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).t (note text)")
            try await client.withConnection { connection in
                try await connection.execute("BEGIN")
                let error = try await #require(throws: PostgresError.self) {
                    try await connection.pipeline([
                        "INSERT INTO \(identifier: schema).t VALUES (\("fine"))",
                        "INSERT INTO \(identifier: schema).t VALUES (\("zero\u{0}byte"))",
                        "INSERT INTO \(identifier: schema).t VALUES (\("never sent"))",
                    ])
                }
                #expect(error.code == .encoding)
                // The first statement ran inside the open transaction; nothing after the bad value did.
                let inside = try await connection.query("SELECT note FROM \(identifier: schema).t")
                #expect(try inside.map { try $0.decode(String.self, column: "note") } == ["fine"])
                try await connection.execute("ROLLBACK")
            }
            let rows = try await client.query("SELECT count(*) AS n FROM \(identifier: schema).t")
            #expect(try rows[0].decode(Int.self, column: "n") == 0)
        }
    }

    @Test("the server runs what was sent while the caller works; the caller's own error wins and the connection recovers")
    func statementsRunWhileTheCallerWorks() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).t (id bigint PRIMARY KEY)")
            struct Stop: Error {}
            try await client.withConnection { connection in
                let pid = try await connection.backendPID()
                let results = try await connection.withPipeline { pipeline in
                    try await pipeline.send("INSERT INTO \(identifier: schema).t VALUES (\(Int64(1)))")
                    try await pipeline.send("SELECT pg_sleep(0.2)")
                    // Not yet answered, but already running: another connection sees the sleep in pg_stat_activity.
                    var seen = false
                    for _ in 0..<50 where !seen {
                        let activity = try await client.query(
                            "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = \(Int32(pid)) AND query LIKE 'SELECT pg_sleep%'")
                        seen = try activity[0].decode(Int.self, column: "n") == 1
                        if !seen { try await Task.sleep(nanoseconds: 10_000_000) }
                    }
                    #expect(seen, "the sent statement runs before the pipeline ends")
                    try await pipeline.send("INSERT INTO \(identifier: schema).t VALUES (\(Int64(2)))")
                }
                #expect(results.map(\.commandTag) == ["INSERT 0 1", "SELECT 1", "INSERT 0 1"])

                await #expect(throws: Stop.self) {
                    _ = try await connection.withPipeline { pipeline in
                        try await pipeline.send("INSERT INTO \(identifier: schema).t VALUES (\(Int64(3)))")
                        throw Stop()
                    }
                }
                var escaped: PostgresPipeline?
                _ = try await connection.withPipeline { escaped = $0 }
                let late = try await #require(throws: PostgresError.self) {
                    try await escaped!.send("INSERT INTO \(identifier: schema).t VALUES (\(Int64(4)))")
                }
                #expect(late.code == .closed)
                let rows = try await connection.query("SELECT array_agg(id ORDER BY id)::text AS ids FROM \(identifier: schema).t")
                // Outside a transaction block the pipeline is its own transaction: 3 was committed with it.
                #expect(try rows[0].decode(String.self, column: "ids") == "{1,2,3}")
            }
        }
    }

    @Test(
        "a large result followed by a large statement does not stall: answers are read while sending",
        .timeLimit(.minutes(1)))
    func largeResultThenLargeStatement() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).t (note text)")
            // Far more than the socket buffers hold both ways: with blocking sends the server would wait to
            // write the rows while the client waited to write the array.
            let notes = (0..<16_000).map { String(repeating: "n", count: 1_000 + $0 % 7) }
            let results = try await client.withConnection { connection in
                try await connection.pipeline([
                    "SELECT repeat('x', 1000) AS r FROM generate_series(1, 32000)",
                    "INSERT INTO \(identifier: schema).t SELECT unnest(\(notes)::text[])",
                ])
            }
            #expect(results.map(\.affectedRows) == [32_000, 16_000])
            let stored = try await client.query("SELECT sum(length(note)) AS n FROM \(identifier: schema).t")
            #expect(try stored[0].decode(Int.self, column: "n") == notes.reduce(0) { $0 + $1.count })
        }
    }

    @Test("an empty pipeline sends nothing")
    func emptyPipeline() async throws {
        try await PG.withClient { client in
            let results = try await client.withConnection { connection in try await connection.pipeline([]) }
            #expect(results.isEmpty)
        }
    }
}
