import Foundation
import Postgres
import Testing

@Suite("Multi-row batch writes")
struct BatchWriteTests {
    static let rowCount = 10_000

    /// Labels that exercise COPY's escaping: tabs, newlines, backslashes, the text "\N", and real NULLs.
    static func label(_ index: Int) -> String? {
        switch index % 7 {
        case 0: return nil
        case 1: return "tab\there"
        case 2: return "line\nbreak\r"
        case 3: return "back\\slash \\N"
        case 4: return "ünïcødé 支付"
        default: return "row-\(index)"
        }
    }

    @Test("COPY writes 10,000 rows, verified by count, sum and content")
    func copyTenThousandRows() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute(
                "CREATE TABLE \(identifier: schema).ledger (id bigint PRIMARY KEY, label text, amount bigint NOT NULL, at timestamptz)")
            let now = Date()
            let rows: [[PostgresValue]] = (1...Self.rowCount).map { index in
                [.int64(Int64(index)), Self.label(index).map(PostgresValue.text) ?? .null, .int64(Int64(index * 3)), .timestamptz(now)]
            }
            let copied = try await client.withConnection { connection in
                try await connection.copyFrom(
                    schema: schema, table: "ledger", columns: ["id", "label", "amount", "at"], rows: rows)
            }
            #expect(copied == Self.rowCount)
            let totals = try await client.query(
                "SELECT count(*) AS n, sum(amount) AS total, count(label) AS labelled FROM \(identifier: schema).ledger")[0]
            #expect(try totals.decode(Int.self, column: "n") == Self.rowCount)
            #expect(try totals.decode(Int64.self, column: "total") == Int64(3 * Self.rowCount * (Self.rowCount + 1) / 2))
            #expect(try totals.decode(Int.self, column: "labelled") == (1...Self.rowCount).filter { Self.label($0) != nil }.count)
            for id in 1...7 {
                let row = try await client.query("SELECT label FROM \(identifier: schema).ledger WHERE id = \(id)")[0]
                #expect(try row.decode(String?.self, column: "label") == Self.label(id))
            }
        }
    }

    @Test("unnest over array parameters inserts 10,000 rows in one statement")
    func unnestTenThousandRows() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute(
                "CREATE TABLE \(identifier: schema).transfers (id bigint PRIMARY KEY, memo text, amount bigint NOT NULL, settled boolean)")
            let ids = (1...Self.rowCount).map { Int64($0) }
            let memos = (1...Self.rowCount).map { Self.label($0) }
            let amounts = (1...Self.rowCount).map { Int64($0 * 7) }
            let settled = (1...Self.rowCount).map { $0 % 2 == 0 }
            let inserted = try await client.execute(
                """
                INSERT INTO \(identifier: schema).transfers (id, memo, amount, settled)
                SELECT * FROM unnest(\(ids)::bigint[], \(memos)::text[], \(amounts)::bigint[], \(settled)::boolean[])
                """)
            #expect(inserted == Self.rowCount)
            let totals = try await client.query(
                """
                SELECT count(*) AS n, sum(amount) AS total, count(*) FILTER (WHERE settled) AS settled
                FROM \(identifier: schema).transfers
                """)[0]
            #expect(try totals.decode(Int.self, column: "n") == Self.rowCount)
            #expect(try totals.decode(Int64.self, column: "total") == amounts.reduce(0, +))
            #expect(try totals.decode(Int.self, column: "settled") == Self.rowCount / 2)
            let labels = try await client.query(
                "SELECT id, memo FROM \(identifier: schema).transfers WHERE id = ANY(\([Int64](1...7))) ORDER BY id")
            #expect(try labels.map { try $0.decode(String?.self, column: "memo") } == (1...7).map(Self.label))
        }
    }

    @Test("a COPY with a value it cannot write copies nothing and leaves the connection usable")
    func copyIsAllOrNothing() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute("CREATE TABLE \(identifier: schema).items (id bigint, label text)")
            try await client.withConnection { connection in
                let rows: [[PostgresValue]] = [[.int64(1), .text("fine")], [.int64(2), .text("zero\u{0}byte")]]
                let error = try await #require(throws: PostgresError.self) {
                    try await connection.copyFrom(schema: schema, table: "items", columns: ["id", "label"], rows: rows)
                }
                #expect(error.code == .encoding)
                let wrongWidth = try await #require(throws: PostgresError.self) {
                    try await connection.copyFrom(schema: schema, table: "items", columns: ["id", "label"], rows: [[.int64(1)]])
                }
                #expect(wrongWidth.code == .encoding)
                let missingTable = try await #require(throws: PostgresError.self) {
                    try await connection.copyFrom(schema: schema, table: "absent", columns: ["id"], rows: [[.int64(1)]])
                }
                #expect(missingTable.sqlState == PostgresError.undefinedTable)
                let count = try await connection.query("SELECT count(*) FROM \(identifier: schema).items")
                #expect(try count[0].decode(Int.self, at: 0) == 0)
            }
        }
    }
}
