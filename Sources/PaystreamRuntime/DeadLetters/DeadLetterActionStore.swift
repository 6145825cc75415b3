import Foundation
import Postgres

/// The operators' decisions about dead letters, in PostgreSQL table `dead_letter_actions`.
///
/// Guarantees: rows are only ever inserted, never updated or deleted, so the table is the complete audit
/// trail. ``withLetterLock(_:_:)`` serialises decisions about one dead letter across every process (a
/// transaction-scoped advisory lock), so two operators cannot both act on the same letter as "pending".
public struct DeadLetterActionStore: Sendable {
    /// The first key of the two-key advisory lock: "DLQ" in ASCII, so the locks are recognisable in pg_locks.
    static let lockNamespace: Int32 = 0x44_4C_51

    public let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Every action recorded for letters of `topic`, grouped by letter, oldest first.
    public func actions(topic: String) async throws -> [DeadLetterAddress: [DeadLetterAction]] {
        let rows = try await client.query(
            """
            SELECT dlq_topic, dlq_partition, dlq_offset, action, reason, actor, created_at
            FROM dead_letter_actions WHERE dlq_topic = \(topic) ORDER BY action_id
            """)
        var result: [DeadLetterAddress: [DeadLetterAction]] = [:]
        for row in rows {
            let action = try Self.action(row)
            result[action.address, default: []].append(action)
        }
        return result
    }

    /// The actions recorded for one letter, oldest first.
    public func actions(for address: DeadLetterAddress) async throws -> [DeadLetterAction] {
        try await client.withConnection { try await Self.actions(for: address, on: $0) }
    }

    /// Runs `body` in a transaction that holds the letter's advisory lock until it commits or rolls back.
    /// Use the connection passed to `body` for ``actions(for:on:)`` and ``record(_:kind:reason:actor:on:)``.
    public func withLetterLock<T>(
        _ address: DeadLetterAddress, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withTransaction { connection in
            _ = try await connection.query(
                "SELECT pg_advisory_xact_lock(\(Self.lockNamespace), hashtext(\(address.description)))")
            return try await body(connection)
        }
    }

    /// The actions recorded for one letter, read on `connection` (inside ``withLetterLock(_:_:)``).
    public static func actions(for address: DeadLetterAddress, on connection: PostgresConnection) async throws
        -> [DeadLetterAction]
    {
        let rows = try await connection.query(
            """
            SELECT dlq_topic, dlq_partition, dlq_offset, action, reason, actor, created_at
            FROM dead_letter_actions
            WHERE dlq_topic = \(address.topic) AND dlq_partition = \(address.partition) AND dlq_offset = \(address.offset)
            ORDER BY action_id
            """)
        return try rows.map(action)
    }

    /// Inserts one action on `connection` and returns it as stored.
    @discardableResult
    public static func record(
        _ address: DeadLetterAddress, kind: DeadLetterAction.Kind, reason: String, actor: String,
        on connection: PostgresConnection
    ) async throws -> DeadLetterAction {
        precondition(!reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "an action needs a reason")
        precondition(!actor.isEmpty, "an action needs an actor")
        let rows = try await connection.query(
            """
            INSERT INTO dead_letter_actions (dlq_topic, dlq_partition, dlq_offset, action, reason, actor)
            VALUES (\(address.topic), \(address.partition), \(address.offset), \(kind.rawValue), \(reason), \(actor))
            RETURNING dlq_topic, dlq_partition, dlq_offset, action, reason, actor, created_at
            """)
        guard rows.count == 1 else {
            throw PostgresError(code: .decoding, message: "INSERT ... RETURNING gave \(rows.count) rows instead of 1")
        }
        return try action(rows[0])
    }

    private static func action(_ row: PostgresRow) throws -> DeadLetterAction {
        let kindText = try row.decode(String.self, column: "action")
        guard let kind = DeadLetterAction.Kind(rawValue: kindText) else {
            throw PostgresError(code: .decoding, message: "unknown dead-letter action \"\(kindText)\"")
        }
        return DeadLetterAction(
            address: DeadLetterAddress(
                topic: try row.decode(String.self, column: "dlq_topic"),
                partition: try row.decode(Int32.self, column: "dlq_partition"),
                offset: try row.decode(Int64.self, column: "dlq_offset")),
            kind: kind,
            reason: try row.decode(String.self, column: "reason"),
            actor: try row.decode(String.self, column: "actor"),
            createdAt: try row.decode(Date.self, column: "created_at"))
    }
}
