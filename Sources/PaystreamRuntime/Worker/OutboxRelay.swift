import Foundation
import Kafka
import Logging
import Postgres

/// Publishes outbox rows in order with the idempotent producer, then marks them sent. One relay is
/// active per database (a session advisory lock); the others wait to take over. After a crash between
/// the send and the mark, rows are sent again and consumers deduplicate them.
struct OutboxRelay: Sendable {
    let postgres: PostgresClient
    let producer: KafkaProducer
    let logger: Logger
    /// Maps the topic recorded in the row (a family) and the message key to the topic to produce to (the key's
    /// order decides the main or gray route, ``TrafficRoute``).
    let resolveTopic: @Sendable (_ family: String, _ key: String) -> String
    static let lockKey: Int64 = 0x7061_7973_6f75_7462  // "paysoutb"
    let batchSize = 500

    func run() async throws {
        let shuttingDown: @Sendable () -> Bool = { Task.isShuttingDownGracefully || Task.isCancelled }
        while !shuttingDown() {
            do {
                try await postgres.withConnection { connection in
                    let locked = try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey)) AS locked")
                    guard try locked.first?.decode(Bool.self, column: "locked") == true else { return }
                    logger.info("outbox relay active")
                    do {
                        while !shuttingDown() {
                            if try await relayOnce(connection) == 0 { try await Task.sleep(nanoseconds: 50_000_000) }
                        }
                    } catch {
                        // Release leadership before the connection goes back to the pool.
                        _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
                        throw error
                    }
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
                }
            } catch {
                if shuttingDown() { return }
                logger.error("outbox relay failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(nanoseconds: 1_000_000_000)
        }
    }

    /// Sends the next unsent rows in id order; returns how many. When some are not delivered, the rows before the
    /// first of them are marked sent all the same (so a row that cannot be sent does not have the rows before it sent
    /// again every second), that row is logged with its error, and it and the rows after it are sent again later.
    func relayOnce(_ connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT outbox_id, topic, message_key, payload, headers::text AS headers FROM outbox
            WHERE sent_at IS NULL ORDER BY outbox_id LIMIT \(batchSize)
            """)
        if rows.isEmpty { return 0 }
        var ids: [Int64] = []
        var messages: [KafkaOutgoingMessage] = []
        for row in rows {
            ids.append(try row.decode(Int64.self, column: "outbox_id"))
            let key = try row.decode(String.self, column: "message_key")
            let headerObject = try JSONSerialization.jsonObject(with: Data(try row.decode(String.self, column: "headers").utf8)) as? [String: String] ?? [:]
            messages.append(
                KafkaOutgoingMessage(
                    topic: resolveTopic(try row.decode(String.self, column: "topic"), key),
                    key: Array(key.utf8),
                    value: try row.decode([UInt8].self, column: "payload"),
                    headers: headerObject.sorted { $0.key < $1.key }.map { KafkaHeader(name: $0.key, string: $0.value) }))
        }
        let outcomes = try await producer.sendEach(messages)
        let delivered = outcomes.firstIndex { if case .failure = $0 { true } else { false } } ?? outcomes.count
        if delivered > 0 {
            try await connection.execute("UPDATE outbox SET sent_at = now() WHERE outbox_id = ANY(\(Array(ids[..<delivered]))::bigint[])")
        }
        if delivered < outcomes.count, case .failure(let error) = outcomes[delivered] {
            let failed = outcomes.count(where: { if case .failure = $0 { true } else { false } })
            logger.error(
                "outbox row not delivered; it and the rows after it are sent again",
                metadata: ["outbox_id": "\(ids[delivered])", "topic": "\(messages[delivered].topic)", "error": "\(error)", "undelivered": "\(failed)"])
            throw error
        }
        return ids.count
    }
}
