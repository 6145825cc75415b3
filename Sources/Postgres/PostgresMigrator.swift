import Foundation
import Logging

/// Applies versioned SQL migrations and records them in a `schema_migrations` table.
///
/// Guarantees:
/// - Each migration runs in its own transaction together with the row that records it: it is applied
///   completely and recorded, or not at all. (So a migration must not contain COMMIT, or statements that
///   cannot run in a transaction such as CREATE INDEX CONCURRENTLY.)
/// - Concurrent `migrate` calls, in one process or many, apply each migration once: every step holds a
///   transaction-scoped advisory lock (`pg_advisory_xact_lock`) and re-checks the table under it.
/// - Running again applies nothing. An applied migration whose SQL has changed (SHA-256 of its text, computed
///   by the server) stops the run with `.migrationConflict` before anything new is applied.
/// - With `schema`, the table lives in that schema, which is created if missing, and each migration runs with
///   `search_path` set to it.
public struct PostgresMigrator: Sendable {
    /// One migration: `version` orders and identifies it; `sql` may hold several statements.
    public struct Migration: Sendable, Hashable {
        public let version: Int
        public let name: String
        public let sql: String

        public init(version: Int, name: String, sql: String) {
            self.version = version
            self.name = name
            self.sql = sql
        }
    }

    /// A row of `schema_migrations`.
    public struct AppliedMigration: Sendable, Hashable {
        public let version: Int
        public let name: String
        /// Lower-case hex SHA-256 of the migration's SQL text (UTF-8).
        public let checksum: String
        public let appliedAt: Date
    }

    public let client: PostgresClient
    public let schema: String?
    private let logger: Logger

    public init(client: PostgresClient, schema: String? = nil, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// Applies, in version order, the migrations not yet recorded, and returns their versions.
    public func migrate(_ migrations: [Migration]) async throws -> [Int] {
        let ordered = try Self.validated(migrations)
        try await prepareTable()
        try await verifyChecksums(ordered)
        var appliedNow = [Int]()
        for migration in ordered where try await apply(migration) {
            appliedNow.append(migration.version)
            logger.info(
                "migration applied", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
        }
        return appliedNow
    }

    /// The migrations recorded as applied, by version; empty if the table does not exist yet.
    public func appliedMigrations() async throws -> [AppliedMigration] {
        let rows: PostgresRows
        do {
            rows = try await client.query(
                "SELECT version, name, checksum, applied_at FROM \(unsafeRaw: table) ORDER BY version")
        } catch let error as PostgresError where error.sqlState == PostgresError.undefinedTable {
            return []
        }
        return try rows.map { row in
            AppliedMigration(
                version: try row.decode(Int.self, column: "version"), name: try row.decode(String.self, column: "name"),
                checksum: try row.decode(String.self, column: "checksum"),
                appliedAt: try row.decode(Date.self, column: "applied_at"))
        }
    }

    // MARK: steps

    /// The quoted, possibly schema-qualified table name.
    private var table: String {
        (schema.map { PostgresQuery.quoteIdentifier($0) + "." } ?? "") + "schema_migrations"
    }

    /// The advisory lock key: a stable 64-bit FNV-1a hash of the table's location, so migrators of different
    /// schemas do not block each other.
    private var lockKey: Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "paystream.schema_migrations/\(schema ?? "")".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    private func prepareTable() async throws {
        try await client.withTransaction { connection in
            try await connection.execute("SELECT pg_advisory_xact_lock(\(lockKey))")
            if let schema {
                try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(identifier: schema)")
            }
            try await connection.execute(
                """
                CREATE TABLE IF NOT EXISTS \(unsafeRaw: table) (
                    version bigint PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
    }

    private func verifyChecksums(_ migrations: [Migration]) async throws {
        let rows = try await client.query(
            """
            SELECT m.version, a.checksum AS applied, encode(sha256(convert_to(m.sql, 'UTF8')), 'hex') AS current
            FROM unnest(\(migrations.map(\.version))::bigint[], \(migrations.map(\.sql))::text[]) AS m(version, sql)
            JOIN \(unsafeRaw: table) AS a ON a.version = m.version
            WHERE a.checksum <> encode(sha256(convert_to(m.sql, 'UTF8')), 'hex')
            ORDER BY m.version
            """)
        guard let row = rows.first else { return }
        let version = try row.decode(Int.self, column: "version")
        throw PostgresError(
            code: .migrationConflict,
            message: "migration \(version) was applied with checksum \(try row.decode(String.self, column: "applied")) but its SQL now has checksum \(try row.decode(String.self, column: "current")); never edit an applied migration, add a new one (\(rows.count) changed)")
    }

    /// Applies one migration unless it is already recorded; true if applied now.
    private func apply(_ migration: Migration) async throws -> Bool {
        try await client.withTransaction { connection in
            try await connection.execute("SELECT pg_advisory_xact_lock(\(lockKey))")
            let existing = try await connection.query(
                "SELECT 1 FROM \(unsafeRaw: table) WHERE version = \(migration.version)")
            guard existing.isEmpty else { return false }
            if let schema {
                try await connection.execute("SET LOCAL search_path TO \(identifier: schema)")
            }
            try await connection.simpleQuery(migration.sql)
            try await connection.execute(
                """
                INSERT INTO \(unsafeRaw: table) (version, name, checksum)
                VALUES (\(migration.version), \(migration.name), encode(sha256(convert_to(\(migration.sql)::text, 'UTF8')), 'hex'))
                """)
            return true
        }
    }

    static func validated(_ migrations: [Migration]) throws -> [Migration] {
        var seen = Set<Int>()
        for migration in migrations {
            guard migration.version > 0 else {
                throw PostgresError(
                    code: .migrationConflict, message: "migration \"\(migration.name)\" has version \(migration.version); versions start at 1")
            }
            guard seen.insert(migration.version).inserted else {
                throw PostgresError(code: .migrationConflict, message: "migration version \(migration.version) appears twice")
            }
        }
        return migrations.sorted { $0.version < $1.version }
    }
}
