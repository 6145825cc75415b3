import ArgumentParser
import EventBus
import Kafka
import Logging
import Postgres
import ServiceLifecycle

/// `paystream-worker`: applies money events from Kafka to the ledger exactly once.
public struct WorkerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream-worker",
        abstract: "Consume money topics and apply them to the ledger exactly once (idempotency keys in the same transaction).")

    @OptionGroup public var runtime: RuntimeOptions
    @Option(help: "Comma-separated topic families to consume (default: every money family).")
    public var families: String?
    @Option(help: "Most messages per batch.") public var batchSize = 8_000
    @Option(help: "Most batches per poll; each next batch is decoded while the one before is written.")
    public var batchesPerPoll = 3
    @Option(help: "Milliseconds a poll waits to fill a batch.") public var batchWaitMs = 20
    @Option(help: "Parallel lanes per batch.") public var lanes = 4
    @Flag(help: "Do not run the outbox relay in this process.") public var noOutboxRelay = false
    @Flag(help: "Do not consume the retry topics.") public var noRetryTopics = false
    @Option(help: "Seconds between readings of the outbox's backlog (the paystream_outbox_* gauges); 0 turns them off.")
    public var outboxWatchSeconds = 15.0
    @Option(help: "An unsent outbox row older than this many seconds is logged as an error.")
    public var outboxStaleSeconds = 60.0
    @Option(help: "main, or gray for the canary worker group: the gray twins (<family>.gray) of the families, in groups <group>.gray.")
    public var route = "main"

    public init() {}

    public func run() async throws {
        let configuration = try runtime.resolve(defaultOpsPort: 0)
        Observability.bootstrap(configuration)
        let logger = Logger(label: "paystream.worker")
        let registry = try TopicRegistry.load(directory: configuration.topicsDirectory)
        var settings = WorkerSettings()
        if let families { settings.families = families.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        guard let trafficRoute = TrafficRoute(rawValue: route) else { throw ValidationError("--route is main or gray") }
        if trafficRoute == .gray {
            settings.families = try settings.families.map { family in
                guard let twin = registry.topic(family: family, route: .gray), twin != family else {
                    throw ValidationError("family \(family) has no gray twin (declare it with \"gray\": true in topics/)")
                }
                return twin
            }
        }
        guard batchSize > 0, batchesPerPoll > 0 else { throw ValidationError("--batch-size and --batches-per-poll are at least 1") }
        settings.batchMaxMessages = batchSize
        settings.batchesPerPoll = batchesPerPoll
        settings.batchWaitMilliseconds = batchWaitMs
        settings.lanes = lanes
        settings.runOutboxRelay = !noOutboxRelay
        settings.consumeRetryTopics = !noRetryTopics
        guard outboxWatchSeconds >= 0, outboxStaleSeconds > 0 else {
            throw ValidationError("--outbox-watch-seconds is at least 0 and --outbox-stale-seconds more than 0")
        }
        settings.outboxWatchInterval = outboxWatchSeconds == 0 ? nil : .milliseconds(Int64(outboxWatchSeconds * 1000))
        settings.outboxStaleAfterSeconds = outboxStaleSeconds

        var pg = try PostgresConfiguration(url: configuration.postgresURL)
        pg.poolSize = configuration.postgresPoolSize
        pg.applicationName = "paystream-worker"
        pg.preferIndexScans = true
        let postgres = PostgresClient(configuration: pg, logger: logger)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(client: configuration.kafka(clientID: "paystream-worker")), logger: logger)
        var services: [any Service] = [
            WorkerService(
                settings: settings, registry: registry, configuration: configuration, postgres: postgres, producer: producer,
                logger: logger)
        ]
        if configuration.opsPort > 0 {
            let probe = DependencyProbe(
                postgres: postgres, kafka: try KafkaAdmin(configuration: configuration.kafka(clientID: "paystream-worker-probe")))
            services.append(
                OpsServer.make(
                    host: configuration.opsHost, port: configuration.opsPort, serverName: "paystream-worker", logger: logger,
                    readiness: { await probe.check() }))
        }
        logger.info("worker starting", metadata: ["families": "\(settings.families)", "lanes": "\(settings.lanes)", "route": "\(route)"])
        try await ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        ).run()
    }
}
