import Foundation
@testable import LedgerStore
import Postgres
import Testing
import TestSupport

/// The outbox relay marks each row sent once. Migration 0026 leaves half of each outbox page free, so that the
/// marked version of a row is written on the row's own page (no page added to the table, and a WAL record of the
/// changed bytes instead of the whole row). Checked on real PostgreSQL through the rows' `ctid`s.
@Suite("Outbox pages")
struct OutboxPageTests {
    @Test("a row marked sent keeps its page")
    func aMarkedRowKeepsItsPage() async throws {
        try await PostgresTestDatabase.with(poolSize: 1) { db in
            // Rows of the size a follow-up event has (about 300 bytes of payload and headers), several pages of them.
            _ = try await db.client.execute(
                """
                INSERT INTO outbox (topic, message_key, payload, headers)
                SELECT 'paystream.notifications', 'order-' || g, convert_to(repeat('x', 220), 'UTF8'),
                       jsonb_build_object('paystream-cause', 'transfer:order-' || g, 'paystream-correlation-id', 'c-' || g)
                FROM generate_series(1, 400) AS g
                """)
            let pagesBefore = try await Self.count(db, "SELECT pg_relation_size('outbox') / current_setting('block_size')::bigint AS n")
            #expect(pagesBefore >= 10, "the rows fill several pages (\(pagesBefore))")
            _ = try await db.client.execute(
                "CREATE TEMPORARY TABLE before_mark AS SELECT outbox_id, (ctid::text::point)[0]::bigint AS page FROM outbox")
            _ = try await db.client.execute("UPDATE outbox SET sent_at = now()")
            let moved = try await Self.count(
                db,
                """
                SELECT count(*) AS n FROM outbox o JOIN before_mark b USING (outbox_id)
                WHERE (o.ctid::text::point)[0]::bigint <> b.page
                """)
            // With pages filled to the brim (fillfactor 100) nearly every marked version moves to a new page.
            #expect(moved <= 8, "\(moved) of 400 marked rows moved to another page")
            let pagesAfter = try await Self.count(db, "SELECT pg_relation_size('outbox') / current_setting('block_size')::bigint AS n")
            #expect(pagesAfter <= pagesBefore + 1, "the table grew from \(pagesBefore) to \(pagesAfter) pages")
        }
    }

    static func count(_ db: PostgresTestDatabase, _ sql: String) async throws -> Int64 {
        let rows = try await db.client.query(PostgresQuery(sql: sql, bindings: []))
        return try rows.first!.decode(Int64.self, column: "n")
    }
}
