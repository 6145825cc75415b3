import COpenSSL

/// SHA-256 (FIPS 180-4). `hash` returns the 32-byte digest.
public enum SHA256 {
    public static let byteCount = 32

    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        MessageDigest.compute(EVP_sha256(), name: "SHA-256", bytes)
    }

    /// The digest of the string's UTF-8 bytes.
    public static func hash(_ string: String) -> [UInt8] { hash(Array(string.utf8)) }
}

/// SHA-1. Broken for collision resistance; present only for legacy channel protocols that require it.
public enum SHA1 {
    public static let byteCount = 20

    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        MessageDigest.compute(EVP_sha1(), name: "SHA-1", bytes)
    }

    public static func hash(_ string: String) -> [UInt8] { hash(Array(string.utf8)) }
}

/// MD5 (RFC 1321). Broken as a cryptographic hash; present only because WeChat Pay v2 signs with
/// MD5(params + "&key=" + API key). Do not use it for anything new.
public enum MD5 {
    public static let byteCount = 16

    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        MessageDigest.compute(EVP_md5(), name: "MD5", bytes)
    }

    public static func hash(_ string: String) -> [UInt8] { hash(Array(string.utf8)) }
}

/// One-shot EVP digests.
enum MessageDigest {
    /// Digesting in memory fails only if OpenSSL cannot allocate or the algorithm is disabled by the provider
    /// configuration (for example MD5 under a FIPS-only configuration). Both are deployment errors that no caller
    /// can handle, and returning a wrong digest is not an option, so this traps with OpenSSL's reason.
    static func compute(_ algorithm: OpaquePointer?, name: String, _ bytes: some Collection<UInt8>) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = bytes.withBytePointer { pointer, count in
            EVP_Digest(pointer, count, &digest, &length, algorithm, nil)
        }
        guard status == 1, let algorithm, Int(length) == Int(EVP_MD_get_size(algorithm)) else {
            fatalError("\(name) digest failed: \(CryptoError(.internalFailure, "EVP_Digest failed"))")
        }
        return Array(digest[..<Int(length)])
    }
}
