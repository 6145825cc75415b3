import Foundation
import LedgerStore
import Postgres
import Testing
import TestSupport

@Suite("Versioned migrations")
struct MigratorTests {
    typealias Migration = PostgresMigrator.Migration

    static let migrations = [
        Migration(version: 1, name: "create_items", sql: "CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL);"),
        Migration(version: 2, name: "seed_item", sql: "INSERT INTO items VALUES (1, 'first');\nINSERT INTO items VALUES (2, 'second');"),
        Migration(version: 3, name: "add_amount", sql: "ALTER TABLE items ADD COLUMN amount bigint NOT NULL DEFAULT 0;"),
    ]

    /// Runs `body` with a migrator on a schema of its own, dropped afterwards.
    func withMigrator(_ body: (PostgresClient, String, PostgresMigrator) async throws -> Void) async throws {
        try await PG.withClient { client in
            let schema = TestEnvironment.uniqueName("migrate")
            do {
                try await body(client, schema, PostgresMigrator(client: client, schema: schema, logger: PG.logger))
            } catch {
                _ = try? await client.execute("DROP SCHEMA IF EXISTS \(identifier: schema) CASCADE")
                throw error
            }
            try await client.execute("DROP SCHEMA IF EXISTS \(identifier: schema) CASCADE")
        }
    }

    @Test("applies pending migrations in order, records them, and applies nothing the second time")
    func appliesOnceAndIsIdempotent() async throws {
        try await withMigrator { client, schema, migrator in
            #expect(try await migrator.appliedMigrations().isEmpty)
            #expect(try await migrator.migrate(Array(Self.migrations.reversed())) == [1, 2, 3])
            #expect(try await migrator.migrate(Self.migrations) == [])
            let applied = try await migrator.appliedMigrations()
            #expect(applied.map(\.version) == [1, 2, 3])
            #expect(applied.map(\.name) == ["create_items", "seed_item", "add_amount"])
            #expect(applied.allSatisfy { $0.checksum.count == 64 && $0.checksum.allSatisfy(\.isHexDigit) })
            #expect(applied.allSatisfy { abs($0.appliedAt.timeIntervalSinceNow) < 300 })
            let items = try await client.query("SELECT count(*) AS n, sum(amount) AS total FROM \(identifier: schema).items")
            #expect(try items[0].decode(Int.self, column: "n") == 2)
            #expect(try items[0].decode(Int.self, column: "total") == 0)
        }
    }

    @Test("a changed applied migration stops the run before anything new is applied")
    func detectsChangedChecksum() async throws {
        try await withMigrator { client, schema, migrator in
            #expect(try await migrator.migrate(Array(Self.migrations.prefix(2))) == [1, 2])
            var edited = Self.migrations
            edited[1] = Migration(version: 2, name: "seed_item", sql: "INSERT INTO items VALUES (3, 'sneaky');")
            let error = try await #require(throws: PostgresError.self) { try await migrator.migrate(edited) }
            #expect(error.code == .migrationConflict)
            #expect(error.message.contains("migration 2"), "\(error)")
            #expect(try await migrator.appliedMigrations().map(\.version) == [1, 2])
        }
    }

    @Test("two concurrent runs apply each migration exactly once")
    func concurrentRunsApplyOnce() async throws {
        try await withMigrator { client, schema, migrator in
            try await PG.withClient { otherClient in
                let rival = PostgresMigrator(client: otherClient, schema: schema, logger: PG.logger)
                async let first = migrator.migrate(Self.migrations)
                async let second = rival.migrate(Self.migrations)
                let (a, b) = try await (first, second)
                #expect((a + b).sorted() == [1, 2, 3], "first applied \(a), second applied \(b)")
            }
            let items = try await client.query("SELECT count(*) FROM \(identifier: schema).items")
            #expect(try items[0].decode(Int.self, at: 0) == 2)
        }
    }

    @Test("a failing migration is rolled back completely and not recorded")
    func failingMigrationLeavesNoTrace() async throws {
        try await withMigrator { client, schema, migrator in
            let broken = [
                Self.migrations[0],
                Migration(version: 2, name: "half_done", sql: "CREATE TABLE extra (id int); SELECT 1 / 0;"),
            ]
            await #expect(throws: PostgresError.self) { try await migrator.migrate(broken) }
            #expect(try await migrator.appliedMigrations().map(\.version) == [1])
            let extra = try await client.query("SELECT to_regclass(\(schema + ".extra")) IS NULL AS absent")
            #expect(try extra[0].decode(Bool.self, column: "absent"))
        }
    }

    @Test("duplicate or non-positive versions are rejected")
    func rejectsMalformedLists() async throws {
        try await withMigrator { _, _, migrator in
            let duplicate = [Self.migrations[0], Migration(version: 1, name: "again", sql: "SELECT 1")]
            let error = try await #require(throws: PostgresError.self) { try await migrator.migrate(duplicate) }
            #expect(error.code == .migrationConflict)
            await #expect(throws: PostgresError.self) {
                try await migrator.migrate([Migration(version: 0, name: "zero", sql: "SELECT 1")])
            }
        }
    }

    @Test("the ledger's migration catalog loads from the bundle")
    func catalogLoads() throws {
        let migrations = try MigrationCatalog.all()
        let versions = migrations.map(\.version)
        #expect(versions == versions.sorted() && Set(versions).count == versions.count)
        #expect(migrations.allSatisfy { !$0.name.isEmpty })
    }

    @Test("the catalog reads NNNN_snake_name.sql files, ignores others and rejects bad names")
    func catalogParsesDirectories() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("catalog"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ name: String, _ text: String = "SELECT 1;") throws {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("0002_add_orders.sql", "CREATE TABLE orders ();")
        try write("0001_init.sql")
        try write(".keep", "")
        try write("README.md", "notes")
        let loaded = try MigrationCatalog.load(from: directory)
        #expect(loaded.map(\.version) == [1, 2])
        #expect(loaded.map(\.name) == ["init", "add_orders"])
        #expect(loaded[1].sql == "CREATE TABLE orders ();")

        try write("0002_duplicate.sql")
        #expect(throws: MigrationCatalog.CatalogError.self) { try MigrationCatalog.load(from: directory) }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("0002_duplicate.sql"))
        try write("3_BadName.sql")
        #expect(throws: MigrationCatalog.CatalogError.self) { try MigrationCatalog.load(from: directory) }
    }
}
