import ArgumentParser

/// The flags every Paystream executable understands; they override the file and the environment.
public struct RuntimeOptions: ParsableArguments, Sendable {
    @Option(help: "A JSON configuration file (also PAYSTREAM_CONFIG).")
    public var config: String?
    @Option(help: "Kafka bootstrap servers, host:port[,host:port] (also PAYSTREAM_KAFKA_BOOTSTRAP).")
    public var kafkaBootstrap: String?
    @Option(help: "PostgreSQL URL (also PAYSTREAM_PG_URL).")
    public var pgURL: String?
    @Option(help: "Redis URL (also PAYSTREAM_REDIS_URL).")
    public var redisURL: String?
    @Option(help: "The directory of topic declarations (also PAYSTREAM_TOPICS_DIR).")
    public var topicsDir: String?
    @Option(help: "Port of /metrics, /healthz and /readyz; 0 turns them off (also PAYSTREAM_OPS_PORT).")
    public var opsPort: Int?
    @Option(help: "trace, debug, info, notice, warning, error or critical (also PAYSTREAM_LOG_LEVEL).")
    public var logLevel: String?
    @Option(help: "json or text (also PAYSTREAM_LOG_FORMAT).")
    public var logFormat: String?

    public init() {}

    /// The configuration with every source applied: defaults, file, environment, these flags.
    public func resolve(defaultOpsPort: Int = 0) throws -> PaystreamConfiguration {
        var c = try PaystreamConfiguration.load(file: config)
        if c.opsPort == 0 { c.opsPort = defaultOpsPort }
        if let kafkaBootstrap { c.kafkaBootstrapServers = kafkaBootstrap }
        if let pgURL { c.postgresURL = pgURL }
        if let redisURL { c.redisURL = redisURL }
        if let topicsDir { c.topicsDirectory = topicsDir }
        if let opsPort { c.opsPort = opsPort }
        if let logLevel { c.logLevel = logLevel }
        if let logFormat { c.logFormat = logFormat }
        try c.validate()
        return c
    }
}
