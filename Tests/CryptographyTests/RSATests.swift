import Cryptography
import Testing

/// SHA256withRSA with generated keys, PEM/DER round trips and the ways loading must fail.
@Suite struct RSATests {
    /// Key generation is slow; one key serves every test in the suite.
    static let key: RSAPrivateKey = {
        do { return try RSAPrivateKey.generate(bits: 2048) } catch { fatalError("RSA generation failed: \(error)") }
    }()

    /// A throwaway P-256 public key, generated for this test: a valid key that is not RSA.
    static let ecPublicKeyPEM = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEyHvGIua9ZdoCTYtzDvPihioDrfJ5
        o6q1/6SankN6JAYn/JYtE/mrzmHy8eXgS+re4DTaatwcUzWyDvo6aC7r/A==
        -----END PUBLIC KEY-----
        """

    @Test func signAndVerify() throws {
        let key = Self.key
        #expect(key.bitCount == 2048)
        #expect(key.publicKey.bitCount == 2048)
        let message = "POST\n/v3/pay/transactions/native\n1700000000\nNONCE\n{\"amount\":{\"total\":1}}\n"
        let signature = try key.signatureSHA256(for: message)
        #expect(signature.count == 256)
        #expect(try key.signatureSHA256(for: Array(message.utf8)) == signature, "PKCS#1 v1.5 is deterministic")
        #expect(key.publicKey.isValidSignatureSHA256(signature, for: message))
        #expect(key.publicKey.isValidSignatureSHA256(signature, for: Array(message.utf8)))
    }

    @Test func tamperedMessageOrSignatureFails() throws {
        let key = Self.key
        let message = Array("amount=100".utf8)
        let signature = try key.signatureSHA256(for: message)
        #expect(!key.publicKey.isValidSignatureSHA256(signature, for: Array("amount=101".utf8)))
        #expect(!key.publicKey.isValidSignatureSHA256(signature, for: message + [0x0a]))
        var flipped = signature
        flipped[100] ^= 0x01
        #expect(!key.publicKey.isValidSignatureSHA256(flipped, for: message))
        #expect(!key.publicKey.isValidSignatureSHA256(Array(signature.dropFirst()), for: message))
        #expect(!key.publicKey.isValidSignatureSHA256([], for: message))
        let other = try RSAPrivateKey.generate()
        #expect(!other.publicKey.isValidSignatureSHA256(signature, for: message))
        #expect(other.publicKey != key.publicKey)
    }

    @Test func pemRoundTrips() throws {
        let key = Self.key
        let privatePEM = try key.pemRepresentation
        #expect(privatePEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let reloaded = try RSAPrivateKey(pemRepresentation: privatePEM)
        #expect(try reloaded.signatureSHA256(for: "x") == key.signatureSHA256(for: "x"))
        #expect(reloaded.publicKey == key.publicKey)

        let publicPEM = try key.publicKey.pemRepresentation
        #expect(publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(try RSAPublicKey(pemRepresentation: publicPEM) == key.publicKey)
        #expect(try RSAPublicKey(derRepresentation: key.publicKey.derRepresentation) == key.publicKey)
        #expect(!key.description.contains("BEGIN"))
    }

    @Test func privateKeyDERLoads() throws {
        // The DER inside the PKCS#8 PEM, as Alipay consoles hand keys out (bare Base64 of the DER).
        let body = try Self.key.pemRepresentation.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let fromDER = try RSAPrivateKey(derRepresentation: try Base64.decode(body))
        #expect(fromDER.publicKey == Self.key.publicKey)
    }

    @Test func textThatIsNotPEMThrowsInvalidPEM() {
        for text in ["", "hello", "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n"] {
            let error = #expect(throws: CryptoError.self) { try RSAPrivateKey(pemRepresentation: text) }
            #expect(error?.code == .invalidPEM)
        }
    }

    @Test func wrongPEMKindsNameWhatWasFound() throws {
        let publicPEM = try Self.key.publicKey.pemRepresentation
        let asPrivate = #expect(throws: CryptoError.self) { try RSAPrivateKey(pemRepresentation: publicPEM) }
        #expect(asPrivate?.code == .invalidPEM)
        #expect(asPrivate?.reason.contains("PUBLIC KEY") == true)

        let privatePEM = try Self.key.pemRepresentation
        let asPublic = #expect(throws: CryptoError.self) { try RSAPublicKey(pemRepresentation: privatePEM) }
        #expect(asPublic?.code == .invalidPEM)

        let certificatePEM = try X509Certificate.selfSigned(key: Self.key, commonName: "test", validDays: 1)
            .pemRepresentation
        let certificateAsKey = #expect(throws: CryptoError.self) { try RSAPublicKey(pemRepresentation: certificatePEM) }
        #expect(certificateAsKey?.reason.contains("X509Certificate") == true)
    }

    @Test func encryptedKeysAreRefused() {
        let pkcs8 = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAECAwQFBgc=\n-----END ENCRYPTED PRIVATE KEY-----\n"
        let pkcs8Error = #expect(throws: CryptoError.self) { try RSAPrivateKey(pemRepresentation: pkcs8) }
        #expect(pkcs8Error?.code == .invalidPEM)
        #expect(pkcs8Error?.reason.contains("encrypted") == true)

        let legacy = """
            -----BEGIN RSA PRIVATE KEY-----
            Proc-Type: 4,ENCRYPTED
            DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF

            AAECAwQFBgc=
            -----END RSA PRIVATE KEY-----
            """
        let legacyError = #expect(throws: CryptoError.self) { try RSAPrivateKey(pemRepresentation: legacy) }
        #expect(legacyError?.code == .invalidPEM)
    }

    @Test func pemBlockWithGarbageThrowsInvalidKey() {
        let pem = "-----BEGIN PRIVATE KEY-----\nAAECAwQFBgcICQoLDA0ODw==\n-----END PRIVATE KEY-----\n"
        let error = #expect(throws: CryptoError.self) { try RSAPrivateKey(pemRepresentation: pem) }
        #expect(error?.code == .invalidKey)
        let publicError = #expect(throws: CryptoError.self) {
            try RSAPublicKey(pemRepresentation: pem.replacingOccurrences(of: "PRIVATE", with: "PUBLIC"))
        }
        #expect(publicError?.code == .invalidKey)
    }

    @Test func trailingBytesAfterDERAreRefused() throws {
        let der = try Self.key.publicKey.derRepresentation
        let error = #expect(throws: CryptoError.self) { try RSAPublicKey(derRepresentation: der + [0x00]) }
        #expect(error?.code == .invalidKey)
    }

    @Test func nonRSAKeyThrowsUnsupportedKey() {
        let error = #expect(throws: CryptoError.self) { try RSAPublicKey(pemRepresentation: Self.ecPublicKeyPEM) }
        #expect(error?.code == .unsupportedKey)
    }

    @Test func smallKeySizesAreRefused() {
        let error = #expect(throws: CryptoError.self) { try RSAPrivateKey.generate(bits: 1024) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func concurrentSigningWithOneKeyAgrees() async throws {
        let key = Self.key
        let expected = try key.signatureSHA256(for: "shared")
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    let signature = try key.signatureSHA256(for: "shared")
                    return signature == expected && key.publicKey.isValidSignatureSHA256(signature, for: "shared")
                }
            }
            for try await agreed in group { #expect(agreed) }
        }
    }
}
