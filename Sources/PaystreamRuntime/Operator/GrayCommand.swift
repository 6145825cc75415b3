import ArgumentParser
import EventBus
import Foundation
import Logging
import Postgres

/// `paystream gray`: the gray (canary) release rule — who goes to the canary worker group. Takes effect in every
/// paystream-api within a second for orders created from then on; orders already created finish on the route they
/// started on (``TrafficRoute``).
struct GrayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gray", abstract: "Show or change the gray (canary) release rule.", subcommands: [Show.self, Set_.self, Off.self])

    static func withStore<T>(_ runtime: RuntimeOptions, _ body: (GrayRuleStore) async throws -> T) async throws -> T {
        let configuration = try runtime.resolve()
        var pg = try PostgresConfiguration(url: configuration.postgresURL)
        pg.poolSize = 1
        pg.applicationName = "paystream-gray"
        let postgres = PostgresClient(configuration: pg, logger: Logger(label: "paystream.gray"))
        do {
            let result = try await body(GrayRuleStore(postgres: postgres))
            await postgres.shutdown()
            return result
        } catch {
            await postgres.shutdown()
            throw error
        }
    }

    static func describe(_ rule: GrayRule) -> String {
        if rule.version == 0 { return "gray: off (no rule ever stored); everything goes to the main workers" }
        if rule.isOff { return "gray rule v\(rule.version): off; everything goes to the main workers" }
        let percent = String(format: "%.2f", Double(rule.basisPoints) / 100)
        return "gray rule v\(rule.version): users [\(rule.users.sorted().joined(separator: ","))], merchants [\(rule.merchants.sorted().joined(separator: ","))], \(percent)% of everyone else"
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the rule in force.")
        @OptionGroup var runtime: RuntimeOptions
        func run() async throws {
            print(GrayCommand.describe(try await GrayCommand.withStore(runtime) { try await $0.current() }))
        }
    }

    struct Set_: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Store a new rule: listed users and merchants, and a share of everyone else.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Comma-separated user ids always gray.") var users = ""
        @Option(help: "Comma-separated merchant ids always gray.") var merchants = ""
        @Option(help: "Percent (0 to 100, two decimals) of all other users and merchants, chosen by a stable hash of their id.")
        var percent = 0.0
        @Option(help: "Who makes the change (recorded).") var by: String
        @Option(help: "Why (recorded).") var reason = ""

        func validate() throws {
            guard (0...100).contains(percent) else { throw ValidationError("--percent is between 0 and 100") }
            guard (1...64).contains(by.count) else { throw ValidationError("--by names who makes the change (1 to 64 characters)") }
            for id in Self.list(users) + Self.list(merchants) where !id.allSatisfy({ $0.isLetter || $0.isNumber || "_.-".contains($0) }) {
                throw ValidationError("'\(id)' is not an account id")
            }
        }

        static func list(_ text: String) -> [String] {
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        func run() async throws {
            let rule = GrayRule(
                users: Set(Self.list(users)), merchants: Set(Self.list(merchants)), basisPoints: Int((percent * 100).rounded()), version: 0)
            let stored = try await GrayCommand.withStore(runtime) { try await $0.store(rule, by: by, reason: reason) }
            print(GrayCommand.describe(stored))
        }
    }

    struct Off: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Store an empty rule: new orders all go to the main workers.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Who makes the change (recorded).") var by: String
        @Option(help: "Why (recorded).") var reason = ""
        func run() async throws {
            let stored = try await GrayCommand.withStore(runtime) { try await $0.store(.off, by: by, reason: reason) }
            print(GrayCommand.describe(stored))
        }
    }
}
