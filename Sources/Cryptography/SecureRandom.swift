import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG (seeded from the operating system).
///
/// Use it for keys, nonces, one-time tokens and salts. It never returns weak bytes: if OpenSSL cannot produce
/// random bytes (its entropy source is broken) the process traps, because every caller would otherwise go on
/// with a predictable key or token, which is worse than stopping.
public enum SecureRandom {
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes(count:) with a negative count")
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let chunk = Swift.min(count - offset, Int(Int32.max))
            let status = bytes.withUnsafeMutableBufferPointer { buffer in
                RAND_bytes(buffer.baseAddress! + offset, Int32(chunk))
            }
            guard status == 1 else {
                fatalError("RAND_bytes failed: \(CryptoError(.internalFailure, "no secure random bytes"))")
            }
            offset += chunk
        }
        return bytes
    }
}
