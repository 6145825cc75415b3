import COpenSSL

/// HMAC-SHA256 (RFC 2104 with SHA-256). Any key length is accepted, as the RFC allows; keys longer than 64
/// bytes are hashed first. The result is the full 32-byte code; truncate it yourself if a protocol says so.
///
/// Compare codes with `constantTimeEquals(_:_:)`, never with `==`.
public enum HMACSHA256 {
    public static let byteCount = 32

    public static func authenticationCode(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        var code = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withBytePointer { keyPointer, keyCount in
            message.withBytePointer { messagePointer, messageCount -> UnsafeMutablePointer<UInt8>? in
                // A key longer than Int32.max bytes is not a key; treat it as a programming error.
                guard let keyLength = Int32(exactly: keyCount) else {
                    fatalError("HMAC key of \(keyCount) bytes")
                }
                return HMAC(EVP_sha256(), keyPointer, keyLength, messagePointer, messageCount, &code, &length)
            }
        }
        // Like the digests: fails only on allocation or provider failure, see MessageDigest.compute.
        guard result != nil, Int(length) == byteCount else {
            fatalError("HMAC-SHA256 failed: \(CryptoError(.internalFailure, "HMAC failed"))")
        }
        return Array(code[..<byteCount])
    }

    /// The code for the UTF-8 bytes of `key` and `message` (WeChat Pay v2 uses the API key string as the key).
    public static func authenticationCode(key: String, message: String) -> [UInt8] {
        authenticationCode(key: Array(key.utf8), message: Array(message.utf8))
    }
}
