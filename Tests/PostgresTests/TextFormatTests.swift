import Foundation
import Testing

@testable import Postgres

@Suite("Text formats (no database)")
struct TextFormatTests {
    @Test("array literals quote and escape every element and parse back")
    func arrayLiterals() throws {
        let elements: [String?] = ["plain", "a,b", "{x}", "\"q\"", "\\", "NULL", "", nil, "sp ace"]
        let literal = PostgresTextFormat.arrayLiteral(elements)
        #expect(literal == #"{"plain","a,b","{x}","\"q\"","\\","NULL","",NULL,"sp ace"}"#)
        #expect(try PostgresTextFormat.parseArrayLiteral(literal) == elements)
        #expect(try PostgresTextFormat.parseArrayLiteral("{1,NULL,3}") == ["1", nil, "3"])
        #expect(try PostgresTextFormat.parseArrayLiteral("{}") == [])
        #expect(throws: PostgresDecodingFailure.self) { try PostgresTextFormat.parseArrayLiteral("{{1},{2}}") }
        #expect(throws: PostgresDecodingFailure.self) { try PostgresTextFormat.parseArrayLiteral("[0:1]={1,2}") }
    }

    @Test("long and non-ASCII elements, with and without characters to escape")
    func arrayLiteralsOfLongElements() throws {
        let plain = String(repeating: "order-0123456789", count: 4)
        let quoted = "a \"quoted\" word in an element longer than sixteen bytes \\ with a backslash"
        let chinese = "新年快乐，恭喜发财"
        let chineseQuoted = "新年\"快乐\""
        let elements: [String?] = [plain, quoted, chinese, chineseQuoted, nil, plain]
        let literal = PostgresTextFormat.arrayLiteral(elements)
        let escaped = #""a \"quoted\" word in an element longer than sixteen bytes \\ with a backslash""#
        #expect(literal == "{\"\(plain)\",\(escaped),\"\(chinese)\",\"新年\\\"快乐\\\"\",NULL,\"\(plain)\"}")
        #expect(try PostgresTextFormat.parseArrayLiteral(literal) == elements)
    }

    @Test("timestamps format in UTC with microseconds and parse every ISO form PostgreSQL prints")
    func timestamps() throws {
        #expect(PostgresTextFormat.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01 00:00:00.000000+00")
        #expect(PostgresTextFormat.timestamp(Date(timeIntervalSince1970: -0.5)) == "1969-12-31 23:59:59.500000+00")
        #expect(PostgresTextFormat.timestamp(Date(timeIntervalSince1970: -62_135_596_800 - 1)) == "0001-12-31 23:59:59.000000+00 BC")
        let parse = PostgresTextFormat.parseTimestamp
        #expect(try parse("1970-01-01 00:00:00+00").timeIntervalSince1970 == 0)
        #expect(try parse("1970-01-01 08:00:00+08").timeIntervalSince1970 == 0)
        #expect(try parse("1970-01-01 00:00:00-05:30").timeIntervalSince1970 == 19_800)
        #expect(try parse("2000-01-01 00:00:00.25").timeIntervalSince1970 == 946_684_800.25)
        #expect(try parse("2024-02-29").timeIntervalSince1970 == 1_709_164_800)
        #expect(throws: PostgresDecodingFailure.self) { try parse("infinity") }
        #expect(throws: PostgresDecodingFailure.self) { try parse("2024-13-01 00:00:00+00") }
    }

    @Test("bytea hex round-trips")
    func bytea() throws {
        let bytes: [UInt8] = [0, 15, 16, 255]
        #expect(PostgresTextFormat.byteaHex(bytes) == "\\x000f10ff")
        #expect(try PostgresTextFormat.parseByteaHex("\\x000F10ff") == bytes)
        #expect(throws: PostgresDecodingFailure.self) { try PostgresTextFormat.parseByteaHex("\\x0") }
    }
}
