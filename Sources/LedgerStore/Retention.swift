import Postgres

/// Removes rows whose purpose has passed, a chunk per short statement, so that tables written on every event
/// stop growing without bound:
/// - outbox rows the relay sent longer ago than ``outboxSeconds`` (a row not yet sent is never removed,
///   however old);
/// - the HTTP API's idempotency keys older than ``apiIdempotencySeconds``. A key answers retries for 24 hours
///   and is then free for reuse, so the setting must be longer than that.
///
/// Nothing here touches money: journal entries, postings, orders, flows and the processed keys of the ledger
/// are kept forever.
public struct Retention: Sendable {
    /// How long a sent outbox row is kept (for tracing what was published), in seconds.
    public var outboxSeconds: Int
    /// How long an API idempotency key is kept, in seconds; more than ``apiIdempotencyLifeSeconds``.
    public var apiIdempotencySeconds: Int
    /// Rows examined by one statement (an id range of the outbox, or that many idempotency keys).
    public var chunk: Int
    /// Statements one run may take per table; what is left waits for the next run.
    public var maxChunksPerRun: Int

    /// A key's life in `IdempotencyMiddleware`: after it, the same key is a new request.
    public static let apiIdempotencyLifeSeconds = 24 * 3600

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(outboxSeconds: Int = 7 * 86_400, apiIdempotencySeconds: Int = 48 * 3600, chunk: Int = 5_000, maxChunksPerRun: Int = 1_000) throws {
        guard outboxSeconds >= 3600 else { throw Invalid(description: "the outbox's retention is at least an hour (\(outboxSeconds) s)") }
        guard apiIdempotencySeconds > Self.apiIdempotencyLifeSeconds else {
            throw Invalid(description: "API idempotency keys are kept longer than their 24-hour life (\(apiIdempotencySeconds) s)")
        }
        guard chunk > 0, maxChunksPerRun > 0 else { throw Invalid(description: "chunk and maxChunksPerRun are positive") }
        self.outboxSeconds = outboxSeconds
        self.apiIdempotencySeconds = apiIdempotencySeconds
        self.chunk = chunk
        self.maxChunksPerRun = maxChunksPerRun
    }

    public struct Result: Sendable, Equatable {
        public var outboxDeleted = 0
        public var apiIdempotencyDeleted = 0
        /// True when a table had more to remove than one run may take.
        public var unfinished = false
    }

    public func run(on postgres: PostgresClient) async throws -> Result {
        var result = Result()
        let outbox = try await pruneOutbox(postgres)
        result.outboxDeleted = outbox.deleted
        let keys = try await pruneAPIIdempotency(postgres)
        result.apiIdempotencyDeleted = keys.deleted
        result.unfinished = outbox.unfinished || keys.unfinished
        return result
    }

    /// Walks the outbox by id ranges of ``chunk`` from the lowest id: each range loses its rows sent before the
    /// cut. The walk ends at the first range holding a row created after the cut (the relay sends in id order,
    /// so what follows is younger still; a row sent late only waits for a later run). An unsent row is kept and
    /// walked past, and the walk jumps over id ranges already emptied.
    func pruneOutbox(_ postgres: PostgresClient) async throws -> (deleted: Int, unfinished: Bool) {
        let first = try await postgres.query("SELECT min(outbox_id) AS id FROM outbox")
        guard var low = try first.first?.decode(Int64?.self, column: "id") else { return (0, false) }
        var deleted = 0
        for _ in 0..<maxChunksPerRun {
            let high = low + Int64(chunk)
            let rows = try await postgres.query(
                """
                WITH cut AS (SELECT now() - make_interval(secs => \(outboxSeconds)::double precision) AS at),
                gone AS (
                    DELETE FROM outbox
                    WHERE outbox_id >= \(low) AND outbox_id < \(high) AND sent_at < (SELECT at FROM cut)
                    RETURNING 1
                )
                SELECT (SELECT count(*) FROM gone) AS deleted,
                       EXISTS (
                           SELECT 1 FROM outbox
                           WHERE outbox_id >= \(low) AND outbox_id < \(high) AND created_at >= (SELECT at FROM cut)
                       ) AS reached_recent,
                       (SELECT min(outbox_id) FROM outbox WHERE outbox_id >= \(high)) AS next_id
                """)
            guard let row = rows.first else { break }
            deleted += Int(try row.decode(Int64.self, column: "deleted"))
            if try row.decode(Bool.self, column: "reached_recent") { return (deleted, false) }
            guard let next = try row.decode(Int64?.self, column: "next_id") else { return (deleted, false) }
            low = next
        }
        return (deleted, true)
    }

    /// Removes idempotency keys created before the cut, ``chunk`` at a time through `api_idempotency_created`.
    /// The cut is checked again on the row being deleted: a key the middleware took over for a new request
    /// meanwhile (its `created_at` set to now) is left alone.
    func pruneAPIIdempotency(_ postgres: PostgresClient) async throws -> (deleted: Int, unfinished: Bool) {
        var deleted = 0
        for _ in 0..<maxChunksPerRun {
            let count = try await postgres.execute(
                """
                WITH cut AS (SELECT now() - make_interval(secs => \(apiIdempotencySeconds)::double precision) AS at)
                DELETE FROM api_idempotency
                WHERE (caller, key) IN (
                    SELECT caller, key FROM api_idempotency WHERE created_at < (SELECT at FROM cut) LIMIT \(chunk)
                ) AND created_at < (SELECT at FROM cut)
                """)
            deleted += count
            if count < chunk { return (deleted, false) }
        }
        return (deleted, true)
    }
}
