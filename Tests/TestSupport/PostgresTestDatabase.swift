import Foundation
import LedgerStore
import Logging
import Postgres

/// A fresh PostgreSQL database per test, with every migration applied, on the test server. Tests that
/// check ledger-wide invariants need one: other tests' rows must not show up in their sums.
public struct PostgresTestDatabase: Sendable {
    public let name: String
    public let url: String
    public let client: PostgresClient

    /// Creates `t_<unique>` on the server of PAYSTREAM_PG_URL and migrates it, up to and with migration `lastVersion`
    /// (tests of a migration's backfill stop before it, write rows the way older code did, then migrate the rest).
    public static func create(poolSize: Int = 4, through lastVersion: Int = .max) async throws -> PostgresTestDatabase {
        let serverURL = try TestEnvironment.postgresURL()
        let name = "t_" + TestEnvironment.uniqueName("db").replacingOccurrences(of: "-", with: "_")
        let admin = PostgresClient(configuration: try PostgresConfiguration(url: serverURL), logger: Logger(label: "test.pg"))
        _ = try await admin.execute(PostgresQuery(sql: "CREATE DATABASE \(PostgresQuery.quoteIdentifier(name))", bindings: []))
        await admin.shutdown()
        let url = Self.replacingDatabase(in: serverURL, with: name)
        var configuration = try PostgresConfiguration(url: url)
        configuration.poolSize = poolSize
        let client = PostgresClient(configuration: configuration, logger: Logger(label: "test.pg"))
        _ = try await PostgresMigrator(client: client, logger: Logger(label: "test.migrate"))
            .migrate(MigrationCatalog.all().filter { $0.version <= lastVersion })
        return PostgresTestDatabase(name: name, url: url, client: client)
    }

    /// `postgres://u@h:p/db?x` with the database part replaced.
    static func replacingDatabase(in url: String, with database: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + database
        return components.string!
    }

    /// Creates a database, runs `body` with it and closes its pool, also when `body` throws.
    public static func with(poolSize: Int = 4, through lastVersion: Int = .max, _ body: (PostgresTestDatabase) async throws -> Void) async throws {
        let db = try await create(poolSize: poolSize, through: lastVersion)
        do {
            try await body(db)
        } catch {
            await db.close()
            throw error
        }
        await db.close()
    }

    /// Applies the migrations not applied yet.
    public func migrateRest() async throws {
        _ = try await PostgresMigrator(client: client, logger: Logger(label: "test.migrate")).migrate(MigrationCatalog.all())
    }

    /// Closes the pool; the database stays for inspection until the test server is stopped.
    public func close() async { await client.shutdown() }
}
