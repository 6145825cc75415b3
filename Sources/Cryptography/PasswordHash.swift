/// One stored password hash: the algorithm and its cost parameters, the salt and the derived key, read from or
/// written as one self-describing text.
///
/// The text is one of
/// - `scrypt$<N>$<r>$<p>$<salt>$<key>`, for example `scrypt$32768$8$3$…$…`;
/// - `pbkdf2-sha256$<iterations>$<salt>$<key>`, for example `pbkdf2-sha256$600000$…$…`;
///
/// with numbers in decimal (no sign, no leading zeros) and salt and key in unpadded URL-safe Base64
/// (``Base64URL``). Parsing accepts only that canonical form and only parameters within the limits below, so
/// a damaged or hostile text fails with a ``CryptoError`` (never a crash, and never a verification that
/// allocates gigabytes or runs for minutes).
///
/// `description` names the algorithm and parameters only, never the salt or key.
public struct PasswordHash: Sendable, Hashable, CustomStringConvertible {
    /// A key-derivation function and its cost.
    public enum Parameters: Sendable, Hashable, CustomStringConvertible {
        /// PBKDF2 with HMAC-SHA-256 (``PBKDF2HMACSHA256``).
        case pbkdf2SHA256(iterations: Int)
        /// scrypt (``Scrypt``) with cost `n` (N), block size `r` and parallelization `p`.
        case scrypt(n: Int, r: Int, p: Int)

        public var description: String {
            switch self {
            case .pbkdf2SHA256(let iterations): "pbkdf2-sha256 (\(iterations) iterations)"
            case .scrypt(let n, let r, let p): "scrypt (N=\(n), r=\(r), p=\(p))"
            }
        }

        /// The name that starts the text form.
        var identifier: String {
            switch self {
            case .pbkdf2SHA256: PasswordHash.pbkdf2Identifier
            case .scrypt: PasswordHash.scryptIdentifier
            }
        }

        /// Throws ``CryptoError/Code/invalidArgument`` unless the parameters are within the limits a stored
        /// hash may have (see ``PasswordHash/Limits``).
        func validate() throws(CryptoError) {
            switch self {
            case .pbkdf2SHA256(let iterations):
                guard Limits.pbkdf2Iterations.contains(iterations) else {
                    throw CryptoError(
                        .invalidArgument, "PBKDF2 iteration count \(iterations); \(Limits.pbkdf2Iterations) allowed")
                }
            case .scrypt(let n, let r, let p):
                guard Limits.scryptN.contains(n), n & (n - 1) == 0 else {
                    throw CryptoError(.invalidArgument, "scrypt N = \(n); a power of two in \(Limits.scryptN)")
                }
                guard Limits.scryptR.contains(r), Limits.scryptP.contains(p) else {
                    throw CryptoError(
                        .invalidArgument, "scrypt r = \(r), p = \(p); r in \(Limits.scryptR), p in \(Limits.scryptP)")
                }
                guard let memory = Scrypt.memoryByteCount(n: n, r: r, p: p),
                    memory <= Limits.scryptMemoryByteCount
                else {
                    throw CryptoError(
                        .invalidArgument,
                        "scrypt N = \(n), r = \(r) needs more than \(Limits.scryptMemoryByteCount) bytes of memory")
                }
            }
        }

        /// The key derived from `password` and `salt` with these parameters.
        func deriveKey(password: [UInt8], salt: [UInt8], byteCount: Int) throws(CryptoError) -> [UInt8] {
            switch self {
            case .pbkdf2SHA256(let iterations):
                try PBKDF2HMACSHA256.deriveKey(
                    password: password, salt: salt, iterations: iterations, byteCount: byteCount)
            case .scrypt(let n, let r, let p):
                try Scrypt.deriveKey(
                    password: password, salt: salt, n: n, r: r, p: p, byteCount: byteCount,
                    maximumMemoryByteCount: Limits.scryptMemoryByteCount)
            }
        }
    }

    /// What a stored hash may contain. They bound the time and memory one verification can take.
    public enum Limits {
        public static let pbkdf2Iterations = 1...5_000_000
        public static let scryptN = 2...(1 << 20)
        public static let scryptR = 1...32
        public static let scryptP = 1...16
        /// At most this much memory for one scrypt verification: 256 MiB.
        public static let scryptMemoryByteCount = 256 << 20
        public static let saltByteCount = 16...64
        public static let keyByteCount = 16...64
    }

    static let pbkdf2Identifier = "pbkdf2-sha256"
    static let scryptIdentifier = "scrypt"
    /// Longer texts are refused before they are split.
    static let maximumTextLength = 512

    public let parameters: Parameters
    public let salt: [UInt8]
    /// The derived key. Not secret in the sense of a key, but it lets an attacker guess passwords offline:
    /// keep it where the stored text is kept.
    let derivedKey: [UInt8]

    /// A hash from its parts; throws ``CryptoError/Code/invalidArgument`` for parameters or lengths out of
    /// ``Limits``.
    init(parameters: Parameters, salt: [UInt8], derivedKey: [UInt8]) throws(CryptoError) {
        try parameters.validate()
        guard Limits.saltByteCount.contains(salt.count) else {
            throw CryptoError(.invalidArgument, "salt of \(salt.count) bytes; \(Limits.saltByteCount) allowed")
        }
        guard Limits.keyByteCount.contains(derivedKey.count) else {
            throw CryptoError(
                .invalidArgument, "derived key of \(derivedKey.count) bytes; \(Limits.keyByteCount) allowed")
        }
        self.parameters = parameters
        self.salt = salt
        self.derivedKey = derivedKey
    }

    /// Reads the text form. Throws ``CryptoError/Code/unsupportedFormat`` for an algorithm name it does not
    /// know, ``CryptoError/Code/invalidEncoding`` for a malformed text and ``CryptoError/Code/invalidArgument``
    /// for parameters, salt or key lengths outside ``Limits``.
    public init(parsing text: String) throws(CryptoError) {
        guard text.utf8.count <= Self.maximumTextLength else {
            throw CryptoError(.invalidEncoding, "password hash text is longer than \(Self.maximumTextLength) bytes")
        }
        let fields = text.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        let parameters: Parameters
        let rest: ArraySlice<String>
        switch fields[0] {
        case Self.pbkdf2Identifier:
            guard fields.count == 4 else {
                throw CryptoError(.invalidEncoding, "pbkdf2-sha256 hash has \(fields.count) fields, expected 4")
            }
            parameters = .pbkdf2SHA256(iterations: try Self.number(fields[1], "iteration count"))
            rest = fields[2...]
        case Self.scryptIdentifier:
            guard fields.count == 6 else {
                throw CryptoError(.invalidEncoding, "scrypt hash has \(fields.count) fields, expected 6")
            }
            parameters = .scrypt(
                n: try Self.number(fields[1], "N"), r: try Self.number(fields[2], "r"),
                p: try Self.number(fields[3], "p"))
            rest = fields[4...]
        default:
            // The name is not echoed: a mangled text might be a password pasted into the wrong column.
            throw CryptoError(.unsupportedFormat, "the text does not start with a known password hash algorithm")
        }
        try self.init(
            parameters: parameters, salt: try Base64URL.decode(rest[rest.startIndex]),
            derivedKey: try Base64URL.decode(rest[rest.startIndex + 1]))
    }

    /// The text form, which ``init(parsing:)`` reads back to an equal value.
    public var text: String {
        let encodedSalt = Base64URL.encode(salt)
        let encodedKey = Base64URL.encode(derivedKey)
        switch parameters {
        case .pbkdf2SHA256(let iterations):
            return "\(Self.pbkdf2Identifier)$\(iterations)$\(encodedSalt)$\(encodedKey)"
        case .scrypt(let n, let r, let p):
            return "\(Self.scryptIdentifier)$\(n)$\(r)$\(p)$\(encodedSalt)$\(encodedKey)"
        }
    }

    /// True if `password` (already normalized, as UTF-8) derives this hash's key. The comparison takes the same
    /// time wherever the keys differ.
    func matches(normalizedPassword password: [UInt8]) throws(CryptoError) -> Bool {
        let candidate = try parameters.deriveKey(password: password, salt: salt, byteCount: derivedKey.count)
        return constantTimeEquals(candidate, derivedKey)
    }

    public var description: String {
        "PasswordHash(\(parameters), \(salt.count)-byte salt, \(derivedKey.count)-byte key)"
    }

    /// Decimal digits without sign or leading zeros, at most 10 of them.
    private static func number(_ text: String, _ what: String) throws(CryptoError) -> Int {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count <= 10,
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            digits.count == 1 || digits[0] != UInt8(ascii: "0"), let value = Int(text)
        else {
            throw CryptoError(.invalidEncoding, "password hash \(what) is not a canonical decimal number")
        }
        return value
    }
}
