import Postgres
import Testing

@Suite("Serializable transactions")
struct SerializationTests {
    @Test("two conflicting serializable transactions: the loser's error is a retriable 40001")
    func serializationFailureIsRetriable() async throws {
        try await PG.withSchema(try PG.configuration(poolSize: 2)) { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).doctors (name text, on_call boolean)")
            try await client.execute(
                "INSERT INTO \(identifier: schema).doctors VALUES (\("alice"), \(true)), (\("bob"), \(true))")
            // Write skew: each transaction reads both rows, then takes a different doctor off call.
            let other = try await PostgresConnection.connect(configuration: client.configuration, logger: PG.logger)
            try await other.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            _ = try await other.query("SELECT count(*) FROM \(identifier: schema).doctors WHERE on_call")
            let error = try await #require(throws: PostgresError.self) {
                try await client.withTransaction(isolation: .serializable) { connection in
                    _ = try await connection.query("SELECT count(*) FROM \(identifier: schema).doctors WHERE on_call")
                    try await other.execute("UPDATE \(identifier: schema).doctors SET on_call = false WHERE name = \("alice")")
                    try await other.execute("COMMIT")
                    try await connection.execute("UPDATE \(identifier: schema).doctors SET on_call = false WHERE name = \("bob")")
                }
            }
            await other.close()
            #expect(error.sqlState == PostgresError.serializationFailure, "\(error)")
            #expect(error.isRetriable)
            let onCall = try await client.query("SELECT count(*) FROM \(identifier: schema).doctors WHERE on_call")
            #expect(try onCall[0].decode(Int.self, at: 0) == 1)
        }
    }
}
