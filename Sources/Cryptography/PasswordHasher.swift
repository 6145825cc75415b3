import Foundation

/// Hashes passwords for storage and verifies them, with one current choice of algorithm and cost.
///
/// Guarantees:
/// - every ``hash(_:)`` draws a fresh random 16-byte salt, so equal passwords give different texts;
/// - the text is self-describing (``PasswordHash``): a hasher verifies texts made with any parameters within
///   ``PasswordHash/Limits``, including older, cheaper ones, and ``needsRehash(_:)`` says when a text is below
///   the current parameters so the caller can store a new hash right after a successful login;
/// - ``verify(password:against:)`` compares derived keys in constant time; a wrong password answers `false`, a
///   text that is not a password hash throws a ``CryptoError`` (it never crashes);
/// - passwords are Unicode-normalized (NFKC) before hashing, so the same password typed as composed or
///   decomposed characters, or with full-width digits and letters from a Chinese input method, verifies.
///
/// Hashing costs about as much as verifying: tens to hundreds of milliseconds of CPU and, for scrypt, the
/// memory of ``Scrypt/memoryByteCount(n:r:p:)``. Both block the calling thread: call them from a thread that
/// may block, never from the cooperative pool or an event loop, and bound how many run at once.
public struct PasswordHasher: Sendable, CustomStringConvertible {
    /// scrypt with N = 2^15, r = 8, p = 3: 32 MiB per hash, one of the OWASP Password Storage Cheat Sheet's
    /// equivalent minimum settings.
    public static let recommendedParameters = PasswordHash.Parameters.scrypt(n: 1 << 15, r: 8, p: 3)
    /// PBKDF2-HMAC-SHA256 with 600,000 iterations (OWASP's figure), for deployments that must avoid scrypt.
    public static let recommendedPBKDF2Parameters = PasswordHash.Parameters.pbkdf2SHA256(iterations: 600_000)
    /// The least a hasher will create new hashes with: PBKDF2 iterations.
    public static let minimumPBKDF2Iterations = 10_000
    /// The least a hasher will create new hashes with: scrypt N.
    public static let minimumScryptN = 1 << 10

    public static let saltByteCount = 16
    public static let keyByteCount = 32
    /// Longer passwords (in UTF-8 after normalization) are refused by ``hash(_:)`` and never verify.
    public static let maximumPasswordByteCount = 1024

    /// The parameters new hashes are made with.
    public let parameters: PasswordHash.Parameters

    /// A hasher with ``recommendedParameters``.
    public init() {
        parameters = Self.recommendedParameters
    }

    /// A hasher that makes new hashes with `parameters`. Throws ``CryptoError/Code/invalidArgument`` if they
    /// are outside ``PasswordHash/Limits`` or below ``minimumPBKDF2Iterations`` / ``minimumScryptN``.
    public init(parameters: PasswordHash.Parameters) throws(CryptoError) {
        try parameters.validate()
        switch parameters {
        case .pbkdf2SHA256(let iterations):
            guard iterations >= Self.minimumPBKDF2Iterations else {
                throw CryptoError(
                    .invalidArgument,
                    "\(iterations) PBKDF2 iterations are below the minimum \(Self.minimumPBKDF2Iterations) "
                        + "for new hashes")
            }
        case .scrypt(let n, _, _):
            guard n >= Self.minimumScryptN else {
                throw CryptoError(
                    .invalidArgument, "scrypt N = \(n) is below the minimum \(Self.minimumScryptN) for new hashes")
            }
        }
        self.parameters = parameters
    }

    /// Hashes `password` with a fresh random salt and returns the text to store. Throws
    /// ``CryptoError/Code/invalidArgument`` if the password is longer than ``maximumPasswordByteCount``.
    public func hash(_ password: String) throws(CryptoError) -> String {
        guard let bytes = Self.normalized(password) else {
            throw CryptoError(
                .invalidArgument, "password is longer than \(Self.maximumPasswordByteCount) bytes of UTF-8")
        }
        let salt = SecureRandom.bytes(count: Self.saltByteCount)
        let key = try parameters.deriveKey(password: bytes, salt: salt, byteCount: Self.keyByteCount)
        return try PasswordHash(parameters: parameters, salt: salt, derivedKey: key).text
    }

    /// True if `password` is the one `stored` was made from. The stored text's own parameters are used, so
    /// hashes made with older parameters still verify.
    ///
    /// Throws (see ``PasswordHash/init(parsing:)``) only if `stored` is not a valid password hash text.
    public func verify(password: String, against stored: String) throws(CryptoError) -> Bool {
        try verify(password: password, against: try PasswordHash(parsing: stored))
    }

    /// True if `password` is the one `hash` was made from.
    public func verify(password: String, against hash: PasswordHash) throws(CryptoError) -> Bool {
        // Such a password cannot have been hashed, so it cannot match.
        guard let bytes = Self.normalized(password) else { return false }
        return try hash.matches(normalizedPassword: bytes)
    }

    /// True if `stored` was made with another algorithm than this hasher's, with any cost parameter below this
    /// hasher's, or with a shorter salt or key than new hashes get. Store a fresh ``hash(_:)`` of the password
    /// after the next successful verification.
    ///
    /// Throws (see ``PasswordHash/init(parsing:)``) only if `stored` is not a valid password hash text.
    public func needsRehash(_ stored: String) throws(CryptoError) -> Bool {
        needsRehash(try PasswordHash(parsing: stored))
    }

    /// Like the `String` overload, for a parsed hash.
    public func needsRehash(_ hash: PasswordHash) -> Bool {
        if hash.salt.count < Self.saltByteCount || hash.derivedKey.count < Self.keyByteCount { return true }
        switch (hash.parameters, parameters) {
        case (.pbkdf2SHA256(let stored), .pbkdf2SHA256(let current)):
            return stored < current
        case (.scrypt(let n, let r, let p), .scrypt(let currentN, let currentR, let currentP)):
            return n < currentN || r < currentR || p < currentP
        default:
            return true
        }
    }

    public var description: String { "PasswordHasher(\(parameters))" }

    /// The NFKC form of `password` as UTF-8, or nil if it is longer than ``maximumPasswordByteCount``.
    static func normalized(_ password: String) -> [UInt8]? {
        // Checked before normalizing too, so a huge input is not normalized at all. NFKC can lengthen a string,
        // hence the second check.
        guard password.utf8.count <= maximumPasswordByteCount * 4 else { return nil }
        let bytes = Array(password.precomposedStringWithCompatibilityMapping.utf8)
        return bytes.count <= maximumPasswordByteCount ? bytes : nil
    }
}
