import Foundation
import PaystreamCore
import Postgres

/// Reads (and locks) the rows a batch of events touches. Internal to the ledger store.
enum LedgerState {
    /// Every order id an event may read or change, each once, in no particular order.
    static func orderIDs(of events: [MoneyEvent]) -> Set<String> {
        var ids: Set<String> = []
        for event in events { forEachOrderID(of: event) { ids.insert($0) } }
        return ids
    }

    /// Calls `body` with every order id `event` may read or change (an id may come twice).
    static func forEachOrderID(of event: MoneyEvent, _ body: (String) -> Void) {
        switch event.payload {
        case .paymentSucceeded(let p): body(p.orderID)
        case .paymentFailed(let p): body(p.orderID)
        case .transferRequested(let p): body(p.orderID); body(p.incomingOrderID)
        case .envelopeGrabbed(let p): body(p.envelopeOrderID); body(p.incomingOrderID)
        case .refundRequested(let p): body(p.refundOrderID); body(p.originalOrderID)
        case .refundReturned(let p): body(p.refundOrderID); body(p.originalOrderID)
        case .withdrawalRequested(let p): body(p.orderID)
        case .withdrawalApproved(let p): body(p.orderID)
        case .withdrawalPaidOut(let p): body(p.orderID)
        case .withdrawalRejected(let p): body(p.orderID)
        case .withdrawalFailed(let p): body(p.orderID)
        case .envelopeWalletFunded(let p): body(p.envelopeOrderID)
        case .envelopeExpired(let p): body(p.envelopeOrderID)
        case .envelopeRestReturned(let p): body(p.envelopeOrderID); body(p.returnOrderID)
        }
    }

    /// The accounts whose balances the rules read or change: named by the events, or owning their orders.
    static func accounts(of events: [MoneyEvent], orders: [OrderSnapshot]) -> Set<AccountID> {
        var accounts: Set<AccountID> = []
        for event in events { forEachAccount(of: event) { accounts.insert($0) } }
        for order in orders {
            accounts.insert(order.owner)
            if let channel = order.channel { accounts.insert(.clearing(channel)) }
        }
        return accounts
    }

    /// Calls `body` with every account `event` names (an account may come twice); accounts reached only through
    /// an order's owner are not among them.
    static func forEachAccount(of event: MoneyEvent, _ body: (AccountID) -> Void) {
        switch event.payload {
        case .paymentSucceeded(let p): body(p.payer); body(.clearing(p.channel))
        case .paymentFailed: break
        case .transferRequested(let p): body(p.from); body(p.to)
        case .envelopeGrabbed(let p): body(p.sender); body(p.grabber)
        case .refundRequested(let p):
            body(p.payer)
            switch p.destination {
            case .channel(let channel): body(.clearing(channel))
            case .wallet(let account): body(account)
            }
        case .refundReturned(let p): body(p.payer); body(.clearing(p.channel))
        case .withdrawalRequested(let p): body(p.account); body(.clearing(p.channel))
        case .withdrawalApproved, .withdrawalPaidOut, .withdrawalRejected, .withdrawalFailed: break
        case .envelopeWalletFunded(let p): body(p.sender)
        case .envelopeExpired(let p):
            body(p.sender)
            if case .channel(let channel) = p.destination { body(.clearing(channel)) }
        case .envelopeRestReturned(let p): body(p.sender); body(.clearing(p.channel))
        }
    }

    static func lockOrders(_ ids: Set<String>, on connection: PostgresConnection) async throws -> [OrderSnapshot] {
        if ids.isEmpty { return [] }
        // One index probe per id, pruned to its hash partition at run time, in the ids' byte order, which is the
        // order the rows are locked in (the same in every transaction, so two never wait for each other in a
        // circle). The lateral subquery runs once per id (`OFFSET 0` keeps PostgreSQL from merging it into a
        // join it could plan otherwise), so the cost follows the batch, never the table. Plans this replaced
        // grew with the table: `order_id = ANY(ids)` became a sequential scan of every partition once a batch
        // held a few thousand ids; `IN (SELECT unnest(ids)) ORDER BY order_id` became a merge join over a full
        // index scan of every partition (1.8 s a batch with 500,000 orders); a plain join on `unnest(ids)`
        // became a hash join over a sequential scan, because the planner prices each probe as if it searched
        // every partition.
        let sorted = sortedByBytes(ids)
        let rows = try await connection.query(
            """
            SELECT o.order_id, o.kind, o.status, o.owner_account, o.counterparty_account, o.amount_fen, o.settled_fen,
                   o.channel, o.parent_order_id
            FROM unnest(\(sorted)::text[]) WITH ORDINALITY AS t(id, n)
            CROSS JOIN LATERAL (SELECT * FROM orders WHERE order_id = t.id OFFSET 0 FOR UPDATE) o
            ORDER BY t.n
            """)
        return try rows.map { row in
            let kind = try row.decode(String.self, column: "kind")
            let status = try row.decode(String.self, column: "status")
            guard let orderKind = OrderKind(rawValue: kind), let orderStatus = OrderStatus(rawValue: status),
                let owner = AccountID(try row.decode(String.self, column: "owner_account"))
            else { throw LedgerStoreError(message: "order row \(try row.decode(String.self, column: "order_id")) is unreadable") }
            return OrderSnapshot(
                orderID: try row.decode(String.self, column: "order_id"), kind: orderKind, status: orderStatus, owner: owner,
                counterparty: try row.decode(String?.self, column: "counterparty_account").flatMap(AccountID.init),
                amount: try Amount(fen: row.decode(Int64.self, column: "amount_fen")),
                channel: try row.decode(String?.self, column: "channel").flatMap(Channel.init(rawValue:)),
                parentOrderID: try row.decode(String?.self, column: "parent_order_id"),
                settledFen: try row.decode(Int64.self, column: "settled_fen"))
        }
    }

    /// The grabbers of the events' grabs who were credited from the same envelope before, with the grab order that
    /// credited them. Called after the envelope orders are locked: a batch committing grabs of the same envelope
    /// holds that lock until it commits, so what this reads is complete for the envelopes named.
    static func committedGrabs(of events: [MoneyEvent], on connection: PostgresConnection) async throws -> [EnvelopeGrabber: String] {
        var wanted: Set<EnvelopeGrabber> = []
        for event in events {
            if case .envelopeGrabbed(let p) = event.payload {
                wanted.insert(EnvelopeGrabber(envelopeOrderID: p.envelopeOrderID, grabber: p.grabber))
            }
        }
        if wanted.isEmpty { return [:] }
        let pairs = Array(wanted)
        // One primary-key probe per pair (as ``lockOrders(_:on:)`` does), never a join the planner could turn into a
        // scan of a table that grows with every grab.
        let rows = try await connection.query(
            """
            SELECT g.envelope_order_id, g.grabber, g.grab_order_id
            FROM unnest(\(pairs.map(\.envelopeOrderID))::text[], \(pairs.map(\.grabber.description))::text[]) AS t(e, u)
            CROSS JOIN LATERAL (SELECT * FROM envelope_grabbers WHERE envelope_order_id = t.e AND grabber = t.u OFFSET 0) g
            """)
        var grabs: [EnvelopeGrabber: String] = [:]
        for row in rows {
            guard let grabber = AccountID(try row.decode(String.self, column: "grabber")) else {
                throw LedgerStoreError(message: "envelope_grabbers row names an unreadable account")
            }
            grabs[EnvelopeGrabber(envelopeOrderID: try row.decode(String.self, column: "envelope_order_id"), grabber: grabber)] =
                try row.decode(String.self, column: "grab_order_id")
        }
        return grabs
    }

    /// The ids in the order of their UTF-8 bytes (memcmp order, as PostgreSQL's collation C compares). Each id's
    /// bytes are copied out once and compared with memcmp: comparing the Strings' UTF-8 views directly, byte
    /// by byte or through `withUTF8`, took 4 ms for a batch's 4,000 order ids (about 5% of the worker's CPU in
    /// the ledger benchmark, while PostgreSQL waited for the lock statement); this takes 0.5 ms.
    static func sortedByBytes(_ ids: some Collection<String>) -> [String] {
        var keyed = ids.map { (bytes: Array($0.utf8), id: $0) }
        keyed.sort { a, b in
            a.bytes.withUnsafeBufferPointer { x in
                b.bytes.withUnsafeBufferPointer { y in
                    let common = min(x.count, y.count)
                    if common > 0 {
                        let order = memcmp(x.baseAddress!, y.baseAddress!, common)
                        if order != 0 { return order < 0 }
                    }
                    return x.count < y.count
                }
            }
        }
        return keyed.map(\.id)
    }

    /// Locks the accounts in account-id order and returns their balances, creating missing ones (empty)
    /// first. Existing accounts are locked directly; only when some are missing does it insert those
    /// (ON CONFLICT DO NOTHING, in id order, in case another transaction creates them meanwhile) and lock them
    /// too, so the common case is one statement instead of an INSERT probing every id and a SELECT.
    static func lockAccounts(_ accounts: Set<AccountID>, on connection: PostgresConnection) async throws
        -> [AccountID: (available: Int64, frozen: Int64)]
    {
        // Ids as text once, then sorted (comparing `description`s built two strings per comparison).
        let sorted = accounts.map { (account: $0, id: $0.description) }.sorted { $0.id < $1.id }
        var balances = try await selectForUpdate(sorted.map(\.id), on: connection)
        let missing = sorted.filter { balances[$0.account] == nil }.map(\.account)
        if missing.isEmpty { return balances }
        try await connection.execute(
            """
            INSERT INTO accounts (account_id, kind)
            SELECT id, kind FROM unnest(\(missing.map(\.description))::text[], \(missing.map(\.kind.rawValue))::text[]) AS t(id, kind)
            ORDER BY id
            ON CONFLICT (account_id) DO NOTHING
            """)
        balances.merge(try await selectForUpdate(missing.map(\.description), on: connection)) { _, new in new }
        return balances
    }

    private static func selectForUpdate(_ ids: [String], on connection: PostgresConnection) async throws
        -> [AccountID: (available: Int64, frozen: Int64)]
    {
        let rows = try await connection.query(
            """
            SELECT account_id, available_fen, frozen_fen FROM accounts
            WHERE account_id = ANY(\(ids)::text[]) ORDER BY account_id FOR UPDATE
            """)
        var balances: [AccountID: (available: Int64, frozen: Int64)] = [:]
        balances.reserveCapacity(rows.count)
        for row in rows {
            guard let id = AccountID(try row.decode(String.self, column: "account_id")) else { continue }
            balances[id] = (try row.decode(Int64.self, column: "available_fen"), try row.decode(Int64.self, column: "frozen_fen"))
        }
        return balances
    }
}

/// A ledger row that cannot be understood (a bug or manual corruption, never a client's fault).
public struct LedgerStoreError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { "ledger store: \(message)" }
}
