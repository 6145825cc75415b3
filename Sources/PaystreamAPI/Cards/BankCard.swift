import Channels
import Cryptography
import Foundation
import PaystreamRuntime
import Postgres

/// A bank card an account bound (or is binding), as answered: the number masked, the bank's name; the holder's
/// name, ID number and phone are never answered.
struct BankCardRecord: Sendable, Encodable {
    var cardId: String
    var status: String
    /// All but the last four digits as `*`.
    var cardNumber: String
    var bankName: String?
    var createdAt: Date
    var boundAt: Date?

    static let selectSQL = """
        SELECT card_id, account_id, status, number_last4, number_digits, bank_name, created_at, bound_at FROM bank_cards
        """

    init(row: PostgresRow) throws {
        cardId = try row.decode(String.self, column: "card_id")
        status = try row.decode(String.self, column: "status")
        let digits = try row.decode(Int.self, column: "number_digits")
        cardNumber = String(repeating: "*", count: max(0, digits - 4)) + (try row.decode(String.self, column: "number_last4"))
        bankName = try row.decode(String?.self, column: "bank_name")
        createdAt = try row.decode(Date.self, column: "created_at")
        boundAt = try row.decode(Date?.self, column: "bound_at")
    }
}

/// The four elements as stored: each sealed under its own field label (``SealedColumns``) for the card's row (its
/// id and account), the card number, ID number and phone also as blind indexes.
struct SealedCardElements: Sendable {
    var number: String
    var name: String
    var idNumber: String
    var phone: String
    var numberIndex: String
    var idNumberIndex: String
    var phoneIndex: String

    init(_ elements: CardElements, cardID: String, account: String, cipher: FieldCipher) throws {
        let row = SealedColumns.cardRow(cardID: cardID, account: account)
        number = try cipher.seal(elements.cardNumber, field: SealedColumns.cardNumber, row: row)
        name = try cipher.seal(elements.realName, field: SealedColumns.cardHolderName, row: row)
        idNumber = try cipher.seal(elements.idNumber, field: SealedColumns.cardIDNumber, row: row)
        phone = try cipher.seal(elements.phone, field: SealedColumns.cardPhone, row: row)
        numberIndex = try Self.numberIndex(elements.cardNumber, cipher: cipher)
        idNumberIndex = try Self.idNumberIndex(elements.idNumber, cipher: cipher)
        phoneIndex = try Self.phoneIndex(elements.phone, cipher: cipher)
    }

    /// The blind index of a resident ID number (upper-case check character): who a card's holder is.
    static func idNumberIndex(_ idNumber: String, cipher: FieldCipher) throws -> String {
        try cipher.blindIndex(field: SealedColumns.cardIDNumber, value: idNumber)
    }

    static func numberIndex(_ number: String, cipher: FieldCipher) throws -> String {
        try cipher.blindIndex(field: SealedColumns.cardNumber, value: number)
    }

    static func phoneIndex(_ phone: String, cipher: FieldCipher) throws -> String {
        try cipher.blindIndex(field: SealedColumns.cardPhone, value: phone)
    }
}

extension PaymentStore {
    /// Whether a card of the person with `idNumberIndex` may be bound to `account`: true when the account has no
    /// holder yet or that person is its holder.
    func mayBindCard(of idNumberIndex: String, to account: String) async throws -> Bool {
        let rows = try await postgres.query("SELECT id_number_index FROM account_holders WHERE account_id = \(account)")
        return try rows.first.map { try $0.decode(String.self, column: "id_number_index") == idNumberIndex } ?? true
    }

    /// The account's card `cardID` in one of `statuses`, nil if there is none (or it is another account's).
    func card(_ cardID: String, of account: String, statuses: [String]) async throws -> BankCardRecord? {
        let rows = try await postgres.query(
            """
            \(unsafeRaw: BankCardRecord.selectSQL)
            WHERE card_id = \(cardID) AND account_id = \(account) AND status = ANY(\(statuses)::text[])
            """)
        return try rows.first.map { try BankCardRecord(row: $0) }
    }

    /// The account's bound cards, oldest first.
    func boundCards(of account: String) async throws -> [BankCardRecord] {
        let rows = try await postgres.query(
            """
            \(unsafeRaw: BankCardRecord.selectSQL)
            WHERE account_id = \(account) AND status = 'bound' ORDER BY created_at, card_id
            """)
        return try rows.map { try BankCardRecord(row: $0) }
    }

    /// The account's bound card `cardID`, opened for a payout: number, holder's name, phone and bank. Nil when
    /// the account has no such card; 403 `withdraw.card_not_holders` when the card is not in the name of the
    /// account's holder (``CardRoutes``: a card bound before holders were kept).
    /// The real name of the account's holder (the person of its first verified card, ``CardRoutes``), opened; nil for an
    /// account that has never bound a card.
    func holderName(of account: String, cipher: FieldCipher) async throws -> String? {
        let rows = try await postgres.query(
            """
            SELECT c.card_id, c.account_id, c.name_sealed FROM account_holders h JOIN bank_cards c ON c.card_id = h.first_card_id
            WHERE h.account_id = \(account)
            """)
        guard let row = rows.first else { return nil }
        return try cipher.open(
            try row.decode(String.self, column: "name_sealed"), field: SealedColumns.cardHolderName,
            row: SealedColumns.cardRow(cardID: try row.decode(String.self, column: "card_id"), account: try row.decode(String.self, column: "account_id")))
    }

    /// A bound card opened for a payout, with what the risk rules read of it: when it was bound (`card_bound_at`)
    /// and the blind index of its number (the `card` scope: the same card under any account).
    struct OpenedCard {
        let account: BankAccount
        let boundAt: Date
        let numberIndex: String
    }

    func openBoundCard(_ cardID: String, of account: String, cipher: FieldCipher) async throws -> OpenedCard? {
        let rows = try await postgres.query(
            """
            SELECT c.number_sealed, c.name_sealed, c.phone_sealed, c.bank_name, c.bound_at, c.number_index,
                   coalesce(h.id_number_index = c.id_number_index, false) AS holders
            FROM bank_cards c LEFT JOIN account_holders h ON h.account_id = c.account_id
            WHERE c.card_id = \(cardID) AND c.account_id = \(account) AND c.status = 'bound'
            """)
        guard let row = rows.first else { return nil }
        guard try row.decode(Bool.self, column: "holders") else {
            throw APIError.forbidden(
                "withdraw.card_not_holders", "card \(cardID.prefix(64)) is not in the name of this account's holder; withdraw to the holder's own card")
        }
        let sealedFor = SealedColumns.cardRow(cardID: cardID, account: account)
        let opened = BankAccount(
            accountNumber: try cipher.open(try row.decode(String.self, column: "number_sealed"), field: SealedColumns.cardNumber, row: sealedFor),
            holderName: try cipher.open(try row.decode(String.self, column: "name_sealed"), field: SealedColumns.cardHolderName, row: sealedFor),
            bankName: try row.decode(String?.self, column: "bank_name") ?? "UNKNOWN",
            mobile: try cipher.open(try row.decode(String.self, column: "phone_sealed"), field: SealedColumns.cardPhone, row: sealedFor))
        return OpenedCard(
            account: opened, boundAt: try row.decode(Date.self, column: "bound_at"), numberIndex: try row.decode(String.self, column: "number_index"))
    }
}
