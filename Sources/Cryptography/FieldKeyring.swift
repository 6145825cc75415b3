/// The keys that protect sensitive fields at rest: several versions of AES-256 data keys, one of them current,
/// and one separate HMAC key for blind indexes.
///
/// Guarantees, checked when a keyring is made or loaded (every failure is a typed ``CryptoError``):
/// - there is at least one data key, every version is in ``versionRange`` and the current version is present
///   (``CryptoError/Code/invalidKeyring``);
/// - every key, the index key included, is exactly 32 bytes (``CryptoError/Code/invalidLength``) and not all
///   zero bytes (``CryptoError/Code/invalidKey``);
/// - the index key differs from every data key, and no two versions share a key
///   (``CryptoError/Code/invalidKeyring``).
///
/// `description`, `debugDescription` and its reflection (`dump`, `String(reflecting:)`) show the versions only,
/// never key bytes. The value is immutable and safe to share between tasks.
///
/// Rotation: ``addingGeneratedKey()`` adds a new current version; texts sealed under older versions still open
/// as long as their version stays in the keyring, and ``FieldCipher/needsRotation(_:)`` finds them.
///
/// Rows: from version ``rowsBoundFrom`` on, every text was sealed for one row (``FieldCipher/seal(_:field:row:)``),
/// and ``FieldCipher/open(_:field:row:)`` opens it only for that row. A keyring made before rows were bound has no
/// such version (nil): its texts open for their field alone too, until a rotation, which binds from the new version.
public struct FieldKeyring: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let keyByteCount = 32
    /// Key versions have 1 to 3 decimal digits, so the `v<version>.` prefix of a sealed text never holds a
    /// run of 4 digits.
    public static let versionRange = 1...999

    /// The version new seals use.
    public let currentVersion: Int
    let dataKeys: [Int: [UInt8]]
    let indexKey: [UInt8]
    /// The first version under which every text is bound to its row; nil when none is (a keyring older than row
    /// binding). Texts under a lower version may also open for their field alone.
    public let rowsBoundFrom: Int?

    /// A keyring from raw keys. See the type's guarantees for what throws; `rowsBoundFrom`, when given, is in
    /// ``versionRange`` and not above the highest version.
    public init(currentVersion: Int, keys: [Int: [UInt8]], indexKey: [UInt8], rowsBoundFrom: Int? = nil) throws(CryptoError) {
        guard !keys.isEmpty else { throw CryptoError(.invalidKeyring, "the keyring has no data keys") }
        if let rowsBoundFrom, !Self.versionRange.contains(rowsBoundFrom) {
            throw CryptoError(.invalidKeyring, "rowsBoundFrom \(rowsBoundFrom) is outside \(Self.versionRange)")
        }
        for version in keys.keys.sorted() {
            guard Self.versionRange.contains(version) else {
                throw CryptoError(.invalidKeyring, "key version \(version) is outside \(Self.versionRange)")
            }
            try Self.checkKey(keys[version]!, "data key version \(version)")
        }
        try Self.checkKey(indexKey, "blind-index key")
        guard keys[currentVersion] != nil else {
            throw CryptoError(
                .invalidKeyring,
                "the current version \(currentVersion) is not among the key versions \(keys.keys.sorted())")
        }
        let sorted = keys.sorted { $0.key < $1.key }
        for (index, (version, key)) in sorted.enumerated() {
            guard !constantTimeEquals(key, indexKey) else {
                throw CryptoError(.invalidKeyring, "the blind-index key equals data key version \(version)")
            }
            for (otherVersion, otherKey) in sorted[(index + 1)...] where constantTimeEquals(key, otherKey) {
                throw CryptoError(.invalidKeyring, "data key versions \(version) and \(otherVersion) are equal")
            }
        }
        if let rowsBoundFrom, let highest = keys.keys.max(), rowsBoundFrom > highest {
            throw CryptoError(.invalidKeyring, "rowsBoundFrom \(rowsBoundFrom) is above the highest key version \(highest)")
        }
        self.currentVersion = currentVersion
        self.dataKeys = keys
        self.indexKey = indexKey
        self.rowsBoundFrom = rowsBoundFrom
    }

    /// A new keyring of one random data key with `version` and a random index key, for tests and for creating
    /// the first key file. Its texts are bound to their rows from the start.
    public static func generate(version: Int = 1) throws(CryptoError) -> FieldKeyring {
        try FieldKeyring(
            currentVersion: version, keys: [version: SecureRandom.bytes(count: keyByteCount)],
            indexKey: SecureRandom.bytes(count: keyByteCount), rowsBoundFrom: version)
    }

    /// This keyring with a new random data key as the current version (the highest version plus one). Older
    /// versions and the index key stay, so existing texts still open and existing blind indexes still match. A
    /// keyring older than row binding binds rows from the new version on (re-seal every text under it, as
    /// `paystream keys rotate` does).
    public func addingGeneratedKey() throws(CryptoError) -> FieldKeyring {
        let version = (dataKeys.keys.max() ?? 0) + 1
        var keys = dataKeys
        keys[version] = SecureRandom.bytes(count: Self.keyByteCount)
        return try FieldKeyring(currentVersion: version, keys: keys, indexKey: indexKey, rowsBoundFrom: rowsBoundFrom ?? version)
    }

    /// This keyring with every version bound to rows: once every stored text was re-sealed for its row (as
    /// `paystream keys rotate` does), none sealed for its field alone opens any more, whatever its version.
    public func bindingRowsUnderEveryVersion() throws(CryptoError) -> FieldKeyring {
        try FieldKeyring(currentVersion: currentVersion, keys: dataKeys, indexKey: indexKey, rowsBoundFrom: versions.first ?? currentVersion)
    }

    /// Whether a text under `version` may have been sealed for its field alone, before rows were bound.
    public func mayHoldUnboundTexts(version: Int) -> Bool {
        rowsBoundFrom.map { version < $0 } ?? true
    }

    /// This keyring without `version`, once nothing is sealed under it any more. The current version cannot be
    /// removed (``CryptoError/Code/invalidKeyring``).
    public func removingKey(version: Int) throws(CryptoError) -> FieldKeyring {
        guard dataKeys[version] != nil else {
            throw CryptoError(.unknownKeyVersion, "the keyring holds no key version \(version)")
        }
        var keys = dataKeys
        keys[version] = nil
        return try FieldKeyring(currentVersion: currentVersion, keys: keys, indexKey: indexKey, rowsBoundFrom: rowsBoundFrom)
    }

    /// Every data key version held, ascending.
    public var versions: [Int] { dataKeys.keys.sorted() }

    /// Whether this keyring opens everything `earlier` opens and finds every blind index it made: it holds each of
    /// its data keys unchanged, under the same version, and the same blind-index key. A keys file replaced under a
    /// running process must be such a successor (``FieldKeyring/addingGeneratedKey()`` makes one).
    public func succeeds(_ earlier: FieldKeyring) -> Bool {
        guard constantTimeEquals(indexKey, earlier.indexKey) else { return false }
        return earlier.dataKeys.allSatisfy { version, key in dataKeys[version].map { constantTimeEquals($0, key) } ?? false }
    }

    /// The data key of `version`, or ``CryptoError/Code/unknownKeyVersion``.
    func dataKey(version: Int) throws(CryptoError) -> [UInt8] {
        guard let key = dataKeys[version] else {
            throw CryptoError(
                .unknownKeyVersion,
                "the text was sealed with key version \(version), which this keyring (versions \(versions)) "
                    + "does not hold")
        }
        return key
    }

    public var description: String {
        "FieldKeyring(current version \(currentVersion), versions \(versions)\(rowsBoundFrom.map { ", rows bound from \($0)" } ?? ""))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["currentVersion": currentVersion, "versions": versions], displayStyle: .struct)
    }

    private static func checkKey(_ key: [UInt8], _ what: String) throws(CryptoError) {
        guard key.count == keyByteCount else {
            throw CryptoError(.invalidLength, "\(what) is \(key.count) bytes, expected exactly \(keyByteCount)")
        }
        guard key.contains(where: { $0 != 0 }) else {
            throw CryptoError(.invalidKey, "\(what) is all zero bytes (a placeholder, not a key)")
        }
    }
}
