import Cryptography
import Foundation
import Postgres

/// Every stored value sealed with the field keyring, for key rotation (`paystream keys rotate`). The code that
/// seals takes its field labels from here (`APIClients`, `WithdrawalRecord.Destination`, `SealedCardElements`), so what is sealed and
/// what is rotated cannot drift apart.
///
/// Each value is sealed for its row (``FieldCipher/seal(_:field:row:)``), whose identity is given here too: an API
/// client's app id and account, a card's id and account, a withdrawal's order id. A value copied into another row,
/// or a row moved to another account, no longer opens. A withdrawal's destination also carries a sealed route
/// (``withdrawalRouteText(_:amountFen:channel:)``), so that what it pays, and where, cannot be changed either.
public enum SealedColumns {
    /// The field label (associated data) of an API client's secret.
    public static let apiClientSecret = "api_clients.secret"
    /// The sealed members of `withdrawal_requests.destination` and their field labels.
    public static let withdrawalAccountNumber = "withdrawal.accountNumber"
    public static let withdrawalHolderName = "withdrawal.holderName"
    public static let withdrawalMobile = "withdrawal.mobile"
    static let withdrawalSealedMembers = [
        ("accountNumber", withdrawalAccountNumber), ("holderName", withdrawalHolderName), ("mobile", withdrawalMobile),
    ]
    /// The field label of a withdrawal destination's `route` (``withdrawalRouteText(_:amountFen:channel:)``).
    public static let withdrawalRoute = "withdrawal.route"
    /// The plain members of a withdrawal's destination that say where the money goes: the WeChat openid, the card
    /// and its bank, the card number's blind index and masked form.
    public static let withdrawalRouteMembers = [
        "type", "cardId", "openId", "bankName", "branchName", "province", "city", "accountIndex", "accountLast4", "accountDigits",
    ]

    /// The text a withdrawal's `route` seals: its amount and channel, then every member of its destination that
    /// names the payee (``withdrawalRouteMembers`` and the sealed ones, opened), each "" when absent, as a JSON array
    /// of name and value pairs, so that no two withdrawals share one. `destination` is its JSON object with the
    /// sealed members opened; JSON numbers are written as text, null as absent.
    public static func withdrawalRouteText(_ destination: [String: Any], amountFen: Int64, channel: String) -> String {
        func text(_ value: Any?) -> String {
            guard let value, !(value is NSNull) else { return "" }
            return "\(value)"
        }
        let pairs =
            [["amountFen", String(amountFen)], ["channel", channel]]
            + (withdrawalRouteMembers + withdrawalSealedMembers.map(\.0)).map { [$0, text(destination[$0])] }
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

    /// What a re-seal did: how many values it re-sealed, and the rows it could not (each named, with why).
    public struct ResealReport: Sendable {
        public var resealed = 0
        public var failures: [String] = []
        /// Withdrawals already final (paid out, or invalid) whose destination could not be re-sealed: never paid
        /// again, so they are listed and left as they are without failing the rotation. Otherwise a withdrawal the
        /// payout dispatcher refused and failed as changed without the keys would fail every rotation for ever, with
        /// nothing an operator could do about it.
        public var leftAsTheyAre: [String] = []
    }

    /// Re-seals, for its row and under the current key version, every value that is not both. Each row is updated
    /// only if it still holds what was read, so a concurrent writer is never overwritten. A value that opens neither
    /// for its row nor (sealed before rows were bound) for its field alone is left as it is and reported, with its
    /// row: it was damaged, or written by someone without the keys.
    ///
    /// `backfillDestinations` (the keys were older than row binding): a withdrawal destination's members written
    /// before destinations were sealed are sealed, with the masked form and blind index of its card number, and a
    /// destination without a route gets one, from what it holds now. Otherwise both are reported, never sealed: under
    /// keys that bind rows every destination was written sealed and routed, so a plain member or a missing route was
    /// written by someone without the keys, and sealing it would make it payable.
    static func reseal(postgres: PostgresClient, cipher: FieldCipher, backfillDestinations: Bool) async throws -> ResealReport {
        var report = ResealReport()
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
                let fresh: String
                do {
                    let (text, changed) = try cipher.resealed(sealed, field: column.field, row: identity)
                    guard changed else { continue }
                    fresh = text
                } catch {
                    report.failures.append("\(column.table) \(key) \(column.column): \(error)")
                    continue
                }
                let updated = try await postgres.execute(
                    """
                    UPDATE \(identifier: column.table) SET \(identifier: column.column) = \(fresh)
                    WHERE \(identifier: column.key) = \(key) AND \(identifier: column.column) = \(sealed)
                    """)
                if updated > 0 { report.resealed += 1 } else { report.failures.append("\(column.table) \(key) \(column.column): changed while re-sealed; run again") }
            }
        }
        let withdrawals = try await postgres.query(
            """
            SELECT w.order_id, w.amount_fen, w.channel, w.destination::text AS d, o.status
            FROM withdrawal_requests w LEFT JOIN orders o ON o.order_id = w.order_id
            """)
        for row in withdrawals {
            let orderID = try row.decode(String.self, column: "order_id")
            let text = try row.decode(String.self, column: "d")
            let fresh: (text: String, values: Int)
            do {
                guard
                    let resealed = try resealedDestination(
                        text, orderID: orderID, amountFen: try row.decode(Int64.self, column: "amount_fen"),
                        channel: try row.decode(String.self, column: "channel"), cipher: cipher, backfill: backfillDestinations)
                else { continue }
                fresh = resealed
            } catch {
                if let status = try row.decode(String?.self, column: "status"), ["paidOut", "invalid"].contains(status) {
                    report.leftAsTheyAre.append("withdrawal_requests \(orderID) destination (\(status), never paid again): \(error)")
                } else {
                    report.failures.append("withdrawal_requests \(orderID) destination: \(error)")
                }
                continue
            }
            let updated = try await postgres.execute(
                """
                UPDATE withdrawal_requests SET destination = \(fresh.text)::jsonb
                WHERE order_id = \(orderID) AND destination::text = \(text)
                """)
            if updated > 0 {
                report.resealed += fresh.values
            } else {
                report.failures.append("withdrawal_requests \(orderID) destination: changed while re-sealed; run again")
            }
        }
        return report
    }

    /// A withdrawal's destination (its JSON text) re-sealed for its row under the current version, with its route;
    /// nil when nothing needs it. Throws ``SealedValueError`` for what ``reseal(postgres:cipher:backfillDestinations:)``
    /// reports.
    static func resealedDestination(
        _ text: String, orderID: String, amountFen: Int64, channel: String, cipher: FieldCipher, backfill: Bool
    ) throws -> (text: String, values: Int)? {
        guard var object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw SealedValueError(description: "not a JSON object")
        }
        let row = withdrawalRow(orderID: orderID)
        var opened = object
        var plain: [String] = []
        for (member, field) in withdrawalSealedMembers {
            guard let value = object[member] as? String else { continue }
            if (try? FieldCipher.keyVersion(of: value)) != nil {
                opened[member] = try cipher.open(value, field: field, row: row)
            } else {
                plain.append(member)
            }
        }
        let routed = object["route"] is String
        guard backfill || (plain.isEmpty && routed) else {
            throw SealedValueError(
                description: plain.isEmpty
                    ? "it has no route: written without the keys? (not re-sealed; reject or resolve it)"
                    : "\(plain.joined(separator: ", ")) not sealed: written without the keys? (not re-sealed; reject or resolve it)")
        }
        var values = 0
        // Written before destinations were sealed: the masked form and blind index its card number now goes with.
        if plain.contains("accountNumber"), let number = opened["accountNumber"] as? String, object["accountLast4"] == nil {
            object["accountLast4"] = String(number.suffix(4))
            object["accountDigits"] = number.count
            object["accountIndex"] = try cipher.blindIndex(field: withdrawalAccountNumber, value: number)
            opened["accountLast4"] = object["accountLast4"]
            opened["accountDigits"] = object["accountDigits"]
            opened["accountIndex"] = object["accountIndex"]
        }
        if !routed {
            object["route"] = try cipher.seal(
                withdrawalRouteText(opened, amountFen: amountFen, channel: channel), field: withdrawalRoute, row: row)
            values += 1
        }
        for (member, field) in withdrawalSealedMembers + [("route", withdrawalRoute)] {
            guard let value = object[member] as? String else { continue }
            if plain.contains(member) {
                object[member] = try cipher.seal(value, field: field, row: row)
                values += 1
                continue
            }
            let (fresh, changed) = try cipher.resealed(value, field: field, row: row)
            guard changed else { continue }
            object[member] = fresh
            values += 1
        }
        guard values > 0 else { return nil }
        return (String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self), values)
    }
}

/// A sealed value that does not open for its row (damaged, or copied from another row), or a destination that
/// cannot be re-sealed, with why.
public struct SealedValueError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
