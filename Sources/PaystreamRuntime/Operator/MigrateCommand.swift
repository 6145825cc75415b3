import ArgumentParser
import LedgerStore
import Logging
import Postgres

/// `paystream migrate`: applies the versioned SQL migrations that are not applied yet.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations (safe to run twice, and concurrently).")

    @OptionGroup var runtime: RuntimeOptions
    @Flag(help: "List applied and pending migrations without applying anything.") var status = false

    func run() async throws {
        let configuration = try runtime.resolve()
        Observability.bootstrap(configuration)
        let logger = Logger(label: "paystream.migrate")
        var pgConfiguration = try PostgresConfiguration(url: configuration.postgresURL)
        pgConfiguration.poolSize = 2
        pgConfiguration.applicationName = "paystream-migrate"
        let client = PostgresClient(configuration: pgConfiguration, logger: logger)
        let migrator = PostgresMigrator(client: client, logger: logger)
        do {
            let migrations = try MigrationCatalog.all()
            if status {
                let applied = Set(try await migrator.appliedMigrations().map(\.version))
                for m in migrations {
                    print("\(applied.contains(m.version) ? "applied" : "pending") \(m.version) \(m.name)")
                }
            } else {
                let appliedNow = try await migrator.migrate(migrations)
                print(appliedNow.isEmpty
                    ? "migrations: up to date (\(migrations.count) known)"
                    : "migrations: applied \(appliedNow.map(String.init).joined(separator: ", "))")
            }
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}
