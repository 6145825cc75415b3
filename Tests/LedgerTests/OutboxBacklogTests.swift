import Foundation
import LedgerStore
import Postgres
import Testing
import TestSupport

/// What the worker's outbox watch reports, read from real PostgreSQL: unsent rows only, the age of the oldest,
/// and a count that stops at its cap instead of scanning a huge backlog.
@Suite("Outbox backlog")
struct OutboxBacklogTests {
    @Test func anEmptyOutboxHasNoBacklog() async throws {
        try await PostgresTestDatabase.with(poolSize: 1) { db in
            let backlog = try await OutboxBacklog.read(from: db.client)
            #expect(backlog == OutboxBacklog(unsentRows: 0, oldestUnsentMilliseconds: nil))
        }
    }

    @Test func sentRowsAreNotCountedAndTheOldestUnsentRowGivesTheAge() async throws {
        try await PostgresTestDatabase.with(poolSize: 1) { db in
            _ = try await db.client.execute(
                """
                INSERT INTO outbox (topic, message_key, payload, created_at, sent_at) VALUES
                  ('t', 'sent-long-ago', '\\x00', now() - interval '2 hours', now() - interval '119 minutes'),
                  ('t', 'waiting-10-min', '\\x00', now() - interval '10 minutes', NULL),
                  ('t', 'waiting-1-min', '\\x00', now() - interval '1 minute', NULL),
                  ('t', 'sent-just-now', '\\x00', now(), now())
                """)
            let backlog = try await OutboxBacklog.read(from: db.client)
            #expect(backlog.unsentRows == 2)
            let age = try #require(backlog.oldestUnsentMilliseconds)
            #expect((600_000..<660_000).contains(age), "oldest unsent: \(age) ms")
        }
    }

    @Test func theCountStopsAtItsCap() async throws {
        try await PostgresTestDatabase.with(poolSize: 1) { db in
            _ = try await db.client.execute(
                "INSERT INTO outbox (topic, message_key, payload) SELECT 't', 'k' || g, '\\x00' FROM generate_series(1, \(OutboxBacklog.countCap + 5)) AS g")
            #expect(try await OutboxBacklog.read(from: db.client).unsentRows == OutboxBacklog.countCap)
        }
    }
}
