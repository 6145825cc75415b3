import Cryptography
import Testing

/// AES-256-GCM against the McGrew–Viega GCM specification test cases 13-18 (the 256-bit-key cases, also in
/// NIST's GCM validation material), plus tamper and argument checks.
@Suite struct AESGCMTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let number: Int
        let keyHex: String
        let nonceHex: String
        let plaintextHex: String
        let aadHex: String
        let ciphertextHex: String
        let tagHex: String
        var testDescription: String { "GCM test case \(number)" }
    }

    static let zeroKey = String(repeating: "00", count: 32)
    static let key = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
    static let plaintext64 =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
    static let plaintext60 = String(plaintext64.dropLast(8))
    static let aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2"

    static let cases: [Case] = [
        Case(
            number: 13, keyHex: zeroKey, nonceHex: "000000000000000000000000", plaintextHex: "", aadHex: "",
            ciphertextHex: "", tagHex: "530f8afbc74536b9a963b4f1c4cb738b"),
        Case(
            number: 14, keyHex: zeroKey, nonceHex: "000000000000000000000000",
            plaintextHex: "00000000000000000000000000000000", aadHex: "",
            ciphertextHex: "cea7403d4d606b6e074ec5d3baf39d18", tagHex: "d0d1c8a799996bf0265b98b5d48ab919"),
        Case(
            number: 15, keyHex: key, nonceHex: "cafebabefacedbaddecaf888", plaintextHex: plaintext64, aadHex: "",
            ciphertextHex: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            tagHex: "b094dac5d93471bdec1a502270e3cc6c"),
        Case(
            number: 16, keyHex: key, nonceHex: "cafebabefacedbaddecaf888", plaintextHex: plaintext60, aadHex: aad,
            ciphertextHex: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tagHex: "76fc6ece0f4e1768cddf8853bb2d551b"),
        // 8-byte IV.
        Case(
            number: 17, keyHex: key, nonceHex: "cafebabefacedbad", plaintextHex: plaintext60, aadHex: aad,
            ciphertextHex: "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0"
                + "feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f",
            tagHex: "3a337dbf46a792c45e454913fe2ea8f2"),
        // 60-byte IV.
        Case(
            number: 18, keyHex: key,
            nonceHex: "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
                + "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
            plaintextHex: plaintext60, aadHex: aad,
            ciphertextHex: "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
                + "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
            tagHex: "a44a8266ee1c8eb0c8b5d4cf5ae9f19a"),
    ]

    @Test(arguments: cases)
    func sealMatchesPublishedVector(_ testCase: Case) throws {
        let box = try AES256GCM.seal(
            try Hex.decode(testCase.plaintextHex), key: try Hex.decode(testCase.keyHex),
            nonce: try Hex.decode(testCase.nonceHex), authenticating: try Hex.decode(testCase.aadHex))
        #expect(Hex.encode(box.ciphertext) == testCase.ciphertextHex)
        #expect(Hex.encode(box.tag) == testCase.tagHex)
        #expect(Hex.encode(box.nonce) == testCase.nonceHex)
    }

    @Test(arguments: cases)
    func openReturnsPublishedPlaintext(_ testCase: Case) throws {
        let plaintext = try AES256GCM.open(
            ciphertext: try Hex.decode(testCase.ciphertextHex), tag: try Hex.decode(testCase.tagHex),
            key: try Hex.decode(testCase.keyHex), nonce: try Hex.decode(testCase.nonceHex),
            authenticating: try Hex.decode(testCase.aadHex))
        #expect(Hex.encode(plaintext) == testCase.plaintextHex)
    }

    @Test(arguments: cases)
    func anyFlippedBitFailsAuthentication(_ testCase: Case) throws {
        let key = try Hex.decode(testCase.keyHex)
        let nonce = try Hex.decode(testCase.nonceHex)
        let aad = try Hex.decode(testCase.aadHex)
        let ciphertext = try Hex.decode(testCase.ciphertextHex)
        let tag = try Hex.decode(testCase.tagHex)

        var badTag = tag
        badTag[badTag.count - 1] ^= 0x01
        expectAuthenticationFailure {
            try AES256GCM.open(ciphertext: ciphertext, tag: badTag, key: key, nonce: nonce, authenticating: aad)
        }

        if !ciphertext.isEmpty {
            var badCiphertext = ciphertext
            badCiphertext[0] ^= 0x80
            expectAuthenticationFailure {
                try AES256GCM.open(ciphertext: badCiphertext, tag: tag, key: key, nonce: nonce, authenticating: aad)
            }
        }

        var badAAD = aad
        if badAAD.isEmpty { badAAD = [0x00] } else { badAAD[0] ^= 0x01 }
        expectAuthenticationFailure {
            try AES256GCM.open(ciphertext: ciphertext, tag: tag, key: key, nonce: nonce, authenticating: badAAD)
        }

        var badNonce = nonce
        badNonce[0] ^= 0x01
        expectAuthenticationFailure {
            try AES256GCM.open(ciphertext: ciphertext, tag: tag, key: key, nonce: badNonce, authenticating: aad)
        }

        var badKey = key
        badKey[31] ^= 0x01
        expectAuthenticationFailure {
            try AES256GCM.open(ciphertext: ciphertext, tag: tag, key: badKey, nonce: nonce, authenticating: aad)
        }
    }

    @Test func roundTripWithRandomNonce() throws {
        let key = SecureRandom.bytes(count: AES256GCM.keyByteCount)
        let message = Array("card token 6222 **** 0001".utf8)
        let aad = Array("key-version:3".utf8)
        let first = try AES256GCM.seal(message, key: key, authenticating: aad)
        let second = try AES256GCM.seal(message, key: key, authenticating: aad)
        #expect(first.nonce.count == AES256GCM.nonceByteCount)
        #expect(first.tag.count == AES256GCM.tagByteCount)
        #expect(first.nonce != second.nonce)
        #expect(first.ciphertext != second.ciphertext)
        #expect(try AES256GCM.open(first, key: key, authenticating: aad) == message)
        #expect(
            try AES256GCM.open(
                ciphertextAndTag: second.ciphertextAndTag, key: key, nonce: second.nonce, authenticating: aad)
                == message)
    }

    @Test func largeMessageRoundTrips() throws {
        let key = SecureRandom.bytes(count: 32)
        let message = SecureRandom.bytes(count: 3 * 1024 * 1024 + 7)
        let box = try AES256GCM.seal(message, key: key)
        #expect(box.ciphertext.count == message.count)
        #expect(try AES256GCM.open(box, key: key) == message)
    }

    @Test(arguments: [0, 16, 24, 31, 33, 64])
    func wrongKeyLengthThrows(length: Int) throws {
        let key = [UInt8](repeating: 7, count: length)
        let sealError = #expect(throws: CryptoError.self) { try AES256GCM.seal([1, 2, 3], key: key) }
        #expect(sealError?.code == .invalidLength)
        let openError = #expect(throws: CryptoError.self) {
            try AES256GCM.open(
                ciphertext: [1], tag: [UInt8](repeating: 0, count: 16), key: key,
                nonce: [UInt8](repeating: 0, count: 12))
        }
        #expect(openError?.code == .invalidLength)
    }

    @Test func emptyNonceAndShortTagThrow() throws {
        let key = [UInt8](repeating: 1, count: 32)
        let nonceError = #expect(throws: CryptoError.self) { try AES256GCM.seal([1], key: key, nonce: []) }
        #expect(nonceError?.code == .invalidLength)
        let box = try AES256GCM.seal([1, 2, 3], key: key)
        let tagError = #expect(throws: CryptoError.self) {
            try AES256GCM.open(ciphertext: box.ciphertext, tag: Array(box.tag.prefix(12)), key: key, nonce: box.nonce)
        }
        #expect(tagError?.code == .invalidLength)
        let combinedError = #expect(throws: CryptoError.self) {
            try AES256GCM.open(ciphertextAndTag: [UInt8](repeating: 0, count: 15), key: key, nonce: box.nonce)
        }
        #expect(combinedError?.code == .invalidLength)
    }

    @Test func aes128IsSeparateAndStrict() throws {
        let key16 = [UInt8](repeating: 9, count: 16)
        let box = try AES128GCM.seal([1, 2, 3], key: key16)
        #expect(
            try AES128GCM.open(ciphertext: box.ciphertext, tag: box.tag, key: key16, nonce: box.nonce) == [1, 2, 3])
        let error = #expect(throws: CryptoError.self) { try AES128GCM.seal([1], key: [UInt8](repeating: 9, count: 32)) }
        #expect(error?.code == .invalidLength)
    }

    private func expectAuthenticationFailure(
        sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> [UInt8]
    ) {
        var plaintext: [UInt8]?
        let error = #expect(throws: CryptoError.self, sourceLocation: sourceLocation) { plaintext = try body() }
        #expect(error?.code == .authenticationFailed, sourceLocation: sourceLocation)
        #expect(plaintext == nil, sourceLocation: sourceLocation)
    }
}
