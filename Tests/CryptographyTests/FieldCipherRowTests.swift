import Cryptography
import Testing

/// Texts sealed for one row (``FieldCipher/seal(_:field:row:)``): they open for that row only, and texts sealed
/// before rows were bound open only under the key versions that may hold them.
@Suite struct FieldCipherRowTests {
    static let field = "bank_cards.number"

    /// A keyring made before rows were bound: versions 1 and 2, current 2, no `rowsBoundFrom`.
    static func legacy() throws -> FieldKeyring { try FieldKeyFixtures.keyring() }

    @Test func aTextSealedForOneRowOpensForThatRowOnly() throws {
        let cipher = FieldCipher(keyring: try FieldKeyring.generate())
        let sealed = try cipher.seal("6222020200112233445", field: Self.field, row: "BC1/user:alice")
        #expect(try cipher.open(sealed, field: Self.field, row: "BC1/user:alice") == "6222020200112233445")
        for (field, row) in [(Self.field, "BC2/user:alice"), (Self.field, "BC1/user:mallory"), ("bank_cards.phone", "BC1/user:alice")] {
            #expect(throws: CryptoError.self) { try cipher.open(sealed, field: field, row: row) }
            do {
                _ = try cipher.open(sealed, field: field, row: row)
            } catch {
                #expect(error.code == .authenticationFailed, "\(field) \(row): \(error)")
            }
        }
        // Nor for the field alone, as a text sealed before rows were bound would.
        #expect(throws: CryptoError.self) { try cipher.open(sealed, field: Self.field) }
    }

    @Test func aNewKeyringBindsFromItsFirstVersionAndRefusesUnboundTexts() throws {
        let keyring = try FieldKeyring.generate()
        #expect(keyring.rowsBoundFrom == 1)
        #expect(!keyring.mayHoldUnboundTexts(version: 1))
        let cipher = FieldCipher(keyring: keyring)
        // A text sealed for the field alone (as before rows were bound) is not taken for any row's.
        let unbound = try cipher.seal("6222020200112233445", field: Self.field)
        do {
            _ = try cipher.open(unbound, field: Self.field, row: "BC1/user:alice")
            Issue.record("an unbound text opened under a keyring that binds every version")
        } catch {
            #expect(error.code == .authenticationFailed)
        }
        #expect(try keyring.addingGeneratedKey().rowsBoundFrom == 1)
    }

    @Test func anOlderKeyringOpensItsUnboundTextsUntilARotationBindsTheRest() throws {
        let old = try Self.legacy()
        #expect(old.rowsBoundFrom == nil && old.mayHoldUnboundTexts(version: 2))
        let before = try FieldCipher(keyring: old).seal("13800138000", field: "bank_cards.phone")
        // Opened for any row while the keyring has no bound version: that is what a rotation re-seals.
        let opened = try FieldCipher(keyring: old).openReportingBinding(before, field: "bank_cards.phone", row: "BC1/user:alice")
        #expect(opened.plaintext == "13800138000" && !opened.bound)

        let rotated = FieldCipher(keyring: try old.addingGeneratedKey())
        #expect(rotated.keyring.currentVersion == 3 && rotated.keyring.rowsBoundFrom == 3)
        // Version 2's unbound text still opens (it is re-sealed next) ...
        let resealed = try rotated.resealed(before, field: "bank_cards.phone", row: "BC1/user:alice")
        #expect(try resealed.changed && FieldCipher.keyVersion(of: resealed.text) == 3)
        // ... and the re-sealed text is bound: another row does not open it, its own row does.
        #expect(throws: CryptoError.self) { try rotated.open(resealed.text, field: "bank_cards.phone", row: "BC2/user:mallory") }
        #expect(try rotated.openReportingBinding(resealed.text, field: "bank_cards.phone", row: "BC1/user:alice") == ("13800138000", true))
        // Re-sealing a bound current text changes nothing.
        let again = try rotated.resealed(resealed.text, field: "bank_cards.phone", row: "BC1/user:alice")
        #expect(!again.changed && again.text == resealed.text)
        // An unbound text under version 3 could only be forged by someone holding the key: it is refused all the same.
        let forged = try rotated.seal("13900000000", field: "bank_cards.phone")
        #expect((#expect(throws: CryptoError.self) { try rotated.open(forged, field: "bank_cards.phone", row: "BC1/user:alice") })?.code == .authenticationFailed)
        // Once every value is re-sealed, the keyring binds rows under every version: version 2's unbound text (kept
        // from before, say) no longer opens, while the texts sealed for their rows do.
        let everywhere = FieldCipher(keyring: try rotated.keyring.bindingRowsUnderEveryVersion())
        #expect(everywhere.keyring.rowsBoundFrom == 1 && !everywhere.keyring.mayHoldUnboundTexts(version: 1))
        #expect((#expect(throws: CryptoError.self) { try everywhere.open(before, field: "bank_cards.phone", row: "BC1/user:alice") })?.code == .authenticationFailed)
        #expect(try everywhere.open(resealed.text, field: "bank_cards.phone", row: "BC1/user:alice") == "13800138000")
        // Once version 2 is retired, nothing unbound can open any more.
        let retired = FieldCipher(keyring: try rotated.keyring.removingKey(version: 2))
        do {
            _ = try retired.open(before, field: "bank_cards.phone", row: "BC1/user:alice")
            Issue.record("a text under a retired version opened")
        } catch {
            #expect(error.code == .unknownKeyVersion)
        }
    }

    @Test func rowsBoundFromIsKeptInTheKeyFile() throws {
        let keyring = try Self.legacy().addingGeneratedKey()
        let reloaded = try FieldKeyring(json: keyring.jsonRepresentation())
        #expect(reloaded.rowsBoundFrom == 3 && reloaded.currentVersion == 3)
        #expect(keyring.jsonRepresentation().contains("\"rowsBoundFrom\":3"))
        // A key file of before row binding has no such member, and keeps none when written again.
        #expect(try FieldKeyring(json: Self.legacy().jsonRepresentation()).rowsBoundFrom == nil)
        #expect(!(try Self.legacy().jsonRepresentation().contains("rowsBoundFrom")))
        // Out of range, or above every version (it would leave every version open to unbound texts): refused.
        for from in [0, 2] {
            #expect(throws: CryptoError.self) {
                try FieldKeyring(json: #"{"current": 1, "keys": {"1": "\#(FieldKeyFixtures.key1)"}, "index": "\#(FieldKeyFixtures.index)", "rowsBoundFrom": \#(from)}"#)
            }
        }
    }

    @Test func rowLabelsLongerThanAFieldAloneAreAccepted() throws {
        let cipher = FieldCipher(keyring: try FieldKeyring.generate())
        // The longest row identities Paystream uses: a withdrawal's order id, a card's id with a 64-character merchant.
        let row = "BC" + String(repeating: "7", count: 20) + "/merchant:" + String(repeating: "m", count: 64)
        let sealed = try cipher.seal("张三", field: "bank_cards.id_number", row: row)
        #expect(try cipher.open(sealed, field: "bank_cards.id_number", row: row) == "张三")
        #expect(throws: CryptoError.self) { try cipher.seal("x", field: "f", row: "with space") }
    }
}
