import COpenSSL

/// scrypt (RFC 7914), the memory-hard password-based key-derivation function, as OpenSSL's EVP_PBE_scrypt
/// computes it.
///
/// This is the raw function: the same inputs always give the same bytes. To store passwords use
/// ``PasswordHasher``, which adds a random salt, a self-describing format and a constant-time comparison.
///
/// It allocates about `128 * r * (N + p + 2)` bytes (``memoryByteCount(n:r:p:)``) for the length of the call
/// and runs on the calling thread, so do not call it on a cooperative or event-loop thread. Calls whose memory
/// need is above `maximumMemoryByteCount` are refused before anything is allocated.
public enum Scrypt {
    /// The largest derived key this module asks for, in bytes.
    public static let maximumByteCount = 1024
    /// The default memory ceiling of one call: 256 MiB.
    public static let defaultMaximumMemoryByteCount = 256 << 20

    /// The bytes one call with these parameters allocates (B and V of RFC 7914 plus OpenSSL's scratch), or nil
    /// if that overflows `Int`.
    public static func memoryByteCount(n: Int, r: Int, p: Int) -> Int? {
        guard n >= 0, r >= 0, p >= 0 else { return nil }
        let (blocks, overflowA) = n.addingReportingOverflow(p)
        let (withScratch, overflowB) = blocks.addingReportingOverflow(2)
        let (perBlock, overflowC) = r.multipliedReportingOverflow(by: 128)
        let (total, overflowD) = withScratch.multipliedReportingOverflow(by: perBlock)
        return overflowA || overflowB || overflowC || overflowD ? nil : total
    }

    /// Derives `byteCount` bytes (1...``maximumByteCount``).
    ///
    /// - Parameters:
    ///   - n: the CPU/memory cost N, a power of two greater than 1.
    ///   - r: the block size, at least 1.
    ///   - p: the parallelization, at least 1, with `p * r < 2^30` (RFC 7914 §2).
    ///   - maximumMemoryByteCount: refuse (``CryptoError/Code/invalidArgument``) parameters needing more memory.
    public static func deriveKey(
        password: some Collection<UInt8>, salt: some Collection<UInt8>, n: Int, r: Int, p: Int, byteCount: Int,
        maximumMemoryByteCount: Int = defaultMaximumMemoryByteCount
    ) throws(CryptoError) -> [UInt8] {
        guard n > 1, n & (n - 1) == 0 else {
            throw CryptoError(.invalidArgument, "scrypt N = \(n) is not a power of two greater than 1")
        }
        let product = r.multipliedReportingOverflow(by: p)
        guard r >= 1, p >= 1, !product.overflow, product.partialValue < 1 << 30 else {
            throw CryptoError(.invalidArgument, "scrypt r = \(r), p = \(p); both at least 1 with r * p < 2^30")
        }
        // RFC 7914 §2: N < 2^(128 * r / 8).
        guard 16 * r >= Int.bitWidth - 1 || n < 1 << (16 * r) else {
            throw CryptoError(.invalidArgument, "scrypt N = \(n) is too large for r = \(r) (N < 2^(16 r))")
        }
        guard (1...maximumByteCount).contains(byteCount) else {
            throw CryptoError(
                .invalidArgument, "scrypt output of \(byteCount) bytes; 1...\(maximumByteCount) allowed")
        }
        guard let memory = memoryByteCount(n: n, r: r, p: p), memory <= maximumMemoryByteCount else {
            throw CryptoError(
                .invalidArgument,
                "scrypt N = \(n), r = \(r), p = \(p) needs more than \(maximumMemoryByteCount) bytes of memory")
        }
        OpenSSLErrorQueue.clear()
        var key = [UInt8](repeating: 0, count: byteCount)
        let status = password.withBytePointer { passwordPointer, passwordCount in
            salt.withBytePointer { saltPointer, saltCount in
                passwordPointer.withMemoryRebound(to: CChar.self, capacity: passwordCount) { passwordChars in
                    EVP_PBE_scrypt(
                        passwordChars, passwordCount, saltPointer, saltCount, UInt64(n), UInt64(r), UInt64(p),
                        UInt64(memory), &key, byteCount)
                }
            }
        }
        guard status == 1 else { throw CryptoError(.internalFailure, "EVP_PBE_scrypt failed") }
        return key
    }
}
