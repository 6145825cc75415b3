import Foundation
import Testing
@testable import PaystreamCore

@Suite("Strict JSON")
struct StrictJSONTests {
    @Test func parsesEveryJSONType() throws {
        let value = try JSONParser.parse(Array(#" {"a":[1,-2.5e3,true,false,null,"x\u00e9\ud83d\ude00\n"],"b":{}} "#.utf8))
        #expect(
            value
                == .object([
                    "a": .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null, .string("xé😀\n")]),
                    "b": .object([:]),
                ]))
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-", "+1", "1e", "1e+",
        "NaN", "'a'", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\nb\"", "tru", "nul",
        "{\"a\":1,\"a\":2}", "[1] [2]", "\u{FEFF}{}", "\"\\u12G4\"",
    ])
    func refusesMalformedInput(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func refusesInvalidUTF8AndLimits() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xC3, 0x22]) }
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(deep.utf8), maxDepth: 32) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array("[1,2,3]".utf8), maxBytes: 3) }
    }

    @Test func stringsWithAndWithoutEscapesRoundTrip() throws {
        // Strings without an escape are taken from the input as they are; any escape switches to byte-by-byte
        // decoding after the bytes before it. Both must give the string that was written.
        let alphabet: [String] = ["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "é", "中", "😀", "\u{7F}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let text = (0..<Int.random(in: 0...24, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined()
            #expect(try JSONParser.parse(JSONWriter.write(.string(text))) == .string(text), "\(text.debugDescription)")
        }
        #expect(try JSONParser.parse(Array(#""plain, long enough to need storage: 0123456789""#.utf8)) == .string("plain, long enough to need storage: 0123456789"))
    }

    @Test func stringFailuresSayWhere() {
        func offset(_ bytes: [UInt8]) -> Int? {
            do { _ = try JSONParser.parse(bytes) } catch { return error.offset }
            return nil
        }
        #expect(offset(Array(#""abc"#.utf8)) == 4)  // unterminated: at the end
        #expect(offset(Array(#""ab\n"#.utf8)) == 5)  // unterminated after an escape: at the end
        #expect(offset([0x22, 0x61, 0x0A, 0x62, 0x22]) == 3)  // raw line feed: just after it
        #expect(offset([0x22, 0xFF, 0x5C, 0x6E, 0x22]) == 5)  // invalid UTF-8 before an escape: after the string
        #expect(offset([0x22, 0x61, 0xC3, 0x22]) == 4)  // invalid UTF-8, no escape: after the string
    }

    @Test func writerIsCanonicalAndRoundTrips() throws {
        let value = JSONValue.object([
            "z": .number("1"), "a": .string("quote\" backslash\\ tab\t nul\u{0} é"), "m": .array([.null, .bool(true)]),
        ])
        let bytes = JSONWriter.write(value)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == #"{"a":"quote\" backslash\\ tab\t nul\u0000 é","m":[null,true],"z":1}"#)
        #expect(try JSONParser.parse(bytes) == value)
    }

    @Test func integerTokens() {
        #expect(JSONValue.integer(fromToken: "0", as: Int64.self) == 0)
        #expect(JSONValue.integer(fromToken: "-5", as: Int64.self) == -5)
        #expect(JSONValue.integer(fromToken: "-9223372036854775808", as: Int64.self) == .min)
        for token in ["-0", "01", "1.0", "1e3", "9223372036854775808", "", "-"] {
            #expect(JSONValue.integer(fromToken: token, as: Int64.self) == nil, "\(token)")
        }
    }

    struct Sample: Codable, Equatable {
        var id: Int64
        var name: String
        var ratio: Double
        var tags: [String]
        var note: String?
        var nested: [String: Int]
    }

    @Test func decodesCodableTypes() throws {
        let json = #"{"id":42,"name":"n","ratio":0.5,"tags":["a","b"],"note":null,"nested":{"x":1}}"#
        let sample = try StrictJSONDecoder().decode(Sample.self, from: Array(json.utf8))
        #expect(sample == Sample(id: 42, name: "n", ratio: 0.5, tags: ["a", "b"], note: nil, nested: ["x": 1]))
        // What Foundation encodes, the strict decoder reads back.
        let encoded = try JSONEncoder().encode(sample)
        #expect(try StrictJSONDecoder().decode(Sample.self, from: encoded) == sample)
    }

    @Test func refusesFloatTokensForIntegers() {
        for json in [
            #"{"id":1e3,"name":"n","ratio":1,"tags":[],"nested":{}}"#,
            #"{"id":42.0,"name":"n","ratio":1,"tags":[],"nested":{}}"#,
            #"{"id":"42","name":"n","ratio":1,"tags":[],"nested":{}}"#,
            #"{"name":"n","ratio":1,"tags":[],"nested":{}}"#,
        ] {
            #expect(throws: DecodingError.self) { try StrictJSONDecoder().decode(Sample.self, from: Array(json.utf8)) }
        }
    }
}

@Suite("ISO-8601 timestamps")
struct ISO8601TimestampTests {
    @Test func formatsUTCWithMilliseconds() {
        #expect(ISO8601Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(ISO8601Timestamp.format(Fixture.time) == "2024-05-01T12:00:00.250Z")
        #expect(ISO8601Timestamp.format(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        #expect(ISO8601Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
    }

    @Test(arguments: [
        ("2024-05-01T12:00:00.250Z", 1_714_564_800_250 as Int64), ("2024-05-01T12:00:00Z", 1_714_564_800_000),
        ("2024-05-01T12:00:00.2Z", 1_714_564_800_200), ("2024-05-01T12:00:00.123456789Z", 1_714_564_800_123),
        ("2024-05-01T20:00:00.250+08:00", 1_714_564_800_250), ("2024-05-01T11:30:00.250-00:30", 1_714_564_800_250),
        ("0001-01-01T00:00:00Z", -62_135_596_800_000), ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
    ])
    func parses(text: String, milliseconds: Int64) throws {
        let date = try #require(ISO8601Timestamp.parse(text))
        #expect(ISO8601Timestamp.milliseconds(of: date) == milliseconds)
    }

    @Test(arguments: [
        "", "2024-05-01", "2024-05-01 12:00:00Z", "2024-05-01T12:00:00", "2024-02-30T00:00:00Z",
        "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z",
        "2024-05-01T12:00:60Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00.1234567890Z", "2024-05-01t12:00:00z",
        "0000-01-01T00:00:00Z", "2024-05-01T12:00:00+0800", "2024-05-01T12:00:00Z ", "+2024-05-01T12:00:00Z",
    ])
    func refuses(text: String) {
        #expect(ISO8601Timestamp.parse(text) == nil)
    }

    @Test func roundTripsEveryMillisecondPrecisionDate() throws {
        var random = SeededGenerator(seed: 11)
        for _ in 0..<5000 {
            let ms = Int64.random(in: ISO8601Timestamp.representableMilliseconds, using: &random)
            let date = ISO8601Timestamp.date(fromMilliseconds: ms)
            let text = ISO8601Timestamp.format(date)
            let parsed = try #require(ISO8601Timestamp.parse(text), "\(text)")
            #expect(parsed == date, "\(text)")
            #expect(ISO8601Timestamp.milliseconds(of: parsed) == ms)
        }
    }

    @Test func civilDaysAgreeWithEachOther() {
        for days in stride(from: Int64(-800_000), through: 3_000_000, by: 997) {
            let (y, m, d) = ISO8601Timestamp.civil(fromDays: days)
            #expect(ISO8601Timestamp.daysFromCivil(year: y, month: m, day: d) == days)
        }
    }
}
