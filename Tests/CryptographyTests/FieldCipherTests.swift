import Cryptography
import Testing

@Suite struct FieldCipherTests {
    static let card = "6222020012345678"

    @Test(arguments: [card, "110105194912310025", "13800138000", "张三", "Zhāng Sān 👩‍💻", "", " padded "])
    func roundTrip(_ plaintext: String) throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        let sealed = try cipher.seal(plaintext, field: "users.sensitive")
        #expect(try cipher.open(sealed, field: "users.sensitive") == plaintext)
        #expect(try !cipher.needsRotation(sealed))
        #expect(try FieldCipher.keyVersion(of: sealed) == 2)
    }

    @Test func textIsVersionDotBase64URLOfNonceCiphertextAndTag() throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        let sealed = try cipher.seal(Self.card, field: "cards.number")
        #expect(sealed.hasPrefix("v2."))
        let payload = try Base64URL.decode(String(sealed.dropFirst(3)))
        #expect(payload.count == 12 + Self.card.utf8.count + 16)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        #expect(sealed.dropFirst(3).allSatisfy { allowed.contains($0) })
    }

    @Test func equalPlaintextsGiveUnrelatedTexts() throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        let texts = try (0..<50).map { _ in try cipher.seal(Self.card, field: "cards.number") }
        #expect(Set(texts).count == texts.count)
        let nonces = try texts.map { try Base64URL.decode(String($0.dropFirst(3))).prefix(12) }
        #expect(Set(nonces.map { Array($0) }).count == texts.count)
    }

    @Test func aTextMovedToAnotherFieldDoesNotOpen() throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        let sealed = try cipher.seal(Self.card, field: "cards.number")
        for other in ["users.phone", "cards.Number", "cards.numbe", "cards.number#42", "v2.cards.number"] {
            let error = #expect(throws: CryptoError.self) { try cipher.open(sealed, field: other) }
            #expect(error?.code == .authenticationFailed, "\(other)")
        }
    }

    @Test func anyAlteredCharacterFailsAndReturnsNoPlaintext() throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        let sealed = Array(try cipher.seal(Self.card, field: "cards.number"))
        for index in 3..<sealed.count {
            var altered = sealed
            altered[index] = altered[index] == "A" ? "B" : "A"
            var opened: String?
            let error = #expect(throws: CryptoError.self) {
                opened = try cipher.open(String(altered), field: "cards.number")
            }
            // The last character may become non-canonical Base64URL, which is refused before decrypting.
            #expect(error?.code == .authenticationFailed || error?.code == .invalidEncoding, "index \(index)")
            #expect(opened == nil)
        }
        for altered in [String(sealed.dropLast(4)), String(sealed) + "AAAA", String(sealed.prefix(3 + 36))] {
            let error = #expect(throws: CryptoError.self) { try cipher.open(altered, field: "cards.number") }
            #expect(error?.code == .authenticationFailed || error?.code == .invalidEncoding)
        }
    }

    @Test func relabellingTheVersionFails() throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        let sealed = try cipher.seal(Self.card, field: "cards.number")
        let relabelled = "v1." + sealed.dropFirst(3)
        let error = #expect(throws: CryptoError.self) { try cipher.open(relabelled, field: "cards.number") }
        #expect(error?.code == .authenticationFailed)
    }

    @Test func rotatedKeyringOpensOldTextsAndFlagsThemForRotation() throws {
        let old = FieldCipher(keyring: try FieldKeyFixtures.keyringVersion1())
        let sealedV1 = try old.seal(Self.card, field: "cards.number")
        #expect(sealedV1.hasPrefix("v1."))
        #expect(try !old.needsRotation(sealedV1))

        for rotated in [
            FieldCipher(keyring: try FieldKeyFixtures.keyring()),
            FieldCipher(keyring: try FieldKeyFixtures.keyringVersion1().addingGeneratedKey()),
        ] {
            #expect(try rotated.open(sealedV1, field: "cards.number") == Self.card)
            #expect(try rotated.needsRotation(sealedV1))
            let resealed = try rotated.resealed(sealedV1, field: "cards.number")
            #expect(resealed.hasPrefix("v2."))
            #expect(try !rotated.needsRotation(resealed))
            #expect(try rotated.open(resealed, field: "cards.number") == Self.card)
            // Current texts are returned as they are, but only after they authenticate.
            #expect(try rotated.resealed(resealed, field: "cards.number") == resealed)
            let wrongField = #expect(throws: CryptoError.self) { try rotated.resealed(resealed, field: "users.phone") }
            #expect(wrongField?.code == .authenticationFailed)
            // The old keyring cannot read the new version.
            let error = #expect(throws: CryptoError.self) { try old.open(resealed, field: "cards.number") }
            #expect(error?.code == .unknownKeyVersion)
        }
    }

    @Test func unknownVersionFailsClearly() throws {
        let retired = FieldCipher(keyring: try FieldKeyFixtures.keyring().removingKey(version: 1))
        let sealedV1 = try FieldCipher(keyring: try FieldKeyFixtures.keyringVersion1()).seal(
            Self.card, field: "cards.number")
        let error = #expect(throws: CryptoError.self) { try retired.open(sealedV1, field: "cards.number") }
        #expect(error?.code == .unknownKeyVersion)
        #expect(error?.reason.contains("version 1") == true)
        #expect(error?.reason.contains("[2]") == true)
        // needsRotation only reads the version, so a rotation job can find such texts.
        #expect(try retired.needsRotation(sealedV1))
    }

    @Test(arguments: [
        "", "v", "v2", "v2.", "2.AAAA", "V2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "v02.AAAA", "v-2.AAAA",
        "v1000.AAAA",
        "v2.AAAA", "v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/", "v2. AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "v2x.AAAA",
        "v２.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ])
    func malformedTextsThrowInvalidEncoding(_ text: String) throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        let error = #expect(throws: CryptoError.self) { try cipher.open(text, field: "cards.number") }
        #expect(error?.code == .invalidEncoding)
        let rotationError = #expect(throws: CryptoError.self) { try cipher.needsRotation(text) }
        #expect(rotationError?.code == .invalidEncoding)
    }

    @Test(arguments: ["", "has space", "名字", "tab\t", String(repeating: "x", count: 257)])
    func invalidFieldLabelsAreRefused(_ label: String) throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        for attempt in [
            { _ = try cipher.seal("x", field: label) },
            { _ = try cipher.open("v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", field: label) },
            { _ = try cipher.blindIndex(field: label, value: "x") },
        ] as [() throws -> Void] {
            let error = #expect(throws: CryptoError.self) { try attempt() }
            #expect(error?.code == .invalidArgument)
        }
        #expect(throws: Never.self) { try cipher.seal("x", field: String(repeating: "x", count: 128)) }
    }

    @Test func oversizedPlaintextIsRefused() throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        let largest = String(repeating: "a", count: FieldCipher.maximumPlaintextByteCount)
        #expect(try cipher.open(try cipher.seal(largest, field: "f"), field: "f") == largest)
        let error = #expect(throws: CryptoError.self) { try cipher.seal(largest + "a", field: "f") }
        #expect(error?.code == .invalidArgument)
    }

    // MARK: Blind index

    /// HMAC-SHA256 with the fixture index key over "paystream.blind-index.v1\0cards.number\06222020012345678",
    /// computed with Python's hmac module.
    static let knownCardIndex = "8eVPTgxWq7TbAvBbGrTnyoSImRrDITakOQgyPye6NNQ"

    @Test func blindIndexIsStableAndMatchesAnIndependentComputation() throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        let index = try cipher.blindIndex(field: "cards.number", value: "6222 0200 1234 5678")
        #expect(index == Self.knownCardIndex)
        #expect(index.count == 43)
        // Another cipher over the same keys, a keyring with other data keys, and a rotated keyring agree.
        #expect(try FieldCipher(keyring: try FieldKeyFixtures.keyringVersion1()).blindIndex(
            field: "cards.number", value: Self.card) == index)
        #expect(try FieldCipher(keyring: try FieldKeyFixtures.keyring().addingGeneratedKey()).blindIndex(
            field: "cards.number", value: Self.card) == index)
    }

    @Test func blindIndexIsKeyedAndSeparatedByField() throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        let otherIndexKey = Base64.encode([UInt8](repeating: 0x5a, count: 32))
        let otherKeyring = try FieldKeyring(json: FieldKeyFixtures.json(index: otherIndexKey))
        let index = try cipher.blindIndex(field: "cards.number", value: Self.card)
        #expect(try FieldCipher(keyring: otherKeyring).blindIndex(field: "cards.number", value: Self.card) != index)
        #expect(try cipher.blindIndex(field: "cards.pan", value: Self.card) != index)
        #expect(try cipher.blindIndex(field: "cards.number", value: "6222020012345679") != index)
        // Without the key it is not a plain hash of the value.
        #expect(index != Base64URL.encode(SHA256.hash(Self.card)))
    }

    @Test func blindIndexNormalizesSpacingWidthAndCase() throws {
        let cipher = FieldCipher(keyring: try FieldKeyFixtures.keyring())
        let index = try cipher.blindIndex(field: "cards.number", value: Self.card)
        for variant in ["6222 0200 1234 5678", "6222-0200-1234-5678", " 6222020012345678\n", "６２２２０２００１２３４５６７８"] {
            #expect(try cipher.blindIndex(field: "cards.number", value: variant) == index, "\(variant)")
        }
        #expect(
            try cipher.blindIndex(field: "users.id_number", value: "11010519491231002x")
                == cipher.blindIndex(field: "users.id_number", value: "11010519491231002X"))
        #expect(FieldCipher.normalizedForBlindIndex(" Zhang San ") == "zhangsan")
        #expect(FieldCipher.normalizedForBlindIndex("张 三") == "张三")
    }
}
