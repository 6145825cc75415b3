import Cryptography
import Testing

@Suite struct EncodingAndRandomTests {
    @Test func hexRoundTripAndCase() throws {
        let bytes: [UInt8] = [0x00, 0x0f, 0xa5, 0xff]
        #expect(Hex.encode(bytes) == "000fa5ff")
        #expect(Hex.encode(bytes, uppercase: true) == "000FA5FF")
        #expect(try Hex.decode("000fA5Ff") == bytes)
        #expect(try Hex.decode("") == [])
    }

    @Test(arguments: ["0", "abc", "zz", "0x00", "00 11", "ü0"])
    func malformedHexThrows(_ text: String) {
        let error = #expect(throws: CryptoError.self) { try Hex.decode(text) }
        #expect(error?.code == .invalidEncoding)
    }

    @Test func base64RoundTrip() throws {
        #expect(Base64.encode(Array("Hello World".utf8)) == "SGVsbG8gV29ybGQ=")
        #expect(try Base64.decode("SGVsbG8gV29ybGQ=") == Array("Hello World".utf8))
        #expect(try Base64.decode("") == [])
    }

    @Test(arguments: ["SGVsbG8gV29ybGQ", "SGVs bG8=", "SGVsbG8_V29ybGQ=", "%%%%"])
    func malformedBase64Throws(_ text: String) {
        let error = #expect(throws: CryptoError.self) { try Base64.decode(text) }
        #expect(error?.code == .invalidEncoding)
    }

    @Test func secureRandomGivesFreshBytesOfTheRequestedLength() {
        #expect(SecureRandom.bytes(count: 0).isEmpty)
        let first = SecureRandom.bytes(count: 32)
        let second = SecureRandom.bytes(count: 32)
        #expect(first.count == 32)
        #expect(first != second)
    }

    @Test func constantTimeEqualsComparesContentAndLength() {
        #expect(constantTimeEquals([UInt8](), [UInt8]()))
        #expect(constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!constantTimeEquals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(!constantTimeEquals([1, 2] as [UInt8], [1, 2, 0] as [UInt8]))
        #expect(constantTimeEquals("9A0A8659F005D6984697E2CA0A9CF3B7", "9A0A8659F005D6984697E2CA0A9CF3B7"))
        #expect(!constantTimeEquals("9A0A8659F005D6984697E2CA0A9CF3B7", "9a0a8659f005d6984697e2ca0a9cf3b7"))
    }

    @Test func errorDescriptionNamesCodeAndReason() {
        do {
            _ = try Hex.decode("abc")
            Issue.record("expected an error")
        } catch let error as CryptoError {
            #expect(error.code == .invalidEncoding)
            #expect(error.description.contains("invalidEncoding"))
            #expect(error.description.contains("odd number"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
