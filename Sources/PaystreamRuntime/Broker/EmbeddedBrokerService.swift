import EventBus
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// Runs the embedded broker (librdkafka's mock cluster, in memory, not durable) until graceful shutdown:
/// creates every topic of `topics/`, opens the loopback control port, and writes the bootstrap servers and
/// the control port to files so that scripts and tests in other processes can find them.
public struct EmbeddedBrokerService: Service {
    public struct Settings: Sendable {
        public var brokerCount = 3
        public var controlPort = 0
        /// Directory where `broker.bootstrap` and `broker.control-port` are written; nil writes nothing.
        public var stateDirectory: String?
        public init() {}
    }

    let settings: Settings
    let registry: TopicRegistry
    let logger: Logger

    public init(settings: Settings, registry: TopicRegistry, logger: Logger) {
        self.settings = settings
        self.registry = registry
        self.logger = logger
    }

    public func run() async throws {
        let broker = try EmbeddedBroker(brokerCount: settings.brokerCount)
        defer { broker.shutdown() }
        for spec in registry.allTopics {
            try broker.createTopic(name: spec.name, partitions: spec.partitions, replicationFactor: spec.replicationFactor)
        }
        let control = try EmbeddedBrokerControlServer(broker: broker, port: settings.controlPort, logger: logger)
        control.start()
        defer { control.stop() }
        if let directory = settings.stateDirectory {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Self.writeAtomically("\(broker.bootstrapServers)\n", to: "\(directory)/broker.bootstrap")
            try Self.writeAtomically("\(control.port)\n", to: "\(directory)/broker.control-port")
        }
        logger.info(
            "embedded broker ready (in memory, not durable)",
            metadata: [
                "bootstrap": "\(broker.bootstrapServers)", "brokers": "\(settings.brokerCount)",
                "topics": "\(registry.allTopics.count)", "controlPort": "\(control.port)",
            ])
        print("bootstrap.servers=\(broker.bootstrapServers)")
        print("control.port=\(control.port)")
        fflush(nil)  // flushes every output stream, stdout included
        try? await gracefulShutdown()
        logger.info("embedded broker stopping; its messages are discarded")
    }

    /// Writes via a temporary file and rename, so a reader never sees half a file.
    static func writeAtomically(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        if rename(temporary, path) != 0 { throw CocoaError(.fileWriteUnknown) }
    }
}
