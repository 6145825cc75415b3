import Foundation
import Kafka

/// The embedded broker started by deploy/local/test, reached over TCP like any Kafka cluster, plus its
/// loopback control port for creating per-test topics and injecting faults.
public enum KafkaTestCluster {
    public static func bootstrap() throws -> String { try TestEnvironment.kafkaBootstrap() }

    public static func controlPort() throws -> Int {
        let text = try TestEnvironment.require("PAYSTREAM_KAFKA_CONTROL_PORT")
        guard let port = Int(text) else { throw TestEnvironment.MissingVariable(name: "PAYSTREAM_KAFKA_CONTROL_PORT") }
        return port
    }

    /// Creates a topic no other test uses and returns its name.
    public static func createTopic(prefix: String = "test", partitions: Int, replicationFactor: Int = 3) throws -> String {
        let name = TestEnvironment.uniqueName(prefix)
        try EmbeddedBrokerControl.send("CREATE \(name) \(partitions) \(replicationFactor)", port: controlPort())
        return name
    }

    /// Sends one control command (DOWN 2, UP 2, ERRORS 0 -195, ...).
    @discardableResult
    public static func control(_ command: String) throws -> String {
        try EmbeddedBrokerControl.send(command, port: controlPort())
    }

    /// The embedded broker's client settings: its bootstrap, and the consumers' fetch wait deploy/local sets
    /// for it (PAYSTREAM_KAFKA_FETCH_WAIT_MAX_MS), as the programs under test read it.
    public static func configuration(clientID: String = "paystream-tests") throws -> KafkaConfiguration {
        let wait = ProcessInfo.processInfo.environment["PAYSTREAM_KAFKA_FETCH_WAIT_MAX_MS"].flatMap { Int($0) }
        return KafkaConfiguration(bootstrapServers: try bootstrap(), clientID: clientID, fetchWaitMaxMilliseconds: wait)
    }

    public static func producer(deliveryTimeoutMilliseconds: Int = 30_000) throws -> KafkaProducer {
        try KafkaProducer(
            configuration: KafkaProducerConfiguration(
                client: configuration(), deliveryTimeoutMilliseconds: deliveryTimeoutMilliseconds))
    }

    public static func consumer(group: String, topics: [String], sessionTimeoutMilliseconds: Int = 6_000) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: configuration(), groupID: group, topics: topics,
                sessionTimeoutMilliseconds: sessionTimeoutMilliseconds))
    }

    /// Polls until `count` messages arrived or `timeoutSeconds` passed, committing after each batch when
    /// `commit` is true.
    public static func consume(
        _ consumer: KafkaConsumer, count: Int, timeoutSeconds: Double = 60, commit: Bool = true
    ) async throws -> [KafkaMessage] {
        var received: [KafkaMessage] = []
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while received.count < count && Date() < deadline {
            let batch = try await consumer.poll(maxMessages: 1_000, timeoutMilliseconds: 200)
            if commit { try await consumer.commit(batch) }
            received.append(contentsOf: batch)
        }
        return received
    }
}
