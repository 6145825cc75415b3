import COpenSSL

/// Compares two byte strings in time that depends only on their lengths, not on where they differ (CRYPTO_memcmp).
///
/// Use it for MACs, signatures given as text, tokens and any other secret-derived value an attacker can submit.
/// Different lengths return `false` at once: lengths of such values are public.
public func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return lhs.withBytePointer { left, count in
        rhs.withBytePointer { right, _ in CRYPTO_memcmp(left, right, count) == 0 }
    }
}

/// Compares the UTF-8 bytes of two strings in constant time; no Unicode normalization is applied.
public func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
    constantTimeEquals(Array(lhs.utf8), Array(rhs.utf8))
}
