/// Texts bound to the row that holds them.
///
/// A field label says which column a text belongs to; a row's identity in it says which row. Without it, a text
/// copied from one row into another opens there: whoever may write the table, but holds no key, could put their
/// own card's sealed number into another account's card, or their own API secret into another client. Sealed for
/// a row, the copy fails authentication (``CryptoError/Code/authenticationFailed``).
///
/// Texts sealed before rows were bound (under a key version below ``FieldKeyring/rowsBoundFrom``, or under any
/// version of a keyring that has none) also open for their field alone: they are the ones a rotation re-seals.
extension FieldCipher {
    /// The label that binds `field` to `row`: `<field>#<row>`. Both are printable ASCII without spaces.
    public static func rowLabel(field: String, row: String) -> String {
        "\(field)#\(row)"
    }

    /// Seals `plaintext` for `field` of the row whose identity is `row`.
    public func seal(_ plaintext: String, field: String, row: String) throws(CryptoError) -> String {
        try seal(plaintext, field: Self.rowLabel(field: field, row: row))
    }

    /// Opens a text sealed for `field` of `row`. A text sealed for the field alone opens too when its key version
    /// may hold such texts (``FieldKeyring/mayHoldUnboundTexts(version:)``); any other text, one of another row
    /// included, throws as ``open(_:field:)``.
    public func open(_ sealed: String, field: String, row: String) throws(CryptoError) -> String {
        try openReportingBinding(sealed, field: field, row: row).plaintext
    }

    /// ``open(_:field:row:)``, also saying whether the text was bound to the row (false: sealed for the field alone,
    /// to be re-sealed).
    public func openReportingBinding(_ sealed: String, field: String, row: String) throws(CryptoError) -> (plaintext: String, bound: Bool) {
        do throws(CryptoError) {
            return (try open(sealed, field: Self.rowLabel(field: field, row: row)), true)
        } catch let error where error.code == .authenticationFailed {
            let refused = CryptoError(.authenticationFailed, "the text does not open for this row of \(field): damaged, or sealed for another row")
            guard keyring.mayHoldUnboundTexts(version: try Self.keyVersion(of: sealed)) else { throw refused }
            do throws(CryptoError) {
                return (try open(sealed, field: field), false)
            } catch let unbound where unbound.code == .authenticationFailed {
                throw refused
            }
        }
    }

    /// `sealed` opened and sealed again for `row` under the current version, unless it is bound to `row` under the
    /// current version already (then `sealed` itself, authenticated). Throws as ``open(_:field:row:)``.
    public func resealed(_ sealed: String, field: String, row: String) throws(CryptoError) -> (text: String, changed: Bool) {
        let opened = try openReportingBinding(sealed, field: field, row: row)
        if opened.bound, try !needsRotation(sealed) { return (sealed, false) }
        return (try seal(opened.plaintext, field: field, row: row), true)
    }
}
