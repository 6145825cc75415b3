/// The result of sealing with AES-GCM: the nonce used, the ciphertext (as long as the plaintext) and the 16-byte
/// authentication tag. All three are needed to open it; none of them is secret.
public struct AESGCMSealedBox: Sendable, Hashable {
    public let nonce: [UInt8]
    public let ciphertext: [UInt8]
    public let tag: [UInt8]

    /// `ciphertext || tag`, the layout WeChat Pay APIv3 Base64-encodes in its `ciphertext` fields.
    public var ciphertextAndTag: [UInt8] { ciphertext + tag }
}

/// AES-256 in Galois/Counter Mode (NIST SP 800-38D): authenticated encryption with associated data.
///
/// Guarantees: the key is exactly 32 bytes; tags are 16 bytes; `open` returns plaintext only when the tag
/// authenticates the key, nonce, associated data and ciphertext together, and otherwise throws
/// ``CryptoError/Code/authenticationFailed`` without revealing any plaintext.
///
/// A nonce must never repeat under the same key: by default `seal` draws a fresh random 12-byte nonce. Pass a
/// nonce only to reproduce a published vector or a protocol that fixes it. Nonces of other lengths than 12 bytes
/// are accepted (GCM defines them) but 12 is the length to use.
public enum AES256GCM {
    public static let keyByteCount = 32
    public static let nonceByteCount = 12
    public static let tagByteCount = 16

    public typealias SealedBox = AESGCMSealedBox

    public static func seal(
        _ plaintext: some Collection<UInt8>, key: [UInt8], nonce: [UInt8] = SecureRandom.bytes(count: 12),
        authenticating associatedData: [UInt8] = []
    ) throws -> SealedBox {
        try GCMCipher.aes256.seal(plaintext, key: key, nonce: nonce, associatedData: associatedData)
    }

    public static func open(
        ciphertext: [UInt8], tag: [UInt8], key: [UInt8], nonce: [UInt8], authenticating associatedData: [UInt8] = []
    ) throws -> [UInt8] {
        try GCMCipher.aes256.open(
            ciphertext: ciphertext, tag: tag, key: key, nonce: nonce, associatedData: associatedData)
    }

    public static func open(_ box: SealedBox, key: [UInt8], authenticating associatedData: [UInt8] = []) throws
        -> [UInt8]
    {
        try open(ciphertext: box.ciphertext, tag: box.tag, key: key, nonce: box.nonce, authenticating: associatedData)
    }

    /// Opens `ciphertext || tag` (the last 16 bytes are the tag), as WeChat Pay APIv3 sends it.
    public static func open(
        ciphertextAndTag: [UInt8], key: [UInt8], nonce: [UInt8], authenticating associatedData: [UInt8] = []
    ) throws -> [UInt8] {
        guard ciphertextAndTag.count >= tagByteCount else {
            throw CryptoError(
                .invalidLength, "ciphertext is \(ciphertextAndTag.count) bytes, shorter than the 16-byte tag")
        }
        let split = ciphertextAndTag.count - tagByteCount
        return try open(
            ciphertext: Array(ciphertextAndTag[..<split]), tag: Array(ciphertextAndTag[split...]), key: key,
            nonce: nonce, authenticating: associatedData)
    }
}

/// AES-128-GCM, with the same guarantees as ``AES256GCM`` but a 16-byte key.
///
/// Not for new data: it exists because some SDK test suites (wechatpay-go) use 16-byte API keys and Go picks
/// the AES variant by key length. Production WeChat Pay APIv3 keys are 32 bytes: use ``AES256GCM``.
public enum AES128GCM {
    public static let keyByteCount = 16
    public typealias SealedBox = AESGCMSealedBox

    public static func seal(
        _ plaintext: some Collection<UInt8>, key: [UInt8], nonce: [UInt8] = SecureRandom.bytes(count: 12),
        authenticating associatedData: [UInt8] = []
    ) throws -> SealedBox {
        try GCMCipher.aes128.seal(plaintext, key: key, nonce: nonce, associatedData: associatedData)
    }

    public static func open(
        ciphertext: [UInt8], tag: [UInt8], key: [UInt8], nonce: [UInt8], authenticating associatedData: [UInt8] = []
    ) throws -> [UInt8] {
        try GCMCipher.aes128.open(
            ciphertext: ciphertext, tag: tag, key: key, nonce: nonce, associatedData: associatedData)
    }

    /// Opens `ciphertext || tag` (the last 16 bytes are the tag).
    public static func open(
        ciphertextAndTag: [UInt8], key: [UInt8], nonce: [UInt8], authenticating associatedData: [UInt8] = []
    ) throws -> [UInt8] {
        guard ciphertextAndTag.count >= AES256GCM.tagByteCount else {
            throw CryptoError(
                .invalidLength, "ciphertext is \(ciphertextAndTag.count) bytes, shorter than the 16-byte tag")
        }
        let split = ciphertextAndTag.count - AES256GCM.tagByteCount
        return try open(
            ciphertext: Array(ciphertextAndTag[..<split]), tag: Array(ciphertextAndTag[split...]), key: key,
            nonce: nonce, authenticating: associatedData)
    }
}
