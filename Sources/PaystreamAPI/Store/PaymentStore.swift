import Foundation
import PaystreamCore
import Postgres

/// The API's reads and writes in PostgreSQL. Writes never touch a balance: orders are created in status
/// `created` (payment orders) or not at all (withdrawals and refunds are created by the worker from their
/// events); every money movement is a journal entry the worker writes.
struct PaymentStore: Sendable {
    let postgres: PostgresClient

    // MARK: Orders

    func order(_ orderID: String) async throws -> OrderRecord? {
        let rows = try await postgres.query("\(unsafeRaw: OrderRecord.selectSQL) WHERE o.order_id = \(orderID)")
        return try rows.first.map(OrderRecord.init(row:))
    }

    /// Orders owned by `owner`, newest first (created_at, then order id: a stable order), after `cursor` (the
    /// last order of the previous page). A cursor naming an order `owner` does not own reads as one naming no order
    /// (an empty page), so a forged cursor cannot tell whether another account's order exists.
    func orders(ownedBy owner: AccountID, limit: Int, after cursor: PageCursor?) async throws -> [OrderRecord] {
        let rows: PostgresRows
        if let cursor {
            rows = try await postgres.query(
                """
                \(unsafeRaw: OrderRecord.selectSQL) WHERE o.owner_account = \(owner.description)
                  AND (o.created_at, o.order_id) < (
                      (SELECT c.created_at FROM orders c WHERE c.order_id = \(cursor.id) AND c.owner_account = \(owner.description)), \(cursor.id))
                ORDER BY o.created_at DESC, o.order_id DESC LIMIT \(limit)
                """)
        } else {
            rows = try await postgres.query(
                "\(unsafeRaw: OrderRecord.selectSQL) WHERE o.owner_account = \(owner.description) ORDER BY o.created_at DESC, o.order_id DESC LIMIT \(limit)")
        }
        return try rows.map(OrderRecord.init(row:))
    }

    /// A payment order waiting for its channel payment: the order row (`created`), its first flow row and the
    /// channel side, in one transaction.
    struct NewPayment: Sendable {
        var orderID: String
        var kind: OrderKind
        var purpose: PaymentSucceeded.Purpose
        var account: AccountID
        var amount: Amount
        var channel: Channel
        var codeURL: String?
        var payURL: String?
        var collectCodeID: String?
        var correlationID: String
        var traceparent: String? = TraceContext.traceparent
    }

    /// `also` runs in the same transaction (an envelope's own row, say).
    func insert(_ p: NewPayment, also: ((PostgresConnection) async throws -> Void)? = nil) async throws {
        try await postgres.withTransaction { connection in
            try await connection.execute(
                """
                INSERT INTO orders (order_id, kind, status, owner_account, amount_fen, channel)
                VALUES (\(p.orderID), \(p.kind.rawValue), 'created', \(p.account.description), \(p.amount.fen), \(p.channel.rawValue))
                """)
            try await connection.execute(
                """
                INSERT INTO order_flows (order_id, step, from_status, to_status, amount_fen, idempotency_key)
                VALUES (\(p.orderID), 'created', NULL, 'created', \(p.amount.fen), \("api-create:" + p.orderID))
                """)
            try await connection.execute(
                """
                INSERT INTO channel_payments (order_id, channel, purpose, account_id, amount_fen, code_url, pay_url,
                                              collect_code_id, correlation_id, traceparent)
                VALUES (\(p.orderID), \(p.channel.rawValue), \(p.purpose.rawValue), \(p.account.description), \(p.amount.fen),
                        \(p.codeURL), \(p.payURL), \(p.collectCodeID), \(p.correlationID), \(p.traceparent))
                """)
            try await also?(connection)
        }
    }

    /// The channel side of a payment order, by the platform's order number (the channel's out_trade_no).
    struct ChannelPayment: Sendable {
        var orderID: String
        var channel: Channel
        var purpose: PaymentSucceeded.Purpose
        var account: AccountID
        var amount: Amount
        var correlationID: String?
        var traceparent: String?
        /// The order's status in the ledger as read with the payment (nil before the ledger has the order).
        var orderStatus: String? = nil
    }

    func channelPayment(_ orderID: String) async throws -> ChannelPayment? {
        let rows = try await postgres.query(
            """
            SELECT p.channel, p.purpose, p.account_id, p.amount_fen, p.correlation_id, p.traceparent,
                   (SELECT o.status FROM orders o WHERE o.order_id = p.order_id) AS order_status
            FROM channel_payments p WHERE p.order_id = \(orderID)
            """)
        guard let row = rows.first else { return nil }
        guard let channel = Channel(rawValue: try row.decode(String.self, column: "channel")),
            let purpose = PaymentSucceeded.Purpose(rawValue: try row.decode(String.self, column: "purpose")),
            let account = AccountID(try row.decode(String.self, column: "account_id"))
        else { throw APIError(.internalServerError, "store.corrupt", "channel_payments row \(orderID) does not parse") }
        return ChannelPayment(
            orderID: orderID, channel: channel, purpose: purpose, account: account,
            amount: try Amount(fen: row.decode(Int64.self, column: "amount_fen")),
            correlationID: try row.decode(String?.self, column: "correlation_id"),
            traceparent: try row.decode(String?.self, column: "traceparent"), orderStatus: try row.decode(String?.self, column: "order_status"))
    }

    /// Records an authentic notify that is not credited (amount differs from the order); once per transaction.
    func holdForReview(channel: Channel, orderID: String, transactionID: String, expected: Amount?, paid: Amount?, reason: String)
        async throws
    {
        try await postgres.execute(
            """
            INSERT INTO payment_reviews (channel, order_id, channel_transaction_id, expected_fen, paid_fen, reason)
            VALUES (\(channel.rawValue), \(orderID), \(transactionID), \(expected?.fen), \(paid?.fen), \(reason))
            ON CONFLICT (channel, channel_transaction_id) DO NOTHING
            """)
    }

    // MARK: Balances

    struct Balance: Sendable, Encodable {
        var account: String
        var availableFen: Int64
        var frozenFen: Int64
    }

    func balance(_ account: AccountID) async throws -> Balance {
        let rows = try await postgres.query(
            "SELECT available_fen, frozen_fen FROM accounts WHERE account_id = \(account.description)")
        guard let row = rows.first else { return Balance(account: account.description, availableFen: 0, frozenFen: 0) }
        return Balance(
            account: account.description, availableFen: try row.decode(Int64.self, column: "available_fen"),
            frozenFen: try row.decode(Int64.self, column: "frozen_fen"))
    }

    // MARK: Collection codes

    struct CollectCode: Sendable, Encodable {
        var codeId: String
        var merchant: String
        /// Nil for a static code: the payer types the amount.
        var amountFen: Int64?
        var description: String
        /// When its merchant disabled it; nil while it takes payments.
        var disabledAt: Date? = nil
    }

    func insert(_ code: CollectCode) async throws {
        try await postgres.execute(
            """
            INSERT INTO collect_codes (code_id, merchant, amount_fen, description)
            VALUES (\(code.codeId), \(code.merchant), \(code.amountFen), \(code.description))
            """)
    }

    func collectCode(_ codeID: String) async throws -> CollectCode? {
        let rows = try await postgres.query(
            "SELECT merchant, amount_fen, description, disabled_at FROM collect_codes WHERE code_id = \(codeID)")
        guard let row = rows.first else { return nil }
        return CollectCode(
            codeId: codeID, merchant: try row.decode(String.self, column: "merchant"),
            amountFen: try row.decode(Int64?.self, column: "amount_fen"), description: try row.decode(String.self, column: "description"),
            disabledAt: try row.decode(Date?.self, column: "disabled_at"))
    }

    /// Disables `merchant`'s code `codeID` (once: a second call changes nothing); false when it has no such code.
    func disableCollectCode(_ codeID: String, of merchant: AccountID) async throws -> Bool {
        let rows = try await postgres.query(
            """
            UPDATE collect_codes SET disabled_at = coalesce(disabled_at, now())
            WHERE code_id = \(codeID) AND merchant = \(merchant.description) RETURNING code_id
            """)
        return !rows.isEmpty
    }
}
