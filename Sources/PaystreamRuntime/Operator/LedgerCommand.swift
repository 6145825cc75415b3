import ArgumentParser
import Foundation
import LedgerStore
import Logging
import Postgres

/// `paystream ledger verify`: checks the ledger's invariants on one consistent snapshot.
///
/// Exit status: 0 when the ledger is clean, 1 when any invariant is broken, 2 when the check itself could
/// not run (so a failed run is never mistaken for a clean ledger, nor for a broken one).
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "Ledger operations.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every ledger invariant (money.md rule 6) on one snapshot; exit 1 on any violation.",
            discussion: """
                Prints the rows checked, one line per violation ("VIOLATION <rule> <subject>: <figures>"), \
                then "ledger verify: clean" or "ledger verify: N violation(s)". Read-only; safe while workers run.
                """)

        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Show at most this many violations of each rule (all are counted).")
        var limit = 100

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let configuration = try runtime.resolve()
            Observability.bootstrap(configuration)
            let logger = Logger(label: "paystream.ledger.verify")
            var pgConfiguration = try PostgresConfiguration(url: configuration.postgresURL)
            pgConfiguration.poolSize = 1
            pgConfiguration.applicationName = "paystream-ledger-verify"
            let client = PostgresClient(configuration: pgConfiguration, logger: logger)
            let report: LedgerReport
            do {
                report = try await LedgerVerifier(client: client, violationLimitPerRule: limit).verify()
            } catch {
                await client.shutdown()
                FileHandle.standardError.write(Data("ledger verify: could not run: \(error)\n".utf8))
                throw ExitCode(2)
            }
            await client.shutdown()

            let c = report.checked
            print("checked: \(c.accounts) accounts, \(c.entries) entries, \(c.postings) postings, \(c.orders) orders")
            for violation in report.violations {
                print("VIOLATION \(violation)")
            }
            for rule in report.brokenRules where report.omittedCount(of: rule) > 0 {
                print("(\(report.omittedCount(of: rule)) more \(rule) violation(s) not shown)")
            }
            if report.isClean {
                print("ledger verify: clean")
            } else {
                let perRule = report.brokenRules.map { "\($0) \(report.violationCounts[$0] ?? 0)" }
                print("ledger verify: \(report.totalViolations) violation(s) (\(perRule.joined(separator: ", ")))")
                throw ExitCode(1)
            }
        }
    }
}
