import Cryptography
import Testing

/// RFC 4231 test cases 1-7 for HMAC-SHA-256 (keys and data in hex, as the RFC prints them).
@Suite struct HMACSHA256Tests {
    struct Case: Sendable, CustomTestStringConvertible {
        let number: Int
        let keyHex: String
        let dataHex: String
        let macHex: String
        var testDescription: String { "RFC 4231 test case \(number)" }
    }

    static let cases: [Case] = [
        Case(
            number: 1, keyHex: String(repeating: "0b", count: 20), dataHex: "4869205468657265",
            macHex: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        Case(
            number: 2, keyHex: "4a656665",
            dataHex: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
            macHex: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        Case(
            number: 3, keyHex: String(repeating: "aa", count: 20), dataHex: String(repeating: "dd", count: 50),
            macHex: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        Case(
            number: 4, keyHex: "0102030405060708090a0b0c0d0e0f10111213141516171819",
            dataHex: String(repeating: "cd", count: 50),
            macHex: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        // Test case 5 is truncated to 128 bits.
        Case(
            number: 5, keyHex: String(repeating: "0c", count: 20),
            dataHex: "546573742057697468205472756e636174696f6e",
            macHex: "a3b6167473100ee06e0c796c2955552b"),
        Case(
            number: 6, keyHex: String(repeating: "aa", count: 131),
            dataHex: "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048"
                + "617368204b6579204669727374",
            macHex: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        Case(
            number: 7, keyHex: String(repeating: "aa", count: 131),
            dataHex: "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d"
                + "73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174"
                + "612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e"
                + "6720757365642062792074686520484d414320616c676f726974686d2e",
            macHex: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: cases)
    func rfc4231(_ testCase: Case) throws {
        let mac = HMACSHA256.authenticationCode(
            key: try Hex.decode(testCase.keyHex), message: try Hex.decode(testCase.dataHex))
        #expect(mac.count == HMACSHA256.byteCount)
        let expected = try Hex.decode(testCase.macHex)
        #expect(Array(mac.prefix(expected.count)) == expected)
    }

    @Test func stringOverloadUsesUTF8() {
        #expect(
            Hex.encode(HMACSHA256.authenticationCode(key: "Jefe", message: "what do ya want for nothing?"))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func emptyKeyAndMessage() {
        // HMAC-SHA256("", "") as computed by Python's hmac module.
        #expect(
            Hex.encode(HMACSHA256.authenticationCode(key: [UInt8](), message: [UInt8]()))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}
