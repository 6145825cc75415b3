import ArgumentParser
import AsyncHTTPClient
import EventBus
import Foundation
import Hummingbird
import Kafka
import Logging
import PaystreamRuntime
import Postgres
import Redis
import Risk
import ServiceLifecycle

/// `paystream-api`: the HTTP API for clients, merchants, the back office and the channels' notifies, plus the
/// payout and refund dispatchers.
public struct APICommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream-api",
        abstract: "Serve the Paystream HTTP API and channel notify endpoints; dispatch payouts and refunds to the channels.")

    @OptionGroup public var runtime: RuntimeOptions
    @Option(help: "Address to listen on.") public var host = "127.0.0.1"
    @Option(help: "Port to listen on.") public var port = 58080
    @Option(help: "The URL channels and payers reach this API at (notify URLs, collection pages). Default http://host:port.")
    public var publicURL: String?
    @Option(help: "Use the channel sandbox described by paystream-sim's --state-dir (SIMULATED channels; local runs and tests).")
    public var sandboxStateDir: String?
    @Option(help: "A JSON file naming the real channels' identities and key files.")
    public var channels: String?
    @Option(help: "The risk rules file (YAML), reloaded when it changes.") public var riskRules = "deploy/risk/rules.yaml"
    @Option(help: "Prefix of every risk key in Redis (tests isolate themselves with one).") public var riskKeyPrefix = ""
    @Flag(help: "Do not run the payout and refund dispatchers and the payment poller in this process.") public var noDispatch = false
    @Option(help: "Ask the channel about an unpaid order this many seconds after it was created (its notify may be lost).")
    public var paymentQueryAfterSeconds = 60.0

    public init() {}

    public func run() async throws {
        let configuration = try runtime.resolve(defaultOpsPort: 0)
        Observability.bootstrap(configuration)
        let logger = Logger(label: "paystream.api")
        let (host, port) = (self.host, self.port)
        let publicURL = self.publicURL ?? "http://\(host):\(port)"

        var pg = try PostgresConfiguration(url: configuration.postgresURL)
        pg.poolSize = configuration.postgresPoolSize
        pg.applicationName = "paystream-api"
        let postgres = PostgresClient(configuration: pg, logger: logger)
        var redisConfiguration = try RedisConfiguration(url: configuration.redisURL)
        redisConfiguration.poolSize = configuration.redisPoolSize
        let redis = RedisClient(configuration: redisConfiguration, logger: logger)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(client: configuration.kafka(clientID: "paystream-api")), logger: logger)
        let registry = try TopicRegistry.load(directory: configuration.topicsDirectory)
        let rules = try RuleBook(contentsOf: riskRules, logger: logger)
        let channelSet: ChannelSet
        if let sandboxStateDir {
            logger.notice("using the SIMULATED channels of paystream-sim", metadata: ["stateDir": "\(sandboxStateDir)"])
            channelSet = try ChannelSet.sandbox(stateDirectory: sandboxStateDir, publicURL: publicURL, httpClient: .shared)
        } else if let channels {
            channelSet = try ChannelSet.load(file: channels, publicURL: publicURL, httpClient: .shared)
        } else {
            throw ValidationError("name the channels: --channels FILE, or --sandbox-state-dir DIR for the sandbox")
        }

        let services = APIServices(
            store: PaymentStore(postgres: postgres), publisher: EventPublisher(producer: producer, registry: registry),
            channels: channelSet, risk: RiskEngine(redis: redis, rules: rules, keyPrefix: riskKeyPrefix, logger: logger),
            publicURL: publicURL, logger: logger, now: { Date() })
        let app = Application(
            router: APIRouter.make(services),
            configuration: .init(address: .hostname(host, port: port), serverName: "paystream-api"),
            onServerRunning: { _ in logger.info("paystream-api listening", metadata: ["host": "\(host)", "port": "\(port)", "publicURL": "\(publicURL)"]) },
            logger: logger)
        var group: [any Service] = [app, RuleReloader(rules: rules)]
        if !noDispatch {
            group += [
                PayoutDispatcher(services: services), RefundDispatcher(services: services),
                PaymentPoller(services: services, queryAfter: .milliseconds(Int64(paymentQueryAfterSeconds * 1000))),
            ]
        }
        if configuration.opsPort > 0 {
            group.append(OpsServer.make(host: configuration.opsHost, port: configuration.opsPort, serverName: "paystream-api", logger: logger))
        }
        try await ServiceGroup(
            configuration: .init(services: group, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        ).run()
        await producer.shutdown()
        await postgres.shutdown()
        await redis.shutdown()
    }
}

/// Reloads the risk rules file when it changes, for as long as the process runs.
struct RuleReloader: Service {
    let rules: RuleBook
    func run() async throws {
        await cancelWhenGracefulShutdown { await rules.run() }
    }
}
