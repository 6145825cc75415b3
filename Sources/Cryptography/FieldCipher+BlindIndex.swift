import Foundation

extension FieldCipher {
    /// A keyed, deterministic digest of a field's value for equality search over encrypted columns: store it
    /// next to the sealed text, index it, and look rows up by the blind index of the searched value.
    ///
    /// It is HMAC-SHA256 under the keyring's blind-index key over the field label and the normalized value
    /// (``normalizedForBlindIndex(_:)``), as 43 characters of unpadded URL-safe Base64 (``Base64URL``), which
    /// rarely shows a run of digits by chance, unlike hex. Guarantees:
    /// - the same keyring, label and normalized value always give the same index, so it can be searched;
    /// - without the index key it cannot be computed, so a stolen table cannot be matched against a list of
    ///   all 11-digit phone numbers; with another index key every index differs;
    /// - equal values under different labels give unrelated indexes, so columns cannot be joined on it.
    ///
    /// It does reveal which rows share a value. Normalization may map different inputs to one index: confirm
    /// a match by opening the sealed text when that matters. Changing the index key changes every index, so
    /// the index key has no versions; replacing it means recomputing the column.
    ///
    /// Throws ``CryptoError/Code/invalidArgument`` for an invalid field label.
    public func blindIndex(field: String, value: String) throws(CryptoError) -> String {
        let label = try Self.label(field)
        let normalized = Array(Self.normalizedForBlindIndex(value).utf8)
        // Labels contain no NUL, so the label and the value cannot shift into each other.
        let message = Array(Self.blindIndexDomain.utf8) + [0] + label + [0] + normalized
        return Base64URL.encode(HMACSHA256.authenticationCode(key: keyring.indexKey, message: message))
    }

    /// The form of a value that ``blindIndex(field:value:)`` digests: Unicode NFKC (full-width digits and
    /// letters become ASCII), lower-cased, without white space and hyphens. So `"6222 0200-1234 5678"` and
    /// `"６２２２０２００１２３４５６７８"` index alike, as do `"11010519491231002x"` and `"11010519491231002X"`.
    ///
    /// Canonicalize anything field-specific (such as a `+86` country code) before calling.
    public static func normalizedForBlindIndex(_ value: String) -> String {
        let folded = value.precomposedStringWithCompatibilityMapping.lowercased()
        return String(folded.filter { !$0.isWhitespace && $0 != "-" })
    }

    static let blindIndexDomain = "paystream.blind-index.v1"
}
