import ArgumentParser
import EventBus
import Logging
import ServiceLifecycle

/// `paystream-broker`: the embedded Kafka-protocol broker for one machine and CI.
public struct BrokerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream-broker",
        abstract: "Embedded Kafka-protocol broker (librdkafka mock cluster): in memory, NOT durable.",
        discussion: """
            For one machine and CI only. It creates every topic of topics/ at start, prints and writes its \
            bootstrap servers, and runs until SIGTERM; all messages are lost when it stops. Production runs \
            the same Paystream code against a real Apache Kafka cluster: only the bootstrap address changes.
            """)

    @OptionGroup public var runtime: RuntimeOptions
    @Option(help: "Number of brokers in the cluster.") public var brokers = 3
    @Option(help: "Loopback port of the control channel (0 picks a free one).") public var controlPort = 0
    @Option(help: "Directory to write broker.bootstrap and broker.control-port into.") public var stateDir: String?

    public init() {}

    public func run() async throws {
        let configuration = try runtime.resolve()
        Observability.bootstrap(configuration)
        let logger = Logger(label: "paystream.broker")
        let registry = try TopicRegistry.load(directory: configuration.topicsDirectory)
        var settings = EmbeddedBrokerService.Settings()
        settings.brokerCount = brokers
        settings.controlPort = controlPort
        settings.stateDirectory = stateDir
        var services: [any Service] = [EmbeddedBrokerService(settings: settings, registry: registry, logger: logger)]
        if configuration.opsPort > 0 {
            services.append(
                OpsServer.make(host: configuration.opsHost, port: configuration.opsPort, serverName: "paystream-broker", logger: logger))
        }
        try await ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        ).run()
    }
}
