import Foundation
@testable import LedgerStore
import Postgres
import Testing
import TestSupport

/// ``Retention`` on real PostgreSQL: what it removes (sent outbox rows and API idempotency keys past their
/// retention) and everything it must keep (unsent rows however old, recent rows, keys still in their life).
@Suite("Retention")
struct RetentionTests {
    /// What no retention (and no one else) may remove: the idempotency keys of applied effects (a removed key would
    /// let its message apply again) and the record of what operators did with dead letters. A key's result may still
    /// change (rejected in its own transaction, reconsidered by a replay); an operator's action may not.
    @Test("processed keys and dead-letter actions are never removed; actions are never changed")
    func keysAndOperatorActionsAreKept() async throws {
        try await PostgresTestDatabase.with(poolSize: 1) { db in
            try await db.client.execute(
                "INSERT INTO processed_keys (idempotency_key, source, result) VALUES ('transfer:t-1', 'test', 'rejected:balance.insufficient_frozen')")
            try await db.client.execute(
                """
                INSERT INTO dead_letter_actions (dlq_topic, dlq_partition, dlq_offset, action, reason, actor)
                VALUES ('paystream.transfer.requests.dlq', 0, 7, 'dropped', 'obsolete', 'ops')
                """)
            try await db.client.execute("UPDATE processed_keys SET result = 'applied' WHERE idempotency_key = 'transfer:t-1'")
            for statement in [
                "DELETE FROM processed_keys", "TRUNCATE processed_keys CASCADE", "DELETE FROM dead_letter_actions",
                "UPDATE dead_letter_actions SET reason = 'rewritten'", "TRUNCATE dead_letter_actions",
            ] {
                await #expect(throws: PostgresError.self, "\(statement)") { try await db.client.execute(PostgresQuery(sql: statement)) }
            }
            #expect(try await Self.count(db, "SELECT count(*) AS n FROM processed_keys WHERE result = 'applied'") == 1)
            #expect(try await Self.count(db, "SELECT count(*) AS n FROM dead_letter_actions WHERE reason = 'obsolete'") == 1)
        }
    }

    @Test("sent outbox rows past the retention go; unsent and recent rows stay; a second run removes nothing")
    func outboxRowsPastTheRetention() async throws {
        try await PostgresTestDatabase.with(poolSize: 2) { db in
            // In id order: 300 rows sent 8 days ago, 40 never sent (the relay was stuck), 200 more sent 8 days
            // ago, then 150 sent an hour ago and 30 not yet sent.
            try await Self.insertOutbox(db, count: 300, createdHoursAgo: 200, sentHoursAgo: 199)
            try await Self.insertOutbox(db, count: 40, createdHoursAgo: 199, sentHoursAgo: nil)
            try await Self.insertOutbox(db, count: 200, createdHoursAgo: 198, sentHoursAgo: 197)
            try await Self.insertOutbox(db, count: 150, createdHoursAgo: 1, sentHoursAgo: 1)
            try await Self.insertOutbox(db, count: 30, createdHoursAgo: 0, sentHoursAgo: nil)

            let retention = try Retention(outboxSeconds: 7 * 86_400, chunk: 64)
            let result = try await retention.run(on: db.client)
            #expect(result.outboxDeleted == 500)
            #expect(result.unfinished == false)
            #expect(try await Self.count(db, "SELECT count(*) AS n FROM outbox") == 220)
            #expect(try await Self.count(db, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL") == 70, "no unsent row is removed")
            #expect(try await Self.count(db, "SELECT count(*) AS n FROM outbox WHERE sent_at < now() - interval '7 days'") == 0)

            let again = try await retention.run(on: db.client)
            #expect(again.outboxDeleted == 0)
            #expect(try await Self.count(db, "SELECT count(*) AS n FROM outbox") == 220)
        }
    }

    @Test("the walk jumps over emptied id ranges, and a run that hits its chunk limit says so")
    func theWalkSkipsGapsAndStopsAtItsLimit() async throws {
        try await PostgresTestDatabase.with(poolSize: 2) { db in
            try await Self.insertOutbox(db, count: 10, createdHoursAgo: 200, sentHoursAgo: 199)
            // Ids far beyond the first rows, as after months of rows already removed.
            _ = try await db.client.execute("SELECT setval(pg_get_serial_sequence('outbox', 'outbox_id'), 50000000)")
            try await Self.insertOutbox(db, count: 100, createdHoursAgo: 200, sentHoursAgo: 199)
            try await Self.insertOutbox(db, count: 5, createdHoursAgo: 0, sentHoursAgo: 0)

            // Three statements may not reach the end of 110 old rows in chunks of 20 ids.
            let limited = try Retention(outboxSeconds: 7 * 86_400, chunk: 20, maxChunksPerRun: 3)
            let first = try await limited.run(on: db.client)
            #expect(first.outboxDeleted == 50, "10 below the gap, then two chunks of 20 above it")
            #expect(first.unfinished)

            let rest = try await Retention(outboxSeconds: 7 * 86_400, chunk: 20, maxChunksPerRun: 100).run(on: db.client)
            #expect(rest.outboxDeleted == 60)
            #expect(rest.unfinished == false)
            #expect(try await Self.count(db, "SELECT count(*) AS n FROM outbox") == 5)
        }
    }

    @Test("API idempotency keys past the retention go; keys inside it stay")
    func apiIdempotencyKeys() async throws {
        try await PostgresTestDatabase.with(poolSize: 2) { db in
            _ = try await db.client.execute(
                """
                INSERT INTO api_idempotency (caller, key, digest, status, created_at, completed_at)
                SELECT 'user:a', 'old-' || g, 'd', 200, now() - interval '49 hours', now() - interval '49 hours'
                FROM generate_series(1, 130) AS g
                UNION ALL
                SELECT 'user:a', 'day-' || g, 'd', 200, now() - interval '30 hours', now() - interval '30 hours'
                FROM generate_series(1, 20) AS g
                UNION ALL
                SELECT 'user:b', 'new-' || g, 'd', NULL, now(), NULL
                FROM generate_series(1, 10) AS g
                """)
            let result = try await Retention(chunk: 50).run(on: db.client)
            #expect(result.apiIdempotencyDeleted == 130)
            #expect(try await Self.count(db, "SELECT count(*) AS n FROM api_idempotency WHERE key LIKE 'old-%'") == 0)
            #expect(try await Self.count(db, "SELECT count(*) AS n FROM api_idempotency") == 30)
        }
    }

    @Test("settings that would remove what is still needed are refused")
    func unsafeSettingsAreRefused() throws {
        #expect(throws: Retention.Invalid.self) { try Retention(apiIdempotencySeconds: 24 * 3600) }
        #expect(throws: Retention.Invalid.self) { try Retention(outboxSeconds: 60) }
        #expect(throws: Retention.Invalid.self) { try Retention(chunk: 0) }
        #expect(throws: Never.self) { try Retention(outboxSeconds: 3600, apiIdempotencySeconds: 25 * 3600) }
    }

    static func insertOutbox(_ db: PostgresTestDatabase, count: Int, createdHoursAgo: Int, sentHoursAgo: Int?) async throws {
        let sent = sentHoursAgo.map { "now() - make_interval(hours => \($0))" } ?? "NULL"
        _ = try await db.client.execute(
            PostgresQuery(
                sql: """
                    INSERT INTO outbox (topic, message_key, payload, created_at, sent_at)
                    SELECT 'paystream.notifications', 'order-' || g, convert_to('{}', 'UTF8'),
                           now() - make_interval(hours => \(createdHoursAgo)), \(sent)
                    FROM generate_series(1, \(count)) AS g
                    """, bindings: []))
    }

    static func count(_ db: PostgresTestDatabase, _ sql: String) async throws -> Int64 {
        let rows = try await db.client.query(PostgresQuery(sql: sql, bindings: []))
        return try rows.first!.decode(Int64.self, column: "n")
    }
}
