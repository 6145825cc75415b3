import Foundation
import Postgres
import Testing

@Suite("Typed values round-trip through PostgreSQL")
struct ValueRoundTripTests {
    @Test("every PostgresValue kind is stored and read back unchanged")
    func everyKindRoundTrips() async throws {
        try await PG.withSchema { client, schema in
            try await client.execute(
                """
                CREATE TABLE \(identifier: schema).everything (
                    b boolean, i2 smallint, i4 integer, i8 bigint, t text, bin bytea, ts timestamptz, u uuid,
                    j jsonb, n numeric, ai bigint[], at text[], ab boolean[], nothing text
                )
                """)
            let text = "héllo 世界 🎉 'single' \"double\" back\\slash, comma {brace} \t tab\nnewline"
            let bytes: [UInt8] = [0, 1, 0, 255, 92, 39, 34, 0]
            let instant = Date(timeIntervalSince1970: 1_700_000_000.123456)
            let uuid = UUID()
            let json = "{\"a\": [1, \"x\\\"y\"], \"b\": null}"
            let numeric = "12345678901234567890.123456789"
            let int64s: [Int64?] = [1, nil, Int64.min, Int64.max, 0]
            let strings: [String?] = [
                "a,b", "{c}", "\"q\"", "back\\slash", "NULL", "", " spaced ", nil, "multi\nline", "tab\t", "ünï", "\\\"",
            ]
            let bools: [Bool?] = [true, nil, false]
            let inserted = try await client.execute(
                """
                INSERT INTO \(identifier: schema).everything VALUES (
                    \(true), \(Int16.min), \(Int32.max), \(Int64.min), \(text), \(bytes), \(instant), \(uuid),
                    \(PostgresValue.jsonb(json)), \(PostgresValue.numeric(numeric)), \(int64s), \(strings), \(bools),
                    \(PostgresValue.null))
                """)
            #expect(inserted == 1)
            let row = try #require(try await client.query("SELECT * FROM \(identifier: schema).everything").first)
            #expect(try row.decode(Bool.self, column: "b") == true)
            #expect(try row.decode(Int16.self, column: "i2") == Int16.min)
            #expect(try row.decode(Int32.self, column: "i4") == Int32.max)
            #expect(try row.decode(Int64.self, column: "i8") == Int64.min)
            #expect(try row.decode(String.self, column: "t") == text)
            #expect(try row.decode([UInt8].self, column: "bin") == bytes)
            let decodedInstant = try row.decode(Date.self, column: "ts")
            #expect(abs(decodedInstant.timeIntervalSince(instant)) < 0.000_001)
            #expect(try row.decode(UUID.self, column: "u") == uuid)
            #expect(try row.decode(String.self, column: "j") == json)
            #expect(try row.decode(String.self, column: "n") == numeric)
            #expect(try row.decode([Int64?].self, column: "ai") == int64s)
            #expect(try row.decode([String?].self, column: "at") == strings)
            #expect(try row.decode([Bool?].self, column: "ab") == bools)
            #expect(try row.decode(String?.self, column: "nothing") == nil)
            #expect(try row.isNull(column: "nothing"))
            #expect(throws: PostgresError.self) { try row.decode([Int64].self, column: "ai") }  // has a NULL element

            // The server sees exactly the values we meant.
            let check = try await client.query(
                """
                SELECT t = \(text) AS same_text, length(bin) AS byte_count, array_length(at, 1) AS strings,
                       at[8] IS NULL AS eighth_null, at[5] = 'NULL' AS fifth_word, ts = \(instant) AS same_instant
                FROM \(identifier: schema).everything
                """)[0]
            #expect(try check.decode(Bool.self, column: "same_text"))
            #expect(try check.decode(Int.self, column: "byte_count") == bytes.count)
            #expect(try check.decode(Int.self, column: "strings") == strings.count)
            #expect(try check.decode(Bool.self, column: "eighth_null"))
            #expect(try check.decode(Bool.self, column: "fifth_word"))
            #expect(try check.decode(Bool.self, column: "same_instant"))
        }
    }

    @Test("plain Swift values bind and decode: Int, String, Optional, arrays, dates far from now")
    func swiftValues() async throws {
        try await PG.withClient { client in
            let none: Int? = nil
            let row = try await client.query(
                """
                SELECT \(7) + 1 AS int, \("ab") || 'c' AS text, \(none)::bigint AS missing, \([1, 2, 3])::bigint[] AS ints,
                       \(["x", "y"]) AS strings, \([UInt8]())::bytea AS empty, \(Substring("sub")) AS sub,
                       '{}'::text[] AS no_strings
                """)[0]
            #expect(try row.decode(Int.self, column: "int") == 8)
            #expect(try row.decode(String.self, column: "text") == "abc")
            #expect(try row.decode(Int?.self, column: "missing") == nil)
            #expect(try row.decode([Int].self, column: "ints") == [1, 2, 3])
            #expect(try row.decode([String].self, column: "strings") == ["x", "y"])
            #expect(try row.decode([UInt8].self, column: "empty") == [])
            #expect(try row.decode(String.self, column: "sub") == "sub")
            #expect(try row.decode([String].self, column: "no_strings") == [])

            let instants = [
                Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -2_208_988_800.5),  // 1900
                Date(timeIntervalSince1970: -62_135_596_800 - 86_400),  // 31 Dec 1 BC
                Date(timeIntervalSince1970: 253_402_300_799.999_999),  // 9999-12-31 23:59:59.999999
                Date(timeIntervalSince1970: -0.25),
            ]
            for instant in instants {
                let back = try await client.query(
                    "SELECT \(instant)::timestamptz AS at, \(instant)::timestamptz::text AS shown")[0]
                let decoded = try back.decode(Date.self, column: "at")
                let shown = try back.decode(String.self, column: "shown")
                #expect(abs(decoded.timeIntervalSince(instant)) < 0.000_002, "\(shown)")
            }
            let epoch = try await client.query("SELECT \(Date(timeIntervalSince1970: 0))::timestamptz::text")[0]
            #expect(try epoch.decode(String.self, at: 0) == "1970-01-01 00:00:00+00")
            let bc = try await client.query("SELECT '0044-03-15 12:00:00+00 BC'::timestamptz AS t, '2024-02-29'::date AS d")[0]
            #expect(try bc.decode(Date.self, column: "t").timeIntervalSince1970 == -63_517_780_800)
            #expect(try bc.decode(Date.self, column: "d").timeIntervalSince1970 == 1_709_164_800)
        }
    }
}
