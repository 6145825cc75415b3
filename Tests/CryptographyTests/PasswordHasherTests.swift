import Cryptography
import Testing

@Suite struct PasswordHasherTests {
    /// Cheap parameters so the suite stays fast; the format and the logic do not depend on the cost.
    static let fastScrypt = try! PasswordHasher(parameters: .scrypt(n: 1024, r: 8, p: 1))
    static let fastPBKDF2 = try! PasswordHasher(parameters: .pbkdf2SHA256(iterations: 10_000))
    static let hashers = [fastScrypt, fastPBKDF2]

    /// Made by Python's hashlib (pbkdf2_hmac, scrypt) over "correct horse battery staple" with the salt
    /// 00 01 ... 0f and a 32-byte key: an independent implementation pins the text format.
    static let knownPBKDF2 =
        "pbkdf2-sha256$10000$AAECAwQFBgcICQoLDA0ODw$2flfZcLfnShdJogjAMpb4p4-1QBVZmODXExi4nBRUCI"
    static let knownScrypt =
        "scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw$mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S_AXJlRU"
    /// The salt and key of ``knownScrypt``, for building altered texts.
    static let salt = "AAECAwQFBgcICQoLDA0ODw"
    static let key = "mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S_AXJlRU"
    static let saltAndKey = "\(salt)$\(key)"

    @Test func defaultIsScryptAtTheRecommendedCost() throws {
        let hasher = PasswordHasher()
        #expect(hasher.parameters == .scrypt(n: 32768, r: 8, p: 3))
        let stored = try hasher.hash("correct horse battery staple")
        #expect(stored.hasPrefix("scrypt$32768$8$3$"))
        #expect(try hasher.verify(password: "correct horse battery staple", against: stored))
        #expect(try !hasher.needsRehash(stored))
    }

    @Test(arguments: hashers)
    func roundTripAndWrongPassword(_ hasher: PasswordHasher) throws {
        let stored = try hasher.hash("correct horse battery staple")
        #expect(try hasher.verify(password: "correct horse battery staple", against: stored))
        #expect(try !hasher.verify(password: "correct horse battery stapler", against: stored))
        #expect(try !hasher.verify(password: "Correct horse battery staple", against: stored))
        #expect(try !hasher.verify(password: "", against: stored))
        #expect(try !hasher.needsRehash(stored))
    }

    @Test func knownTextsFromAnotherImplementationVerify() throws {
        for stored in [Self.knownPBKDF2, Self.knownScrypt] {
            #expect(try Self.fastScrypt.verify(password: "correct horse battery staple", against: stored))
            #expect(try !Self.fastScrypt.verify(password: "correct horse battery stapl", against: stored))
            // Parsing and printing give back the same text.
            #expect(try PasswordHash(parsing: stored).text == stored)
        }
        let parsed = try PasswordHash(parsing: Self.knownScrypt)
        #expect(parsed.parameters == .scrypt(n: 1024, r: 8, p: 1))
        #expect(parsed.salt == Array(0..<16))
    }

    @Test(arguments: hashers)
    func equalPasswordsGetDifferentSaltsAndHashes(_ hasher: PasswordHasher) throws {
        let first = try PasswordHash(parsing: try hasher.hash("same password"))
        let second = try PasswordHash(parsing: try hasher.hash("same password"))
        #expect(first.salt.count == 16)
        #expect(first.salt != second.salt)
        #expect(first.text != second.text)
        #expect(first != second)
    }

    @Test(arguments: hashers)
    func tamperedTextsDoNotVerify(_ hasher: PasswordHasher) throws {
        let password = "correct horse battery staple"
        let stored = try hasher.hash(password)
        var fields = stored.split(separator: "$", omittingEmptySubsequences: false).map(String.init)

        // Every field altered in turn: either it no longer verifies or it is no longer a valid text.
        for index in fields.indices.dropFirst() {
            var altered = fields
            altered[index] = Self.alter(altered[index])
            let text = altered.joined(separator: "$")
            do {
                #expect(try !hasher.verify(password: password, against: text), "field \(index): \(text)")
            } catch {
                #expect(error.code == .invalidEncoding || error.code == .invalidArgument, "field \(index)")
            }
        }
        // A flipped bit in the derived key never verifies.
        var key = try Base64URL.decode(fields[fields.count - 1])
        for byte in key.indices {
            key[byte] ^= 0x01
            fields[fields.count - 1] = Base64URL.encode(key)
            #expect(try !hasher.verify(password: password, against: fields.joined(separator: "$")))
            key[byte] ^= 0x01
        }
        // The salt of another hash does not fit.
        var otherFields = try hasher.hash(password).split(separator: "$").map(String.init)
        otherFields[otherFields.count - 1] = fields[fields.count - 1]
        #expect(try !hasher.verify(password: password, against: otherFields.joined(separator: "$")))
    }

    /// Changes a field's last character (to another valid character where possible).
    private static func alter(_ field: String) -> String {
        guard let last = field.last else { return "A" }
        let replacement: Character = last == "A" ? "E" : (last == "1" ? "2" : "A")
        return String(field.dropLast()) + String(replacement)
    }

    static let malformed: [(text: String, code: CryptoError.Code)] = [
        ("", .unsupportedFormat),
        ("correct horse battery staple", .unsupportedFormat),
        ("argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", .unsupportedFormat),
        ("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", .unsupportedFormat),
        ("SCRYPT$1024$8$1$\(saltAndKey)", .unsupportedFormat),
        ("scrypt", .invalidEncoding),
        ("scrypt$1024$8$1$AAECAwQFBgcICQoLDA0ODw", .invalidEncoding),
        ("scrypt$1024$8$1$\(saltAndKey)$", .invalidEncoding),
        ("scrypt$01024$8$1$\(saltAndKey)", .invalidEncoding),
        ("scrypt$+1024$8$1$\(saltAndKey)", .invalidEncoding),
        ("scrypt$1024$8$$\(saltAndKey)", .invalidEncoding),
        ("scrypt$99999999999999999999$8$1$\(saltAndKey)", .invalidEncoding),
        ("scrypt$1024$8$1$\(salt)==$\(key)", .invalidEncoding),
        ("scrypt$1024$8$1$\(salt)$mp90zEQd5XGhjEv4WArVH4Z0XRSzkGWtJK2S/AXJlRU", .invalidEncoding),
        ("scrypt$1000$8$1$\(saltAndKey)", .invalidArgument),
        ("scrypt$2097152$8$1$\(saltAndKey)", .invalidArgument),
        ("scrypt$1048576$32$1$\(saltAndKey)", .invalidArgument),
        ("scrypt$1024$8$0$\(saltAndKey)", .invalidArgument),
        ("scrypt$1024$8$1$AAECAwQFBgcICQoL$\(key)", .invalidArgument),
        ("scrypt$1024$8$1$\(salt)$mp90zEQd5XGhjEv4WArV", .invalidArgument),
        ("pbkdf2-sha256$10000$\(salt)", .invalidEncoding),
        ("pbkdf2-sha256$0$\(salt)$2flfZcLfnShdJogjAMpb4p4-1QBVZmODXExi4nBRUCI", .invalidArgument),
        ("pbkdf2-sha256$9999999999$\(salt)$2flfZcLfnShdJogjAMpb4p4-1QBVZmODXExi4nBRUCI", .invalidArgument),
        ("pbkdf2-sha256$1e4$\(salt)$2flfZcLfnShdJogjAMpb4p4-1QBVZmODXExi4nBRUCI", .invalidEncoding),
        ("pbkdf2-sha256$10000$\(salt)$2flfZcLfnShdJogjAMpb4p4-1QBVZmODXExi4nBRUCI ", .invalidEncoding),
        (String(repeating: "scrypt$", count: 100), .invalidEncoding),
    ]

    @Test(arguments: malformed)
    func malformedTextsThrowTypedErrors(_ testCase: (text: String, code: CryptoError.Code)) {
        let parseError = #expect(throws: CryptoError.self) { try PasswordHash(parsing: testCase.text) }
        #expect(parseError?.code == testCase.code)
        let verifyError = #expect(throws: CryptoError.self) {
            try Self.fastScrypt.verify(password: "correct horse battery staple", against: testCase.text)
        }
        #expect(verifyError?.code == testCase.code)
        let rehashError = #expect(throws: CryptoError.self) { try Self.fastScrypt.needsRehash(testCase.text) }
        #expect(rehashError?.code == testCase.code)
    }

    @Test func errorsNeverQuoteTheText() throws {
        let secretLooking = "hunter2-is-my-password"
        let error = #expect(throws: CryptoError.self) { try PasswordHash(parsing: secretLooking) }
        #expect(error.map { !$0.description.contains(secretLooking) } == true)
        let hash = try PasswordHash(parsing: Self.knownScrypt)
        #expect(!hash.description.contains("AAECAwQFBgcICQoLDA0ODw"))
        #expect(!hash.description.contains("mp90zEQd"))
    }

    @Test func needsRehashWhenBelowTheCurrentParameters() throws {
        let strongerScrypt = try PasswordHasher(parameters: .scrypt(n: 2048, r: 8, p: 1))
        let strongerPBKDF2 = try PasswordHasher(parameters: .pbkdf2SHA256(iterations: 20_000))
        let scryptText = try Self.fastScrypt.hash("pw")
        let pbkdf2Text = try Self.fastPBKDF2.hash("pw")

        #expect(try strongerScrypt.needsRehash(scryptText))
        #expect(try !Self.fastScrypt.needsRehash(scryptText))
        #expect(try strongerPBKDF2.needsRehash(pbkdf2Text))
        #expect(try !Self.fastPBKDF2.needsRehash(pbkdf2Text))
        // Stronger than current is fine.
        #expect(try !Self.fastScrypt.needsRehash(try strongerScrypt.hash("pw")))
        // Any component below current counts, and so does another algorithm.
        #expect(try Self.fastScrypt.needsRehash("scrypt$1024$4$1$\(Self.saltAndKey)"))
        #expect(try PasswordHasher(parameters: .scrypt(n: 1024, r: 8, p: 2)).needsRehash(scryptText))
        #expect(try Self.fastScrypt.needsRehash(pbkdf2Text))
        #expect(try Self.fastPBKDF2.needsRehash(scryptText))
        // A key shorter than 32 bytes is accepted for verifying but marked for rehash.
        #expect(try Self.fastScrypt.needsRehash("scrypt$1024$8$1$\(Self.salt)$mp90zEQd5XGhjEv4WArVHw"))

        // The upgrade path: verify with the old text, then store the new hash.
        let old = try Self.fastPBKDF2.hash("correct horse")
        let current = PasswordHasher()
        #expect(try current.verify(password: "correct horse", against: old))
        #expect(try current.needsRehash(old))
    }

    @Test func newHashesBelowTheFloorAreRefused() {
        for parameters: PasswordHash.Parameters in [
            .pbkdf2SHA256(iterations: 9_999), .scrypt(n: 512, r: 8, p: 1), .pbkdf2SHA256(iterations: 0),
            .scrypt(n: 3000, r: 8, p: 1), .scrypt(n: 1 << 21, r: 8, p: 1), .scrypt(n: 1024, r: 0, p: 1),
        ] {
            let error = #expect(throws: CryptoError.self, "\(parameters)") {
                try PasswordHasher(parameters: parameters)
            }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test func passwordsAreNormalizedNFKC() throws {
        let stored = try Self.fastScrypt.hash("ｐａｓｓ１２３ café")  // full-width letters, composed é
        #expect(try Self.fastScrypt.verify(password: "pass123 cafe\u{301}", against: stored))
        #expect(try !Self.fastScrypt.verify(password: "pass123 cafe", against: stored))
    }

    @Test func overlongPasswordsAreRefusedAndNeverVerify() throws {
        let limit = PasswordHasher.maximumPasswordByteCount
        let longest = String(repeating: "a", count: limit)
        let stored = try Self.fastPBKDF2.hash(longest)
        #expect(try Self.fastPBKDF2.verify(password: longest, against: stored))
        let error = #expect(throws: CryptoError.self) { try Self.fastPBKDF2.hash(longest + "a") }
        #expect(error?.code == .invalidArgument)
        #expect(try !Self.fastPBKDF2.verify(password: longest + "a", against: stored))
        #expect(try !Self.fastPBKDF2.verify(password: String(repeating: "a", count: 1 << 20), against: stored))
    }
}
