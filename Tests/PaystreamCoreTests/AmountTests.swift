import Foundation
import Testing
@testable import PaystreamCore

@Suite("Amount")
struct AmountTests {
    @Test(arguments: [
        ("12.34", Int64(1234)), ("0.01", 1), ("5", 500), ("5.5", 550), ("0", 0), ("0.0", 0), ("0.00", 0),
        ("10", 1000), ("10.05", 1005), ("123456789.99", 12_345_678_999),
        ("92233720368547758.07", Int64.max),
    ])
    func parsesYuanExactly(text: String, fen: Int64) throws {
        #expect(try Amount.parseYuan(text).fen == fen)
    }

    @Test(arguments: [
        "12.345", "-1", "1e3", "", " 1", "1 ", "01", "00", "00.5", "1.", ".5", "+1", "1,00", "１", "0x10", "1..2",
        "1.2.3", "NaN", "inf", "1.-1", "1.+1", "٣", "1_000", "0.001", "5.50.",
    ])
    func rejectsMalformedYuan(text: String) {
        #expect(throws: MoneyError.self) { try Amount.parseYuan(text) }
        do {
            _ = try Amount.parseYuan(text)
        } catch {
            #expect(error.code == "amount.malformed", "\(text): \(error)")
        }
    }

    @Test(arguments: ["92233720368547758.08", "92233720368547759", "99999999999999999999999", String(repeating: "9", count: 400)])
    func rejectsOverflowWithoutWrapping(text: String) {
        do {
            let amount = try Amount.parseYuan(text)
            Issue.record("parsed \(text) as \(amount.fen)")
        } catch {
            #expect(error.code == "amount.overflow")
        }
    }

    @Test func yuanStringAlwaysHasTwoDecimals() throws {
        #expect(try Amount.parseYuan("12.3").yuanString == "12.30")
        #expect(try Amount(fen: 5).yuanString == "0.05")
        #expect(try Amount(fen: 0).yuanString == "0.00")
        #expect(try Amount(fen: 100).yuanString == "1.00")
        #expect(try Amount(fen: Int64.max).yuanString == "92233720368547758.07")
        #expect(try Amount(fen: 1234).description == "12.34")
    }

    @Test func yuanStringRoundTripsThroughParse() throws {
        var random = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let fen = Int64.random(in: 0...Int64.max, using: &random) >> Int64.random(in: 0...62, using: &random)
            let amount = try Amount(fen: fen)
            #expect(try Amount.parseYuan(amount.yuanString) == amount)
        }
    }

    @Test func refusesNegativeFen() {
        do {
            _ = try Amount(fen: -1)
            Issue.record("accepted -1")
        } catch {
            #expect(error.code == "amount.negative")
        }
    }

    @Test func checkedArithmetic() throws {
        let one = try Amount(fen: 1)
        let max = try Amount(fen: .max)
        #expect(try one.adding(one).fen == 2)
        #expect(throws: MoneyError(code: "amount.overflow", message: "9223372036854775807 + 1 does not fit in Int64")) {
            try max.adding(one)
        }
        #expect(try max.subtracting(max) == .zero)
        do {
            _ = try one.subtracting(try Amount(fen: 2))
            Issue.record("went negative")
        } catch {
            #expect(error.code == "amount.negative")
        }
        #expect(one < max)
    }

    @Test func checkedSum() throws {
        #expect(try CheckedMath.sum([]) == 0)
        #expect(try CheckedMath.sum([5, -3, -2]) == 0)
        #expect(try CheckedMath.sum([.max, -1, 1]) == .max)
        #expect(throws: MoneyError.self) { try CheckedMath.sum([.max, 1]) }
        #expect(throws: MoneyError.self) { try CheckedMath.sum([.min, -1]) }
        #expect(throws: MoneyError.self) { try CheckedMath.subtract(.min, 1) }
    }

    @Test func encodesAsIntegerFen() throws {
        let data = try JSONEncoder().encode([try Amount(fen: 1234)])
        #expect(String(decoding: data, as: UTF8.self) == "[1234]")
    }

    @Test(arguments: ["1234", "0", "9223372036854775807"])
    func strictDecoderAcceptsIntegerTokens(json: String) throws {
        let amount = try StrictJSONDecoder().decode(Amount.self, from: Array(json.utf8))
        #expect(String(amount.fen) == json)
    }

    @Test(arguments: ["12.5", "1e3", "1E3", "12.0", "-1", "-0", "\"12\"", "9223372036854775808", "null", "true", "[1]", "1.0e2"])
    func strictDecoderRefusesEverythingElse(json: String) {
        #expect(throws: DecodingError.self) { try StrictJSONDecoder().decode(Amount.self, from: Array(json.utf8)) }
    }

    @Test func foundationDecoderStillRefusesFractionsAndNegatives() {
        for json in ["[12.5]", "[-1]", "[\"12\"]", "[9223372036854775808]"] {
            #expect(throws: (any Error).self) { try JSONDecoder().decode([Amount].self, from: Data(json.utf8)) }
        }
    }
}
