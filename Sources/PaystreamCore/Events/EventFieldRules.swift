/// The formats of event fields, shared by payload initializers and the decoder so that every value that can
/// be built can also be decoded from its own encoding.
///
/// - order ids (and grab ids): 1...64 of `[A-Za-z0-9_.-]`. They never contain `:`, so the derived ids
///   `<orderId>:in` and `grab:<grabId>` cannot collide with an order id carried by an event;
/// - tokens (channel transaction ids, operator ids, correlation ids): 1...128 printable ASCII characters
///   without spaces;
/// - texts (reasons): 1...500 Unicode scalars, not blank, without control characters;
/// - amounts: more than zero fen.
enum EventFieldRules {
    static let maxTokenLength = 128
    static let maxTextLength = 500

    static func orderID(_ value: String, field: String) throws(EventDecodingError) -> String {
        guard AccountID.isValidName(value) else {
            throw .invalidField(field, "\"\(value)\" is not 1...64 of [A-Za-z0-9_.-]")
        }
        return value
    }

    static func token(_ value: String, field: String) throws(EventDecodingError) -> String {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= maxTokenLength, utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw .invalidField(field, "\"\(value)\" is not 1...\(maxTokenLength) printable ASCII characters")
        }
        return value
    }

    static func text(_ value: String, field: String) throws(EventDecodingError) -> String {
        let scalars = value.unicodeScalars
        guard scalars.count <= maxTextLength, !JournalEntry.isBlank(value),
            !scalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw .invalidField(field, "must be 1...\(maxTextLength) characters of text without control characters")
        }
        return value
    }

    static func positive(_ amount: Amount, field: String) throws(EventDecodingError) -> Amount {
        guard amount.fen > 0 else { throw .invalidAmount(field, "amount must be more than zero") }
        return amount
    }

    static func account(
        _ account: AccountID, field: String, kinds: Set<AccountID.Kind>
    ) throws(EventDecodingError) -> AccountID {
        guard kinds.contains(account.kind) else {
            let allowed = kinds.map(\.rawValue).sorted().joined(separator: ", ")
            throw .invalidAccount(field, "\(account) is not one of: \(allowed)")
        }
        return account
    }

    /// Accounts that hold money of their own: every kind except clearing.
    static let holdingKinds: Set<AccountID.Kind> = [.user, .merchant, .platform]
}
