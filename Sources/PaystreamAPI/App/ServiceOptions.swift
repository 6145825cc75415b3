import ArgumentParser
import AsyncHTTPClient
import EventBus
import Foundation
import Kafka
import Logging
import PaystreamRuntime
import Postgres
import Redis
import Risk

/// The options paystream-api and paystream-scheduler share, and the services they build from them.
public struct ServiceOptions: ParsableArguments, Sendable {
    @OptionGroup public var runtime: RuntimeOptions
    @Option(help: "Use the channel sandbox described by paystream-sim's --state-dir (SIMULATED channels; local runs and tests).")
    public var sandboxStateDir: String?
    @Option(help: "A JSON file naming the real channels' identities and key files.")
    public var channels: String?
    @Option(help: "The risk rules file (YAML), reloaded when it changes.") public var riskRules = "deploy/risk/rules.yaml"
    @Option(help: "Prefix of every Paystream key in Redis: risk counters, envelopes (tests isolate themselves with one).")
    public var redisKeyPrefix = ""
    @Option(help: "The secret keys file made by `paystream keys generate` (also PAYSTREAM_KEYS_FILE, or PAYSTREAM_KEYS with the JSON).")
    public var keysFile: String?

    public init() {}

    /// What a process built: the services and what to close at the end.
    struct Built: Sendable {
        let services: APIServices
        let rules: RuleBook
        let configuration: PaystreamConfiguration
        let registry: TopicRegistry
        /// What `/readyz` asks: PostgreSQL, Redis and Kafka answer.
        let probe: DependencyProbe
        let close: @Sendable () async -> Void
    }

    /// The channels named by `--sandbox-state-dir` or `--channels`.
    func channelSet(publicURL: String, logger: Logger) throws -> ChannelSet {
        if let sandboxStateDir {
            logger.notice("using the SIMULATED channels of paystream-sim", metadata: ["stateDir": "\(sandboxStateDir)"])
            return try ChannelSet.sandbox(stateDirectory: sandboxStateDir, publicURL: publicURL, httpClient: .shared)
        } else if let channels {
            return try ChannelSet.load(file: channels, publicURL: publicURL, httpClient: .shared)
        }
        throw ValidationError("name the channels: --channels FILE, or --sandbox-state-dir DIR for the sandbox")
    }

    /// `keyedStatements`: every statement of the program finds its rows by key (the API), so its PostgreSQL
    /// sessions prefer index scans (`PostgresConfiguration.preferIndexScans`).
    func build(role: String, publicURL: String, keyedStatements: Bool = false, logger: Logger) async throws -> Built {
        let configuration = try runtime.resolve(defaultOpsPort: 0)
        Observability.bootstrap(configuration)
        var pg = try PostgresConfiguration(url: configuration.postgresURL)
        pg.poolSize = configuration.postgresPoolSize
        pg.applicationName = role
        pg.preferIndexScans = keyedStatements
        let postgres = PostgresClient(configuration: pg, logger: logger)
        var redisConfiguration = try RedisConfiguration(url: configuration.redisURL)
        redisConfiguration.poolSize = configuration.redisPoolSize
        let redis = RedisClient(configuration: redisConfiguration, logger: logger)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(client: configuration.kafka(clientID: role)), logger: logger)
        let registry = try TopicRegistry.load(directory: configuration.topicsDirectory)
        let rules = try RuleBook(contentsOf: riskRules, logger: logger)
        let channelSet = try self.channelSet(publicURL: publicURL, logger: logger)
        let keys = try SecurityKeys.require(path: keysFile)
        let services = APIServices(
            store: PaymentStore(postgres: postgres), publisher: EventPublisher(producer: producer, registry: registry),
            channels: channelSet, risk: RiskEngine(redis: redis, rules: rules, keyPrefix: redisKeyPrefix, logger: logger),
            envelopes: EnvelopeHotState(redis: redis, prefix: redisKeyPrefix), push: PushHub(),
            security: APISecurity(postgres: postgres, redis: redis, keys: keys, keyPrefix: redisKeyPrefix),
            sms: SMSCodes(redis: redis, cipher: keys.cipher, gateway: channelSet.sms, keyPrefix: redisKeyPrefix),
            gray: GrayRuleCache(store: GrayRuleStore(postgres: postgres), logger: logger),
            kafka: configuration.kafka(clientID: role + "-console"),
            publicURL: publicURL, logger: logger, now: { Date() })
        return Built(
            services: services, rules: rules, configuration: configuration, registry: registry,
            probe: DependencyProbe(
                postgres: postgres, redis: redis, kafka: try KafkaAdmin(configuration: configuration.kafka(clientID: role + "-probe"))),
            close: {
                await producer.shutdown()
                await postgres.shutdown()
                await redis.shutdown()
            })
    }
}
