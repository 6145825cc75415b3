import Cryptography
import Foundation
import Postgres

/// Every stored value sealed with the field keyring, for key rotation (`paystream keys rotate`). The code that
/// seals takes its field labels from here (`APIClients`, `WithdrawalRecord.Destination`, `SealedCardElements`), so what is sealed and
/// what is rotated cannot drift apart.
///
/// Each value is sealed for its row (``FieldCipher/seal(_:field:row:)``), whose identity is given here too: an API
/// client's app id and account, a card's id and account, a withdrawal's order id. A value copied into another row,
/// or a row moved to another account, no longer opens.
public enum SealedColumns {
    /// The field label (associated data) of an API client's secret.
    public static let apiClientSecret = "api_clients.secret"
    /// The sealed members of `withdrawal_requests.destination` and their field labels.
    public static let withdrawalAccountNumber = "withdrawal.accountNumber"
    public static let withdrawalHolderName = "withdrawal.holderName"
    public static let withdrawalMobile = "withdrawal.mobile"
    /// The field label of a withdrawal destination's `route`: its plain members that say where the money goes
    /// (``withdrawalRouteMembers``), sealed for the order, so that they cannot be changed either.
    public static let withdrawalRoute = "withdrawal.route"
    /// The plain members of a withdrawal's destination that say where the money goes: the WeChat openid, the card
    /// and its bank, the card number's blind index and masked form.
    public static let withdrawalRouteMembers = [
        "type", "cardId", "openId", "bankName", "branchName", "province", "city", "accountIndex", "accountLast4", "accountDigits",
    ]

    /// The text a destination's `route` seals: ``withdrawalRouteMembers`` and their values (JSON strings and
    /// numbers as text, "" when absent) as a JSON array of pairs, so that no two destinations share one.
    public static func withdrawalRouteText(_ destination: [String: Any]) -> String {
        let pairs = withdrawalRouteMembers.map { name in [name, destination[name].map { "\($0)" } ?? ""] }
        // An array of arrays of strings always serializes.
        return String(decoding: try! JSONSerialization.data(withJSONObject: pairs), as: UTF8.self)
    }
    /// The four elements of a bound bank card (`bank_cards`), and the labels of their blind indexes.
    public static let cardNumber = "bank_cards.number"
    public static let cardHolderName = "bank_cards.name"
    public static let cardIDNumber = "bank_cards.id_number"
    public static let cardPhone = "bank_cards.phone"

    /// The row identity an API client's secret is sealed for.
    public static func apiClientRow(appID: String, account: String) -> String { "\(appID)/\(account)" }
    /// The row identity a bank card's four elements are sealed for.
    public static func cardRow(cardID: String, account: String) -> String { "\(cardID)/\(account)" }
    /// The row identity a withdrawal's sealed destination is sealed for.
    public static func withdrawalRow(orderID: String) -> String { orderID }

    /// Plain columns: (table, key column, the row identity's second column, sealed column, field label, row identity).
    static let columns: [(table: String, key: String, owner: String, column: String, field: String, row: @Sendable (String, String) -> String)] = [
        ("api_clients", "app_id", "account_id", "secret_sealed", apiClientSecret, { apiClientRow(appID: $0, account: $1) }),
        ("bank_cards", "card_id", "account_id", "number_sealed", cardNumber, { cardRow(cardID: $0, account: $1) }),
        ("bank_cards", "card_id", "account_id", "name_sealed", cardHolderName, { cardRow(cardID: $0, account: $1) }),
        ("bank_cards", "card_id", "account_id", "id_number_sealed", cardIDNumber, { cardRow(cardID: $0, account: $1) }),
        ("bank_cards", "card_id", "account_id", "phone_sealed", cardPhone, { cardRow(cardID: $0, account: $1) }),
    ]
    /// Members of a JSON column: (table, key column, JSON column, [(member, field label)]); the row identity is the key.
    static let jsonMembers: [(table: String, key: String, column: String, members: [(String, String)])] = [
        ("withdrawal_requests", "order_id", "destination",
         [("accountNumber", withdrawalAccountNumber), ("holderName", withdrawalHolderName), ("mobile", withdrawalMobile), ("route", withdrawalRoute)])
    ]

    /// Re-seals, for its row and under the current key version, every value that is not both; returns how many
    /// were re-sealed. Each row is updated only if it still holds what was read, so a concurrent writer is never
    /// overwritten. A value that opens neither for its row nor (sealed before rows were bound) for its field alone
    /// throws, naming its row: it was damaged or copied from another row. A withdrawal destination's members
    /// written before they were sealed are sealed, and one without a `route` gets one, from what it holds now.
    static func reseal(postgres: PostgresClient, cipher: FieldCipher) async throws -> Int {
        var count = 0
        for column in columns {
            let rows = try await postgres.query(
                """
                SELECT \(identifier: column.key) AS k, \(identifier: column.owner) AS o, \(identifier: column.column) AS v
                FROM \(identifier: column.table)
                """)
            for row in rows {
                let key = try row.decode(String.self, column: "k")
                let sealed = try row.decode(String.self, column: "v")
                let identity = column.row(key, try row.decode(String.self, column: "o"))
                let (fresh, changed) = try Self.naming(column.table, key) { try cipher.resealed(sealed, field: column.field, row: identity) }
                guard changed else { continue }
                try await postgres.execute(
                    """
                    UPDATE \(identifier: column.table) SET \(identifier: column.column) = \(fresh)
                    WHERE \(identifier: column.key) = \(key) AND \(identifier: column.column) = \(sealed)
                    """)
                count += 1
            }
        }
        for json in jsonMembers {
            let rows = try await postgres.query(
                "SELECT \(identifier: json.key) AS k, \(identifier: json.column)::text AS v FROM \(identifier: json.table)")
            for row in rows {
                let key = try row.decode(String.self, column: "k")
                let text = try row.decode(String.self, column: "v")
                guard var object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { continue }
                var changed = 0
                if object["route"] == nil {
                    object["route"] = try cipher.seal(withdrawalRouteText(object), field: withdrawalRoute, row: withdrawalRow(orderID: key))
                    changed += 1
                }
                for (member, field) in json.members {
                    guard let value = object[member] as? String else { continue }
                    guard (try? FieldCipher.keyVersion(of: value)) != nil else {
                        // Written before withdrawal destinations were sealed.
                        object[member] = try cipher.seal(value, field: field, row: withdrawalRow(orderID: key))
                        changed += 1
                        continue
                    }
                    let (fresh, resealed) = try Self.naming(json.table, key) { try cipher.resealed(value, field: field, row: withdrawalRow(orderID: key)) }
                    guard resealed else { continue }
                    object[member] = fresh
                    changed += 1
                }
                guard changed > 0 else { continue }
                let fresh = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
                try await postgres.execute(
                    """
                    UPDATE \(identifier: json.table) SET \(identifier: json.column) = \(fresh)::jsonb
                    WHERE \(identifier: json.key) = \(key) AND \(identifier: json.column)::text = \(text)
                    """)
                count += changed
            }
        }
        return count
    }

    /// What `body` throws, naming the row of the value.
    private static func naming<T>(_ table: String, _ key: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw SealedValueError(description: "\(table) \(key): \(error)")
        }
    }
}

/// A sealed value that does not open for its row (damaged, or copied from another row), with where it is.
public struct SealedValueError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
