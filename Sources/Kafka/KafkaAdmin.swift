import BlockingIO
import CRdKafka
import Logging

/// A topic to create: what `topics/` declares, in Kafka's terms.
public struct TopicSpec: Sendable, Equatable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int
    /// Topic-level configuration (retention.ms, cleanup.policy, min.insync.replicas, ...).
    public var config: [String: String]

    public init(name: String, partitions: Int, replicationFactor: Int, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}

/// The outcome of creating one topic.
public enum TopicCreationOutcome: Sendable, Equatable {
    case created
    case alreadyExists
    case failed(String)
}

/// Cluster administration: list and create topics. Works against any Kafka cluster; note that
/// librdkafka's mock cluster (the embedded broker) does not implement CreateTopics, which is why the
/// embedded broker creates the declared topics itself at start.
public final class KafkaAdmin: Sendable {
    private let handle: HandleBox
    private let executor = BlockingExecutor(label: "paystream.kafka.admin")
    private let bootstrap: String

    public init(configuration: KafkaConfiguration) throws {
        var properties = ["bootstrap.servers": configuration.bootstrapServers, "client.id": configuration.clientID]
        properties.merge(configuration.properties) { _, new in new }
        let conf = try RDKafkaConfig.make(properties)
        self.handle = HandleBox(try RDKafkaConfig.newClient(type: RD_KAFKA_PRODUCER, conf: conf))
        self.bootstrap = configuration.bootstrapServers
    }

    /// Every topic of the cluster except Kafka's internal ones, sorted by name.
    public func listTopics(timeoutMilliseconds: Int = 10_000) async throws -> [TopicMetadata] {
        let handle = self.handle
        let bootstrap = self.bootstrap
        return try await executor.run {
            try KafkaMetadata.topics(handle.pointer, bootstrap: bootstrap, timeoutMilliseconds: timeoutMilliseconds)
                .filter { !$0.name.hasPrefix("__") }
        }
    }

    /// Creates the topics with CreateTopics; a topic that exists already is reported, not an error.
    public func createTopics(_ specs: [TopicSpec], timeoutMilliseconds: Int = 30_000) async throws
        -> [String: TopicCreationOutcome]
    {
        if specs.isEmpty { return [:] }
        let handle = self.handle
        return try await executor.run { () throws -> [String: TopicCreationOutcome] in
            var newTopics: [OpaquePointer?] = []
            defer { newTopics.forEach { if let t = $0 { rd_kafka_NewTopic_destroy(t) } } }
            for spec in specs {
                var errorText = [CChar](repeating: 0, count: 512)
                guard let topic = rd_kafka_NewTopic_new(
                    spec.name, Int32(spec.partitions), Int32(spec.replicationFactor), &errorText, errorText.count)
                else {
                    throw KafkaError(kind: .admin, message: "topic \(spec.name): \(String(cBuffer: errorText))", isRetriable: false)
                }
                newTopics.append(topic)
                for (name, value) in spec.config.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(topic, name, value)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                        throw KafkaError(kind: .admin, err: err, context: "topic \(spec.name) config \(name)")
                    }
                }
            }
            let queue = rd_kafka_queue_new(handle.pointer)
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            var errorText = [CChar](repeating: 0, count: 512)
            _ = rd_kafka_AdminOptions_set_request_timeout(options, Int32(clamping: timeoutMilliseconds), &errorText, errorText.count)
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, Int32(clamping: timeoutMilliseconds), &errorText, errorText.count)
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(handle.pointer, buffer.baseAddress, buffer.count, options, queue)
            }
            guard let event = rd_kafka_queue_poll(queue, Int32(clamping: timeoutMilliseconds + 1_000)) else {
                throw KafkaError(kind: .timeout, message: "CreateTopics got no answer within \(timeoutMilliseconds) ms")
            }
            defer { rd_kafka_event_destroy(event) }
            let eventError = rd_kafka_event_error(event)
            if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(
                    kind: .admin, code: eventError.rawValue,
                    message: "CreateTopics failed: \(String(cString: rd_kafka_event_error_string(event)))")
            }
            guard let result = rd_kafka_event_CreateTopics_result(event) else {
                throw KafkaError(kind: .admin, message: "CreateTopics returned no result")
            }
            var count = 0
            guard let topics = rd_kafka_CreateTopics_result_topics(result, &count) else { return [:] }
            var outcomes: [String: TopicCreationOutcome] = [:]
            for i in 0..<count {
                let topicResult = topics[i]
                let name = String(cString: rd_kafka_topic_result_name(topicResult))
                let err = rd_kafka_topic_result_error(topicResult)
                switch err {
                case RD_KAFKA_RESP_ERR_NO_ERROR: outcomes[name] = .created
                case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: outcomes[name] = .alreadyExists
                default:
                    let text = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
                    outcomes[name] = .failed(text ?? String(cString: rd_kafka_err2str(err)))
                }
            }
            return outcomes
        }
    }

    /// Releases the client. Idempotent only through the owner: call once.
    public func close() async {
        let handle = self.handle
        _ = try? await executor.run { rd_kafka_destroy(handle.pointer) }
    }
}
