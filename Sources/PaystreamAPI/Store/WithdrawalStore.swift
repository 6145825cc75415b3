import Channels
import Cryptography
import Foundation
import PaystreamCore
import PaystreamRuntime
import Postgres

/// Withdrawal requests: where the money goes, who reviewed it, how far the payout got.
struct WithdrawalRecord: Sendable, Encodable {
    var orderId: String
    var account: String
    var channel: String
    var amountFen: Int64
    /// The ledger order's status (`requested`, `approved`, `paidOut`, `invalid`), or `pending` while the
    /// worker has not applied the request yet (or refused it: see the dead-letter topic).
    var status: String
    var statusReason: String?
    var destination: Destination
    var reviewedBy: String?
    var reviewReason: String?
    var payoutState: String?
    var channelPayoutId: String?
    /// WeChat's package_info while the transfer waits for the user's confirmation (`awaitingUserConfirmation`): the
    /// app hands it to WeChat's confirmation page (`wx.requestMerchantTransfer` with the merchant's mchId and appId).
    /// Withheld once the WeChat account was unbound: that WeChat user is no longer to confirm it.
    var packageInfo: String?
    /// The account removed the card or unbound the WeChat account since this withdrawal was requested: it is not
    /// paid there (``WithdrawalRoutes/destinationRemoved``); one waiting for review cannot be approved, and the API
    /// rejects it (``RemovedDestinationSweep``).
    var destinationRemoved = false
    var failureReason: String?
    /// An operator's resolution of a held payout (``WithdrawalRoutes/resolve(_:admin:body:correlationID:)``).
    var resolvedBy: String?
    var resolutionReason: String?
    var resolvedAt: Date?
    var createdAt: Date
    /// Held by the payout dispatcher for an operator (``WithdrawalRoutes/resolve(_:admin:body:correlationID:)``):
    /// reported by the channel, not final, with a reason. Not answered.
    var isHeld = false

    private enum CodingKeys: String, CodingKey {
        case orderId, account, channel, amountFen, status, statusReason, destination, reviewedBy, reviewReason, payoutState
        case channelPayoutId, packageInfo, destinationRemoved, failureReason, resolvedBy, resolutionReason, resolvedAt, createdAt
    }

    /// Where the money goes. Card numbers are shown masked.
    struct Destination: Codable, Sendable {
        /// `bankAccount`, `wechat`, or ``unreadable`` in an answer.
        var type: String
        /// The bound card paid to (``CardRoutes``); absent in requests made before cards were bound.
        var cardId: String?
        var accountNumber: String?
        var holderName: String?
        var bankName: String?
        var branchName: String?
        var province: String?
        var city: String?
        var mobile: String?
        var openId: String?
        /// Stored with a sealed card: its last four digits and length (for the masked form) and its blind index
        /// (to find a card's withdrawals without opening anything). Never in an answer.
        var accountLast4: String?
        var accountDigits: Int?
        var accountIndex: String?
        /// Where the money goes, sealed for the order (``SealedColumns/withdrawalRouteText(_:amountFen:channel:)``): the
        /// amount and channel, the plain members above that name the payee, and the sealed ones' plaintexts. A payout
        /// checks that none of them changed. Never in an answer.
        var route: String?

        /// The type answered for a stored destination that does not decode.
        static let unreadable = "unreadable"

        /// The fields sealed at rest (AES-256-GCM under the field keyring, the field label and the withdrawal's order
        /// id as associated data: ``SealedColumns/withdrawalRow(orderID:)``).
        static var sealedFields: [(key: WritableKeyPath<Destination, String?>, label: String)] {
            [
                (\.accountNumber, SealedColumns.withdrawalAccountNumber), (\.holderName, SealedColumns.withdrawalHolderName),
                (\.mobile, SealedColumns.withdrawalMobile),
            ]
        }

        /// As stored: the card number, holder name and phone sealed; last four digits, length and blind index beside;
        /// the route sealed (for withdrawal `orderID` of `amountFen` through `channel`).
        func sealed(for orderID: String, amountFen: Int64, channel: String, with cipher: FieldCipher) throws -> Destination {
            var copy = self
            if let number = accountNumber {
                copy.accountLast4 = String(number.suffix(4))
                copy.accountDigits = number.count
                copy.accountIndex = try cipher.blindIndex(field: SealedColumns.withdrawalAccountNumber, value: number)
            }
            for field in Self.sealedFields {
                if let plain = self[keyPath: field.key] {
                    copy[keyPath: field.key] = try cipher.seal(plain, field: field.label, row: SealedColumns.withdrawalRow(orderID: orderID))
                }
            }
            // Over the plaintexts, with the masked form and blind index that go with them.
            var plain = copy
            for field in Self.sealedFields { plain[keyPath: field.key] = self[keyPath: field.key] }
            copy.route = try cipher.seal(
                try plain.routeText(amountFen: amountFen, channel: channel), field: SealedColumns.withdrawalRoute,
                row: SealedColumns.withdrawalRow(orderID: orderID))
            return copy
        }

        /// As the payout needs it: the sealed fields opened, and the route checked against them, `amountFen` and
        /// `channel` (the withdrawal's row). Under a keyring that binds rows (``FieldKeyring/rowsBoundFrom``) every field
        /// is sealed and the route is there; under one older than that, fields written before destinations were sealed
        /// (plain) pass as they are, and a missing route is not checked, until `paystream keys rotate` seals them.
        /// Throws ``Tampered`` or a `CryptoError` for a destination (or amount, or channel) changed since it was written.
        func opened(for orderID: String, amountFen: Int64, channel: String, with cipher: FieldCipher) throws -> Destination {
            let row = SealedColumns.withdrawalRow(orderID: orderID)
            let bound = cipher.keyring.rowsBoundFrom != nil
            var copy = self
            for field in Self.sealedFields {
                guard let text = self[keyPath: field.key] else { continue }
                if (try? FieldCipher.keyVersion(of: text)) != nil {
                    copy[keyPath: field.key] = try cipher.open(text, field: field.label, row: row)
                } else if bound {
                    throw Tampered(description: "withdrawal \(orderID)'s \(field.label) is not sealed")
                }
            }
            copy.route = nil
            if let route {
                guard try cipher.open(route, field: SealedColumns.withdrawalRoute, row: row) == copy.routeText(amountFen: amountFen, channel: channel) else {
                    throw Tampered(
                        description: "withdrawal \(orderID)'s destination, amount or channel was changed since it was requested (its route does not match)")
                }
            } else if bound {
                throw Tampered(description: "withdrawal \(orderID)'s destination has no route")
            }
            return copy
        }

        /// A destination changed since it was written.
        struct Tampered: Error, CustomStringConvertible { let description: String }

        /// ``SealedColumns/withdrawalRouteText(_:amountFen:channel:)`` of this destination, its sealed fields opened.
        func routeText(amountFen: Int64, channel: String) throws -> String {
            var plain = self
            plain.route = nil
            let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(plain)) as? [String: Any] ?? [:]
            return SealedColumns.withdrawalRouteText(object, amountFen: amountFen, channel: channel)
        }

        /// As answered: the card number as stars and its last four digits; the holder's name and phone left out.
        var masked: Destination {
            var copy = self
            if let last4 = accountLast4, let digits = accountDigits {
                copy.accountNumber = String(repeating: "*", count: max(0, digits - 4)) + last4
            } else if let number = accountNumber {
                copy.accountNumber = String(repeating: "*", count: max(0, number.count - 4)) + number.suffix(4)
            }
            copy.holderName = nil
            copy.mobile = nil
            copy.accountLast4 = nil
            copy.accountDigits = nil
            copy.accountIndex = nil
            copy.route = nil
            return copy
        }

        var payout: PayoutDestination? {
            switch type {
            case "bankAccount":
                guard let accountNumber, let holderName, let bankName else { return nil }
                return .bankAccount(
                    BankAccount(
                        accountNumber: accountNumber, holderName: holderName, bankName: bankName, branchName: branchName,
                        province: province, city: city, mobile: mobile))
            case "wechat":
                return openId.map { .wechatBalance(openID: $0, userName: holderName) }
            default: return nil
            }
        }
    }

    static let selectSQL = """
        SELECT w.order_id, w.account_id, w.channel, w.amount_fen, coalesce(o.status, 'pending') AS status, o.status_reason,
               w.destination::text AS destination, w.reviewed_by, w.review_reason, w.payout_state, w.channel_payout_id,
               w.failure_reason, w.package_info, w.resolved_by, w.resolution_reason, w.resolved_at, w.created_at,
               coalesce(w.acknowledged_at IS NOT NULL AND w.failure_reason IS NOT NULL AND w.resolved_by IS NULL
                        AND w.payout_state IN ('processing', 'awaitingUserConfirmation'), false) AS held,
               (\(WithdrawalRoutes.destinationRemoved)) AS destination_removed
        FROM withdrawal_requests w LEFT JOIN orders o ON o.order_id = w.order_id
        """

    init(row: PostgresRow, masked: Bool = true) throws {
        orderId = try row.decode(String.self, column: "order_id")
        account = try row.decode(String.self, column: "account_id")
        channel = try row.decode(String.self, column: "channel")
        amountFen = try row.decode(Int64.self, column: "amount_fen")
        status = try row.decode(String.self, column: "status")
        statusReason = try row.decode(String?.self, column: "status_reason")
        // One that no longer decodes (changed in the database) is shown as such, so that its holder and the operators
        // still see the withdrawal and one bad row does not fail a whole queue. Not yet sent, it is not sent
        // (``PayoutDispatcher``); one sent before it changed is followed to its end as any other.
        let stored = try row.decode(String.self, column: "destination")
        let destination = (try? JSONDecoder().decode(Destination.self, from: Data(stored.utf8))) ?? Destination(type: Destination.unreadable)
        self.destination = masked ? destination.masked : destination
        reviewedBy = try row.decode(String?.self, column: "reviewed_by")
        reviewReason = try row.decode(String?.self, column: "review_reason")
        payoutState = try row.decode(String?.self, column: "payout_state")
        channelPayoutId = try row.decode(String?.self, column: "channel_payout_id")
        failureReason = try row.decode(String?.self, column: "failure_reason")
        resolvedBy = try row.decode(String?.self, column: "resolved_by")
        resolutionReason = try row.decode(String?.self, column: "resolution_reason")
        resolvedAt = try row.decode(Date?.self, column: "resolved_at")
        isHeld = try row.decode(Bool.self, column: "held")
        destinationRemoved = try row.decode(Bool.self, column: "destination_removed")
        // Only while it can be used: once the transfer is final, confirming it is no longer possible; nor once the
        // WeChat account is unbound (the payout dispatcher cancels the transfer at WeChat).
        packageInfo =
            payoutState == "awaitingUserConfirmation" && !destinationRemoved ? try row.decode(String?.self, column: "package_info") : nil
        createdAt = try row.decode(Date.self, column: "created_at")
    }
}

extension PaymentStore {
    func withdrawal(_ orderID: String) async throws -> WithdrawalRecord? {
        let rows = try await postgres.query("\(unsafeRaw: WithdrawalRecord.selectSQL) WHERE w.order_id = \(orderID)")
        return try rows.first.map { try WithdrawalRecord(row: $0) }
    }

    /// The condition of each queue of ``withdrawals(status:limit:after:)``, over `w` and its order `o`, written for
    /// the indexes that keep a queue's cost to its own size rather than to the history of orders (migration 0045).
    /// The statuses are literals, so that any plan, generic ones included, can use the partial indexes:
    /// - `requested`, `approved`, `invalid`: the partial indexes of orders in those states;
    /// - `pending` (the worker has not frozen it yet): no order, and not sent. Only an approved withdrawal is ever
    ///   sent, so a pending one has no payout state, which lets the partial index of unsent withdrawals find it;
    /// - `paidOut`: the history, walked in the queue's order (`withdrawal_requests_created`).
    static let queueConditions: [String: StaticString] = [
        "pending": "o.order_id IS NULL AND w.payout_state IS NULL",
        "requested": "o.kind = 'withdraw' AND o.status = 'requested'",
        "approved": "o.status = 'approved'",
        "paidOut": "o.status = 'paidOut'",
        "invalid": "o.kind = 'withdraw' AND o.status = 'invalid'",
    ]

    /// A withdrawal just written by this request: 500 `store.lost` if it is not there.
    func recordedWithdrawal(_ orderID: String) async throws -> WithdrawalRecord {
        guard let record = try await withdrawal(orderID) else {
            throw APIError(.internalServerError, "store.lost", "withdrawal \(orderID) vanished")
        }
        return record
    }

    /// Withdrawals whose ledger order is in `status` (`pending` for not applied yet), oldest first (created_at,
    /// then order id), after `cursor`.
    func withdrawals(status: String, limit: Int, after cursor: PageCursor?) async throws -> [WithdrawalRecord] {
        guard let condition = Self.queueConditions[status] else { return [] }
        let rows = try await postgres.query(
            """
            \(unsafeRaw: WithdrawalRecord.selectSQL) WHERE \(literalSQL: condition)
              AND (\(cursor?.id)::text IS NULL
                   OR (w.created_at, w.order_id) > ((SELECT c.created_at FROM withdrawal_requests c WHERE c.order_id = \(cursor?.id)), \(cursor?.id)))
            ORDER BY w.created_at, w.order_id LIMIT \(limit)
            """)
        return try rows.map { try WithdrawalRecord(row: $0) }
    }

    /// Records the risk decision taken for a request.
    func recordRiskDecision(
        requestID: String, action: String, subject: String, amount: Amount, outcome: String, ruleID: String?, message: String?,
        on connection: PostgresConnection? = nil
    ) async throws {
        let query: PostgresQuery = """
            INSERT INTO risk_decisions (request_id, action, subject, amount_fen, outcome, rule_id, message, decided_at)
            VALUES (\(requestID), \(action), \(subject), \(amount.fen), \(outcome), \(ruleID), \(message), now())
            ON CONFLICT (request_id) DO NOTHING
            """
        if let connection { try await connection.execute(query) } else { try await postgres.execute(query) }
    }
}
