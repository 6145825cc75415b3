import ArgumentParser
import EventBus
import Foundation
import Logging
import Postgres

/// `paystream-dlq`: list, show, replay and drop dead letters.
///
/// Guarantees: nothing is ever deleted from Kafka or from `dead_letter_actions`; replay and drop record who
/// did what and why; `replay --dry-run` changes nothing. Exit status: 0 done, 1 a selector matched nothing,
/// a letter was refused or a produce failed, 64 a usage error.
public struct DeadLetterCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream-dlq",
        abstract: "Inspect, replay and drop dead letters (messages on <topic>.dlq).",
        discussion: """
            Replay is safe because every consumer deduplicates by idempotency key; a letter already replayed \
            or dropped is still refused unless --force, to protect against double clicks.
            """,
        subcommands: [List.self, Show.self, Replay.self, Drop.self])

    public init() {}

    /// Parses `arguments` (without the program name) and runs the subcommand in this process, writing to
    /// `output` and without touching process-wide logging. Returns the exit status the executable would have.
    public static func run(arguments: [String], output: any DeadLetterOutput) async -> Int32 {
        do {
            let command = try parseAsRoot(arguments)
            guard let subcommand = command as? any DeadLetterSubcommand else {
                output.write(helpMessage())
                return ExitCode.validationFailure.rawValue
            }
            try await subcommand.execute(configuration: try subcommand.options.resolve(), output: output)
            return ExitCode.success.rawValue
        } catch {
            let message = fullMessage(for: error)
            if !message.isEmpty { output.warn(message) }
            return exitCode(for: error).rawValue
        }
    }
}

/// A subcommand that can run against any output; `run()` (the executable's path) adds process set-up.
protocol DeadLetterSubcommand: AsyncParsableCommand {
    var options: DeadLetterToolOptions { get }
    func execute(configuration: PaystreamConfiguration, output: any DeadLetterOutput) async throws
}

extension DeadLetterSubcommand {
    func runAsExecutable() async throws {
        let configuration = try options.resolve()
        Observability.bootstrap(configuration)
        try await execute(configuration: configuration, output: DeadLetterStandardOutput())
    }
}

/// Flags shared by every subcommand.
struct DeadLetterToolOptions: ParsableArguments {
    @OptionGroup var runtime: RuntimeOptions
    @Option(help: "Upper bound for reading one topic, in milliseconds.")
    var readTimeoutMs = 30_000

    func validate() throws {
        guard readTimeoutMs > 0 else { throw ValidationError("--read-timeout-ms must be positive") }
    }

    /// The configuration; logs are quiet (warning) unless a level was asked for.
    func resolve() throws -> PaystreamConfiguration {
        var configuration = try runtime.resolve()
        if runtime.logLevel == nil && ProcessInfo.processInfo.environment["PAYSTREAM_LOG_LEVEL"] == nil {
            configuration.logLevel = "warning"
        }
        return configuration
    }
}

/// The selection flags of `list` and `replay --filter`.
struct DeadLetterFilterOptions: ParsableArguments {
    @Option(help: "A topic family declared in topics/ (e.g. paystream.withdrawals: its dead-letter topic and its gray twin's) or a dead-letter topic (<name>.dlq).")
    var topic: String?
    @Option(name: .customLong("error"), help: "Only letters whose error code or message contains this text (any case).")
    var errorText: String?
    @Option(help: "Only letters that first failed at or after this ISO-8601 time (or date, UTC).")
    var since: DeadLetterTimeArgument?
    @Option(help: "Only letters that first failed before this ISO-8601 time (or date, UTC).")
    var until: DeadLetterTimeArgument?

    var narrows: Bool { topic != nil || errorText != nil || since != nil || until != nil }

    func validate() throws {
        if let since, let until, since.date >= until.date { throw ValidationError("--since must be before --until") }
        if let errorText, errorText.isEmpty { throw ValidationError("--error needs some text") }
    }

    func filter(includeResolved: Bool) -> DeadLetterFilter {
        DeadLetterFilter(errorText: errorText, since: since?.date, until: until?.date, includeResolved: includeResolved)
    }

    /// The dead-letter topics meant, and those of them that may be missing on the cluster (skipped with a warning):
    /// the one named (never missing); a family's, with its gray twin's when it has one (a canary's letters are the
    /// family's letters too; the twin's topics exist only where the canary has run, so the twin's may be missing);
    /// or every one declared in topics/ (any may be missing).
    func topics(_ configuration: PaystreamConfiguration) throws -> (topics: [String], optional: Set<String>) {
        if let topic, topic.hasSuffix(".dlq") { return ([topic], []) }
        let registry = try TopicRegistry.load(directory: configuration.topicsDirectory)
        guard let topic else {
            let all = registry.declarations.compactMap(\.deadLetterTopic)
            return (all, Set(all))
        }
        guard let declaration = registry.declaration(named: topic) else {
            throw ValidationError("\(topic) is neither a topic family of \(configuration.topicsDirectory) nor a <name>.dlq topic")
        }
        guard let dlq = declaration.deadLetterTopic else { throw ValidationError("\(topic) declares no dead-letter topic") }
        guard let twin = declaration.grayTwin?.deadLetterTopic else { return ([dlq], []) }
        return ([dlq, twin], [twin])
    }
}

/// An ISO-8601 time on the command line.
struct DeadLetterTimeArgument: ExpressibleByArgument {
    let date: Date
    init?(argument: String) {
        guard let date = DeadLetterTime.parse(argument) else { return nil }
        self.date = date
    }
}

/// Who acts: --actor, else $USER, else "operator".
func defaultActor(_ flag: String?) -> String {
    if let flag, !flag.isEmpty { return flag }
    if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
    return "operator"
}

func validateAddress(topic: String, partition: Int32, offset: Int64) throws {
    guard topic.hasSuffix(".dlq") else { throw ValidationError("\(topic) is not a dead-letter topic (<name>.dlq)") }
    guard partition >= 0, offset >= 0 else { throw ValidationError("partition and offset must not be negative") }
}

func validateReason(_ reason: String) throws {
    guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
        throw ValidationError("--reason must say why")
    }
}

/// Opens the service (Kafka reader and a small PostgreSQL pool), runs `body`, and closes both whatever happens.
func withDeadLetterService<T>(
    _ configuration: PaystreamConfiguration, readTimeoutMilliseconds: Int,
    _ body: (DeadLetterService) async throws -> T
) async throws -> T {
    let logger = Logger(label: "paystream.dlq")
    var pg = try PostgresConfiguration(url: configuration.postgresURL)
    pg.poolSize = 2
    pg.applicationName = "paystream-dlq"
    let client = PostgresClient(configuration: pg, logger: logger)
    let service: DeadLetterService
    do {
        service = try DeadLetterService(
            kafka: configuration.kafka(clientID: "paystream-dlq"), postgres: client,
            readTimeoutMilliseconds: readTimeoutMilliseconds, logger: logger)
    } catch {
        await client.shutdown()
        throw error
    }
    do {
        let result = try await body(service)
        await service.close()
        await client.shutdown()
        return result
    } catch {
        await service.close()
        await client.shutdown()
        throw error
    }
}
