/// An RSA private key of 2048 to 16384 bits that makes SHA256withRSA signatures (RSASSA-PKCS1-v1_5 with
/// SHA-256): the scheme of WeChat Pay APIv3 (`WECHATPAY2-SHA256-RSA2048`) and Alipay `RSA2`.
///
/// Guarantees: a value always holds a usable RSA private key in that size range (anything else fails to load);
/// signatures are deterministic, so a signature can be compared with a published one; the value is immutable and
/// safe to share between tasks and threads. Its `description` never prints key material.
public struct RSAPrivateKey: Sendable, CustomStringConvertible {
    let key: EVPKey
    /// The public half, for verifying this key's own signatures or publishing it.
    public let publicKey: RSAPublicKey

    private init(key: EVPKey) throws {
        self.key = key
        self.publicKey = RSAPublicKey(key: try key.publicOnly())
    }

    /// Loads the first PEM block of `pemRepresentation`, which must be an unencrypted PKCS#8 `PRIVATE KEY`
    /// (what WeChat Pay's apiclient_key.pem holds) or a PKCS#1 `RSA PRIVATE KEY`.
    ///
    /// Throws ``CryptoError`` with `.invalidPEM` for text that is not such a PEM block (including encrypted
    /// keys and certificates), `.invalidKey` for a block that does not decode, `.unsupportedKey` for a non-RSA or
    /// too small key.
    public init(pemRepresentation: String) throws {
        let key = try PEM.firstBlock(
            in: pemRepresentation, accepting: ["PRIVATE KEY", "RSA PRIVATE KEY"],
            what: "an RSA private key"
        ) { _, der in try EVPKey.decodePrivateKey(der: der) }
        try self.init(key: key)
    }

    /// Loads a DER PKCS#8 PrivateKeyInfo or PKCS#1 RSAPrivateKey. Alipay hands out application private keys
    /// as the bare Base64 of such DER: decode it with ``Base64/decode(_:)`` first.
    public init(derRepresentation: some Collection<UInt8>) throws {
        let key = try derRepresentation.withBytePointer { pointer, count in
            try EVPKey.decodePrivateKey(der: UnsafeBufferPointer(start: pointer, count: count))
        }
        try self.init(key: key)
    }

    /// A fresh key from OpenSSL's secure random generator, for tests and the channel sandbox.
    public static func generate(bits: Int = 2048) throws -> RSAPrivateKey {
        try RSAPrivateKey(key: try EVPKey.generateRSA(bits: bits))
    }

    /// The modulus size in bits.
    public var bitCount: Int { key.bitCount }

    /// Unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). It is the secret itself: never log it.
    public var pemRepresentation: String {
        get throws { try key.privateKeyPEM() }
    }

    /// The SHA256withRSA (RSASSA-PKCS1-v1_5, SHA-256) signature of `data`, as many bytes as the modulus.
    public func signatureSHA256(for data: some Collection<UInt8>) throws -> [UInt8] {
        try key.signSHA256(data)
    }

    /// The signature of the string's UTF-8 bytes.
    public func signatureSHA256(for string: String) throws -> [UInt8] {
        try key.signSHA256(Array(string.utf8))
    }

    /// The plaintext of an RSAES-OAEP (SHA-1) ciphertext made under ``publicKey``; `.authenticationFailed` otherwise.
    public func decryptedOAEPSHA1(_ ciphertext: some Collection<UInt8>) throws -> [UInt8] {
        try key.decryptOAEPSHA1(Array(ciphertext))
    }

    public var description: String { "RSAPrivateKey(\(bitCount) bits)" }
}
