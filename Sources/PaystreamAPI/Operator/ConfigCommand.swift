import ArgumentParser
import Channels
import Cryptography
import EventBus
import Foundation
import Kafka
import LedgerStore
import Logging
import NIOSSL
import PaystreamRuntime
import Postgres
import Redis
import Risk

/// `paystream config`: the deployment's configuration, checked before anything starts.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check a deployment's configuration.", subcommands: [ConfigCheckCommand.self])
}

/// `paystream config check`: loads everything a Paystream process loads at start, the way it loads it, and
/// reports each part: the configuration (defaults, file, PAYSTREAM_* variables, flags; Kafka properties that
/// would override a safety setting are refused), the topic declarations, the secret keys, the channels, the risk
/// rules and the TLS certificate and key. With `--connect` it also asks the services: PostgreSQL answers and
/// every migration is applied, Redis answers, Kafka answers and every declared topic exists with its declared
/// partitions. Exits 1 when anything fails, naming each failure; nothing is changed anywhere.
struct ConfigCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a deployment's configuration (and with --connect, its services) before it starts.")

    @OptionGroup var service: ServiceOptions
    @Option(help: "The API's TLS certificate chain (PEM), as paystream-api --tls-cert.") var tlsCert: String?
    @Option(help: "The private key (PEM) of --tls-cert.") var tlsKey: String?
    @Option(help: "Days a TLS certificate must stay valid for the check to pass.") var tlsMinimumDays = 14
    @Flag(help: "Also reach PostgreSQL, Redis and Kafka: migrations applied, declared topics present.") var connect = false

    func run() async throws {
        var report = ConfigReport()
        guard let configuration = report.check("configuration", { try Self.configuration(service.runtime) }) else {
            report.print()
            throw ExitCode(1)
        }
        Observability.bootstrap(configuration)
        let logger = Logger(label: "paystream.config")
        let registry = report.check("topics", {
            let registry = try TopicRegistry.load(directory: configuration.topicsDirectory)
            return (registry, "\(registry.declarations.count) families, \(registry.allTopics.count) topics in \(configuration.topicsDirectory)")
        })
        report.check("keys") {
            let keys = try SecurityKeys.require(path: service.keysFile)
            return ((), "field keys: versions \(keys.fields.versions), current \(keys.fields.currentVersion); session key present")
        }
        report.check("channels") {
            if let dir = service.sandboxStateDir {
                _ = try ChannelSet.sandbox(stateDirectory: dir, publicURL: "https://paystream.invalid", httpClient: .shared)
                return ((), "SIMULATED channels of paystream-sim in \(dir) (staging and tests only)")
            }
            guard let file = service.channels else {
                throw ConfigProblem("name the channels: --channels FILE (or --sandbox-state-dir for the sandbox)")
            }
            guard FileManager.default.isReadableFile(atPath: file) else { throw ConfigProblem("cannot read the channels file \(file)") }
            let set = try ChannelSet.load(file: file, publicURL: "https://paystream.invalid", httpClient: .shared)
            let sms = set.sms is UnconfiguredSMSGateway ? "; no SMS gateway: card binding answers sms.unavailable" : "; the SIMULATED SMS gateway"
            return ((), "WeChat Pay, Alipay and Bill99 identities and keys from \(file)" + sms)
        }
        report.check("risk rules") {
            let book = try RuleBook(contentsOf: service.riskRules, logger: logger)
            return ((), "\(book.current.rules.count) rules in \(service.riskRules)")
        }
        report.check("tls") { try Self.tls(cert: tlsCert, key: tlsKey, minimumDays: tlsMinimumDays) }
        if connect {
            await Self.connect(configuration, registry: registry, report: &report, logger: logger)
        }
        report.print()
        if report.failed { throw ExitCode(1) }
    }

    /// The resolved configuration, with every address parsed the way the clients will parse it.
    static func configuration(_ options: RuntimeOptions) throws -> (PaystreamConfiguration, String) {
        let c = try options.resolve()
        let pg = try PostgresConfiguration(url: c.postgresURL)
        _ = try RedisConfiguration(url: c.redisURL)
        for server in c.kafkaBootstrapServers.split(separator: ",") {
            let parts = server.trimmingCharacters(in: .whitespaces).split(separator: ":")
            guard parts.count >= 2, let port = Int(parts.last!), (1...65535).contains(port) else {
                throw ConfigProblem("Kafka bootstrap server '\(server)' is not host:port")
            }
        }
        let ops = c.opsPort == 0 ? "no ops endpoint (opsPort 0: no /healthz, /readyz, /metrics)" : "ops endpoint \(c.opsHost):\(c.opsPort)"
        return (c, "PostgreSQL \(pg.host):\(pg.port)/\(pg.database ?? "(default)") (pool \(c.postgresPoolSize)), Kafka \(c.kafkaBootstrapServers), "
            + "Redis pool \(c.redisPoolSize), \(c.kafkaProperties.count) Kafka properties, \(ops), log \(c.logLevel)/\(c.logFormat)")
    }

    /// The certificate chain parses, is valid now and for `minimumDays` more, and the key belongs to it.
    static func tls(cert: String?, key: String?, minimumDays: Int) throws -> ((), String) {
        switch (cert, key) {
        case (nil, nil):
            return ((), "none: paystream-api serves plain HTTP, on loopback only")
        case (let cert?, let key?):
            let chain = try X509Certificate.certificates(pemRepresentation: String(contentsOfFile: cert, encoding: .utf8))
            guard let leaf = chain.first else { throw ConfigProblem("\(cert) holds no certificate") }
            let now = Date()
            guard leaf.isValid(at: now) else {
                throw ConfigProblem("the certificate is not valid now (\(leaf.notValidBefore) to \(leaf.notValidAfter))")
            }
            let daysLeft = Int(leaf.notValidAfter.timeIntervalSince(now) / 86_400)
            guard daysLeft >= minimumDays else { throw ConfigProblem("the certificate expires in \(daysLeft) days (< \(minimumDays))") }
            // OpenSSL refuses a key that does not match the certificate when the context is made.
            _ = try NIOSSLContext(configuration: APICommand.tlsConfiguration(cert: cert, key: key))
            return ((), "\(chain.count) certificate(s), valid \(daysLeft) more days, key matches")
        default:
            throw ConfigProblem("--tls-cert and --tls-key go together")
        }
    }

    /// PostgreSQL with every migration applied, Redis, Kafka with every declared topic.
    static func connect(_ c: PaystreamConfiguration, registry: TopicRegistry?, report: inout ConfigReport, logger: Logger) async {
        var pgConfiguration = try? PostgresConfiguration(url: c.postgresURL)
        pgConfiguration?.poolSize = 1
        pgConfiguration?.applicationName = "paystream-config-check"
        if let pgConfiguration {
            let postgres = PostgresClient(configuration: pgConfiguration, logger: logger)
            await report.checkAsync("postgres") {
                _ = try await postgres.query("SELECT 1 AS ok")
                let applied = Set(try await PostgresMigrator(client: postgres, logger: logger).appliedMigrations().map(\.version))
                let pending = try MigrationCatalog.all().filter { !applied.contains($0.version) }
                guard pending.isEmpty else {
                    throw ConfigProblem("migrations pending: \(pending.map { "\($0.version) \($0.name)" }.joined(separator: ", ")) (run `paystream migrate`)")
                }
                return ((), "answers; \(applied.count) migrations applied, none pending")
            }
            await postgres.shutdown()
        }
        if var redisConfiguration = try? RedisConfiguration(url: c.redisURL) {
            redisConfiguration.poolSize = 1
            let redis = RedisClient(configuration: redisConfiguration, logger: logger)
            await report.checkAsync("redis") {
                let reply = try await redis.send(["PING"])
                guard case .status("PONG") = reply else { throw ConfigProblem("PING answered \(reply)") }
                return ((), "answers PING")
            }
            await redis.shutdown()
        }
        await report.checkAsync("kafka") {
            let admin = try KafkaAdmin(configuration: c.kafka(clientID: "paystream-config-check"))
            let found = Dictionary(try await admin.listTopics(timeoutMilliseconds: 10_000).map { ($0.name, $0) }) { a, _ in a }
            guard let registry else { return ((), "answers; \(found.count) topics (declarations unreadable, not compared)") }
            var problems: [String] = []
            for spec in registry.allTopics {
                switch found[spec.name] {
                case nil: problems.append("\(spec.name) missing")
                case let topic? where topic.partitionCount != spec.partitions:
                    problems.append("\(spec.name) has \(topic.partitionCount) partitions, declared \(spec.partitions)")
                default: break
                }
            }
            guard problems.isEmpty else { throw ConfigProblem(problems.joined(separator: "; ") + " (run `paystream topics apply`)") }
            return ((), "answers; all \(registry.allTopics.count) declared topics present with their partitions")
        }
    }
}

/// A failed check's reason, as printed.
struct ConfigProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The checks' outcomes in order: `ok    name: detail` or `FAIL  name: reason`.
struct ConfigReport {
    private(set) var lines: [String] = []
    private(set) var failed = false

    @discardableResult
    mutating func check<T>(_ name: String, _ body: () throws -> (T, String)) -> T? {
        do {
            let (value, detail) = try body()
            lines.append("ok    \(name): \(detail)")
            return value
        } catch {
            fail(name, error)
            return nil
        }
    }

    mutating func checkAsync(_ name: String, _ body: () async throws -> ((), String)) async {
        do {
            lines.append("ok    \(name): \(try await body().1)")
        } catch {
            fail(name, error)
        }
    }

    private mutating func fail(_ name: String, _ error: any Error) {
        failed = true
        lines.append("FAIL  \(name): \(error)")
    }

    func print() {
        for line in lines { Swift.print(line) }
        Swift.print(failed ? "config check: FAILED" : "config check: OK")
    }
}
