import Foundation
import PaystreamCore
import Postgres

/// An order as the API shows it: the ledger's order row with, for payment orders, what the payer scans.
struct OrderRecord: Sendable, Encodable {
    var orderId: String
    var kind: String
    var status: String
    var owner: String
    var counterparty: String?
    var amountFen: Int64
    /// Refunded so far (recharge, collection, transfer) or grabbed so far (envelope), in fen.
    var settledFen: Int64
    var channel: String?
    var parentOrderId: String?
    var statusReason: String?
    var codeUrl: String?
    var payUrl: String?
    var createdAt: Date
    var updatedAt: Date

    static let selectSQL = """
        SELECT o.order_id, o.kind, o.status, o.owner_account, o.counterparty_account, o.amount_fen, o.settled_fen,
               o.channel, o.parent_order_id, o.status_reason, o.created_at, o.updated_at, p.code_url, p.pay_url
        FROM orders o LEFT JOIN channel_payments p ON p.order_id = o.order_id
        """

    init(row: PostgresRow) throws {
        orderId = try row.decode(String.self, column: "order_id")
        kind = try row.decode(String.self, column: "kind")
        status = try row.decode(String.self, column: "status")
        owner = try row.decode(String.self, column: "owner_account")
        counterparty = try row.decode(String?.self, column: "counterparty_account")
        amountFen = try row.decode(Int64.self, column: "amount_fen")
        settledFen = try row.decode(Int64.self, column: "settled_fen")
        channel = try row.decode(String?.self, column: "channel")
        parentOrderId = try row.decode(String?.self, column: "parent_order_id")
        statusReason = try row.decode(String?.self, column: "status_reason")
        codeUrl = try row.decode(String?.self, column: "code_url")
        payUrl = try row.decode(String?.self, column: "pay_url")
        createdAt = try row.decode(Date.self, column: "created_at")
        updatedAt = try row.decode(Date.self, column: "updated_at")
    }
}
