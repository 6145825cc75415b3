@testable import Cryptography
import Testing

/// Tests that fix the nonce (through the module's internal `seal(_:field:nonce:)`) so their outcome does not
/// depend on chance.
@Suite struct FieldCipherDeterministicTests {
    static let card = "6222020012345678"

    /// AES-256-GCM with data key 1 of the fixtures, nonce 00 01 ... 0b and associated data "v1.cards.number",
    /// computed with the Python `cryptography` package.
    @Test func sealMatchesAnIndependentComputation() throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyringVersion1())
        let sealed = try cipher.seal(Self.card, field: "cards.number", nonce: Array(0..<12))
        #expect(sealed == "v1.AAECAwQFBgcICQoLDDdeSke-dJDzILP2jdv7gyq1cCTUAE1Xw5VjhOkCnNw")
        #expect(try cipher.open(sealed, field: "cards.number") == Self.card)
    }

    /// The sealed text of a card number holds neither the number nor any run of 4 of its digits, and neither
    /// does the payload it encodes (so no decoding of the text shows them either), for many nonces.
    @Test(arguments: ["6222020012345678", "4111111111111111", "6217000010012345678"])
    func cardNumberDigitsNeverAppear(_ card: String) throws {
        let digits = Array(card)
        let runs = Set((0...(digits.count - 4)).map { String(digits[$0..<($0 + 4)]) })
        for keyring in [try FieldKeyFixtures.keyringVersion1(), try FieldKeyFixtures.keyring()] {
            let cipher = FieldCipher(keyring: keyring)
            for counter in 0..<64 {
                let nonce = Array(SHA256.hash("nonce \(counter)").prefix(12))
                let sealed = try cipher.seal(card, field: "cards.number", nonce: nonce)
                #expect(!sealed.contains(card))
                for run in runs {
                    #expect(!sealed.contains(run), "\(sealed) contains \(run)")
                }
                let payload = try Base64URL.decode(String(sealed.split(separator: ".")[1]))
                let ciphertext = payload.dropFirst(12).dropLast(16)
                #expect(ciphertext.count == card.utf8.count)
                for run in runs {
                    #expect(!Self.contains(payload, Array(run.utf8)), "payload contains \(run) as ASCII")
                }
                #expect(try cipher.open(sealed, field: "cards.number") == card)
            }
        }
    }

    /// The same check on random nonces, for the whole number (a chance match of all 16 digits is impossible in
    /// practice).
    @Test func randomSealsNeverHoldTheWholeNumber() throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        for _ in 0..<200 {
            let sealed = try cipher.seal(Self.card, field: "cards.number")
            #expect(!sealed.contains(Self.card))
            #expect(!Self.contains(try Base64URL.decode(String(sealed.dropFirst(3))), Array(Self.card.utf8)))
        }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
