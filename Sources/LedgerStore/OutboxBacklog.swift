import Postgres

/// What waits in the outbox to be published: how many rows are unsent and how long the oldest has waited.
/// The relay sends a row within milliseconds of its commit, so a backlog that ages means the relay is down,
/// cannot reach Kafka, or fails on a row; follow-up events (refund results, envelope funding, notifications)
/// then stop reaching their consumers while the ledger itself stays correct.
public struct OutboxBacklog: Sendable, Equatable {
    /// Unsent rows, counted up to ``countCap`` (a count of a huge backlog would itself be a long scan).
    public var unsentRows: Int
    /// Milliseconds since the oldest unsent row was written; nil when nothing waits.
    public var oldestUnsentMilliseconds: Int64?

    /// The most rows ``read(from:)`` counts.
    public static let countCap = 100_000

    public init(unsentRows: Int, oldestUnsentMilliseconds: Int64?) {
        self.unsentRows = unsentRows
        self.oldestUnsentMilliseconds = oldestUnsentMilliseconds
    }

    /// Reads the backlog through the partial index on unsent rows: two short index scans, whatever the size of
    /// the outbox.
    public static func read(from postgres: PostgresClient) async throws -> OutboxBacklog {
        let rows = try await postgres.query(
            """
            SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE sent_at IS NULL LIMIT \(countCap)) AS waiting) AS unsent,
                   (SELECT (extract(epoch FROM clock_timestamp() - created_at) * 1000)::bigint FROM outbox
                    WHERE sent_at IS NULL ORDER BY outbox_id LIMIT 1) AS oldest_ms
            """)
        guard let row = rows.first else { return OutboxBacklog(unsentRows: 0, oldestUnsentMilliseconds: nil) }
        return OutboxBacklog(
            unsentRows: try row.decode(Int.self, column: "unsent"),
            oldestUnsentMilliseconds: try row.decode(Int64?.self, column: "oldest_ms"))
    }
}
