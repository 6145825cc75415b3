/// Encrypts sensitive fields for storage (bank card numbers, ID numbers, phone numbers, real names) with
/// AES-256-GCM under a ``FieldKeyring``.
///
/// A sealed field is the text `v<version>.<payload>`, where `<version>` is the decimal key version and
/// `<payload>` is unpadded URL-safe Base64 (``Base64URL``) of `nonce (12 bytes) || ciphertext || tag (16 bytes)`.
/// It contains only `v`, `.` and the Base64URL alphabet, so it fits a `text` column and needs no escaping.
///
/// Guarantees:
/// - every seal draws a fresh random 12-byte nonce, so equal plaintexts give unrelated texts (random nonces
///   keep GCM safe for up to 2^32 seals per key, NIST SP 800-38D §8.3: rotate long before that);
/// - the field label (for example `"users.phone"`) is authenticated together with the key version: a text
///   copied into another column, or relabelled with another version, fails to open with
///   ``CryptoError/Code/authenticationFailed``. ``seal(_:field:row:)`` also binds a text to its row (the label
///   `"<field>#<row>"`): copied into another row, it fails to open there (``open(_:field:row:)``);
/// - ``open(_:field:)`` picks the key by the text's version, so texts sealed under older versions still open
///   while the keyring holds those versions; a version it does not hold throws
///   ``CryptoError/Code/unknownKeyVersion``; a tampered text throws and never returns plaintext;
/// - the text reveals the key version and the plaintext's length in UTF-8 bytes, nothing else.
///
/// Field labels are 1 to 256 printable ASCII characters without spaces (``CryptoError/Code/invalidArgument``
/// otherwise). The value is immutable and safe to share between tasks; `description` never shows key bytes.
public struct FieldCipher: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Longer plaintexts are refused; these are database fields, not documents.
    public static let maximumPlaintextByteCount = 64 * 1024
    static let nonceByteCount = AES256GCM.nonceByteCount
    static let tagByteCount = AES256GCM.tagByteCount
    static let maximumLabelByteCount = 256

    public let keyring: FieldKeyring

    public init(keyring: FieldKeyring) {
        self.keyring = keyring
    }

    /// Seals `plaintext` (as UTF-8) under the current key version, authenticating `field`.
    public func seal(_ plaintext: String, field: String) throws(CryptoError) -> String {
        try seal(plaintext, field: field, nonce: SecureRandom.bytes(count: Self.nonceByteCount))
    }

    /// `seal` with a given nonce, for tests that need a reproducible text. Never reuse a nonce.
    func seal(_ plaintext: String, field: String, nonce: [UInt8]) throws(CryptoError) -> String {
        let label = try Self.label(field)
        let bytes = Array(plaintext.utf8)
        guard bytes.count <= Self.maximumPlaintextByteCount else {
            throw CryptoError(
                .invalidArgument, "plaintext is \(bytes.count) bytes, more than \(Self.maximumPlaintextByteCount)")
        }
        let version = keyring.currentVersion
        let key = try keyring.dataKey(version: version)
        let box = try CryptoError.typed {
            try AES256GCM.seal(
                bytes, key: key, nonce: nonce, authenticating: Self.associatedData(version: version, label: label))
        }
        return "v\(version).\(Base64URL.encode(box.nonce + box.ciphertext + box.tag))"
    }

    /// Opens a text made by ``seal(_:field:)`` with the same `field`.
    ///
    /// Throws ``CryptoError/Code/invalidEncoding`` for a text that is not a sealed field,
    /// ``CryptoError/Code/unknownKeyVersion`` if the keyring lacks its version and
    /// ``CryptoError/Code/authenticationFailed`` if it was altered, belongs to another field or another keyring.
    public func open(_ sealed: String, field: String) throws(CryptoError) -> String {
        let label = try Self.label(field)
        let (version, payload) = try Self.parse(sealed)
        let key = try keyring.dataKey(version: version)
        let nonce = Array(payload[..<Self.nonceByteCount])
        let rest = Array(payload[Self.nonceByteCount...])
        let plaintext = try CryptoError.typed {
            try AES256GCM.open(
                ciphertextAndTag: rest, key: key, nonce: nonce,
                authenticating: Self.associatedData(version: version, label: label))
        }
        guard let text = String(validating: plaintext, as: UTF8.self) else {
            throw CryptoError(.invalidEncoding, "the opened field is not UTF-8")
        }
        return text
    }

    /// True if `sealed` was sealed under another version than the keyring's current one: re-seal it (for
    /// example with ``resealed(_:field:)``) so that its old key can be retired. Throws
    /// ``CryptoError/Code/invalidEncoding`` if it is not a sealed field.
    public func needsRotation(_ sealed: String) throws(CryptoError) -> Bool {
        try Self.keyVersion(of: sealed) != keyring.currentVersion
    }

    /// `sealed` opened and sealed again under the current version if ``needsRotation(_:)``, else `sealed`
    /// itself. Throws as ``open(_:field:)``.
    public func resealed(_ sealed: String, field: String) throws(CryptoError) -> String {
        guard try needsRotation(sealed) else {
            // Authenticate anyway, so a rotation job does not bless a damaged text.
            _ = try open(sealed, field: field)
            return sealed
        }
        return try seal(try open(sealed, field: field), field: field)
    }

    /// The key version a sealed text names, without opening it. Throws ``CryptoError/Code/invalidEncoding`` if
    /// it is not a sealed field.
    public static func keyVersion(of sealed: String) throws(CryptoError) -> Int {
        try parse(sealed).version
    }

    public var description: String { "FieldCipher(\(keyring))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["keyring": keyring], displayStyle: .struct) }

    // MARK: Format

    /// The authenticated data: the text's own prefix `v<version>.` followed by the field label.
    static func associatedData(version: Int, label: [UInt8]) -> [UInt8] {
        Array("v\(version).".utf8) + label
    }

    static func label(_ field: String) throws(CryptoError) -> [UInt8] {
        let bytes = Array(field.utf8)
        guard (1...maximumLabelByteCount).contains(bytes.count), bytes.allSatisfy({ (0x21...0x7e).contains($0) })
        else {
            throw CryptoError(
                .invalidArgument,
                "a field label is 1...\(maximumLabelByteCount) printable ASCII characters without spaces")
        }
        return bytes
    }

    /// Splits `v<version>.<payload>` and decodes the payload, which holds at least a nonce and a tag.
    static func parse(_ sealed: String) throws(CryptoError) -> (version: Int, payload: [UInt8]) {
        // 4/3 of the payload, plus the prefix.
        let maximumLength = (maximumPlaintextByteCount + nonceByteCount + tagByteCount) * 4 / 3 + 16
        let text = Array(sealed.utf8)
        guard text.count <= maximumLength, text.first == UInt8(ascii: "v"),
            let dot = text.firstIndex(of: UInt8(ascii: "."))
        else {
            throw CryptoError(.invalidEncoding, "the text is not a sealed field (v<version>.<payload>)")
        }
        let digits = text[1..<dot]
        guard (1...3).contains(digits.count), digits.first != UInt8(ascii: "0"),
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let version = Int(String(decoding: digits, as: UTF8.self))
        else {
            throw CryptoError(.invalidEncoding, "the sealed field's version is not a canonical decimal number")
        }
        let payload = try Base64URL.decode(String(decoding: text[(dot + 1)...], as: UTF8.self))
        guard payload.count >= nonceByteCount + tagByteCount else {
            throw CryptoError(
                .invalidEncoding, "the sealed field's payload is \(payload.count) bytes, shorter than nonce and tag")
        }
        return (version, payload)
    }
}
