/// An RSA public key of 2048 to 16384 bits that checks SHA256withRSA signatures (RSASSA-PKCS1-v1_5 with
/// SHA-256), such as WeChat Pay platform signatures and Alipay RSA2 signatures.
///
/// Guarantees: a value always holds an RSA public key in that size range and never private material (the key of
/// an ``RSAPrivateKey`` is copied down to its public half); verification fails closed; the value is immutable and
/// safe to share. Two values are equal when they are the same public key.
public struct RSAPublicKey: Sendable, Equatable, CustomStringConvertible {
    let key: EVPKey

    init(key: EVPKey) { self.key = key }

    /// Loads the first PEM block of `pemRepresentation`: a SubjectPublicKeyInfo `PUBLIC KEY` (what Alipay and
    /// WeChat Pay's pub_key.pem hold) or a PKCS#1 `RSA PUBLIC KEY`. For a certificate use
    /// ``X509Certificate/publicKey``.
    public init(pemRepresentation: String) throws {
        key = try PEM.firstBlock(
            in: pemRepresentation, accepting: ["PUBLIC KEY", "RSA PUBLIC KEY"],
            what: "an RSA public key"
        ) { label, der in
            label == "PUBLIC KEY"
                ? try EVPKey.decodeSubjectPublicKeyInfo(der: der) : try EVPKey.decodePKCS1PublicKey(der: der)
        }
    }

    /// Loads a DER SubjectPublicKeyInfo. Alipay consoles show public keys as the bare Base64 of this DER: decode
    /// it with ``Base64/decode(_:)`` first.
    public init(derRepresentation: some Collection<UInt8>) throws {
        key = try derRepresentation.withBytePointer { pointer, count in
            try EVPKey.decodeSubjectPublicKeyInfo(der: UnsafeBufferPointer(start: pointer, count: count))
        }
    }

    /// The modulus size in bits.
    public var bitCount: Int { key.bitCount }

    /// SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`).
    public var pemRepresentation: String {
        get throws { try key.publicKeyPEM() }
    }

    /// SubjectPublicKeyInfo DER.
    public var derRepresentation: [UInt8] {
        get throws { try key.subjectPublicKeyInfoDER() }
    }

    /// True only if `signature` is a SHA256withRSA signature of exactly `data` by the matching private key.
    /// A signature of the wrong length, a tampered message or any OpenSSL failure gives `false`.
    public func isValidSignatureSHA256(_ signature: [UInt8], for data: some Collection<UInt8>) -> Bool {
        key.verifySHA256(signature: signature, data: data)
    }

    /// Verifies a signature over the string's UTF-8 bytes.
    public func isValidSignatureSHA256(_ signature: [UInt8], for string: String) -> Bool {
        key.verifySHA256(signature: signature, data: Array(string.utf8))
    }

    /// RSAES-OAEP with SHA-1 (MGF1 SHA-1, no label) of `plaintext`: how WeChat Pay wants a sensitive field sent
    /// (a transfer's `user_name`), under its platform public key. Randomized: two calls give different bytes.
    public func encryptedOAEPSHA1(_ plaintext: some Collection<UInt8>) throws -> [UInt8] {
        try key.encryptOAEPSHA1(Array(plaintext))
    }

    public static func == (lhs: RSAPublicKey, rhs: RSAPublicKey) -> Bool {
        lhs.key === rhs.key || lhs.key.hasSamePublicKey(as: rhs.key)
    }

    public var description: String { "RSAPublicKey(\(bitCount) bits)" }
}
