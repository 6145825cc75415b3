import COpenSSL

/// PBKDF2 (RFC 8018 §5.2) with HMAC-SHA-256 as the pseudorandom function, as OpenSSL's PKCS5_PBKDF2_HMAC
/// computes it.
///
/// This is the raw key-derivation function: the same password, salt and iteration count always give the same
/// bytes. To store passwords use ``PasswordHasher``, which adds a random salt, a self-describing format and a
/// constant-time comparison.
///
/// The work grows linearly with `iterations` and runs on the calling thread: at the iteration counts used for
/// passwords it blocks for a noticeable fraction of a second, so do not call it on a cooperative or event-loop
/// thread.
public enum PBKDF2HMACSHA256 {
    /// The largest derived key this module asks for, in bytes.
    public static let maximumByteCount = 1024

    /// Derives `byteCount` bytes (1...``maximumByteCount``) from `password` and `salt` with `iterations`
    /// (1...`Int32.max`) rounds. Throws ``CryptoError/Code/invalidArgument`` for arguments out of range.
    public static func deriveKey(
        password: some Collection<UInt8>, salt: some Collection<UInt8>, iterations: Int, byteCount: Int
    ) throws(CryptoError) -> [UInt8] {
        guard let rounds = Int32(exactly: iterations), rounds >= 1 else {
            throw CryptoError(.invalidArgument, "PBKDF2 iteration count \(iterations); 1...\(Int32.max) allowed")
        }
        guard (1...maximumByteCount).contains(byteCount) else {
            throw CryptoError(
                .invalidArgument, "PBKDF2 output of \(byteCount) bytes; 1...\(maximumByteCount) allowed")
        }
        guard let passwordCount = Int32(exactly: password.count), let saltCount = Int32(exactly: salt.count) else {
            throw CryptoError(.invalidArgument, "PBKDF2 password or salt is longer than a C int can carry")
        }
        OpenSSLErrorQueue.clear()
        var key = [UInt8](repeating: 0, count: byteCount)
        let status = password.withBytePointer { passwordPointer, _ in
            salt.withBytePointer { saltPointer, _ in
                passwordPointer.withMemoryRebound(to: CChar.self, capacity: Int(passwordCount)) { passwordChars in
                    PKCS5_PBKDF2_HMAC(
                        passwordChars, passwordCount, saltPointer, saltCount, rounds, EVP_sha256(),
                        Int32(byteCount), &key)
                }
            }
        }
        guard status == 1 else { throw CryptoError(.internalFailure, "PKCS5_PBKDF2_HMAC failed") }
        return key
    }
}
