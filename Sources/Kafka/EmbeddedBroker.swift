import CRdKafka
import Logging
import Synchronization

/// A Kafka-protocol broker cluster in this process, built on librdkafka's mock cluster, for one machine and
/// CI. It speaks the real Kafka protocol over TCP on 127.0.0.1, so every client (Paystream's, kcat, a Java
/// client) talks to it as to a real cluster.
///
/// What it is not: durable or complete. Messages live in memory and are gone when the process stops;
/// topic-level configuration (retention, cleanup policy) is accepted by Paystream's declarations but not
/// enforced; the CreateTopics admin request is not implemented (topics are created through this type).
/// Production runs the same client code against a real Apache Kafka cluster, changing only the bootstrap
/// servers.
public final class EmbeddedBroker: Sendable {
    // The mock cluster's functions are thread-safe (they post operations to the cluster's own thread).
    private let handle: HandleBox
    private let cluster: MockClusterBox
    private let stopped = Mutex(false)
    public let brokerCount: Int
    /// The cluster's `host:port,...` list.
    public let bootstrapServers: String

    public init(brokerCount: Int = 3) throws {
        precondition(brokerCount >= 1, "a cluster has at least one broker")
        let conf = try RDKafkaConfig.make(["log_level": "3"])
        let rk = try RDKafkaConfig.newClient(type: RD_KAFKA_PRODUCER, conf: conf)
        guard let mcluster = rd_kafka_mock_cluster_new(rk, Int32(brokerCount)) else {
            rd_kafka_destroy(rk)
            throw KafkaError(kind: .embeddedBroker, message: "rd_kafka_mock_cluster_new failed", isRetriable: false)
        }
        self.handle = HandleBox(rk)
        self.cluster = MockClusterBox(mcluster)
        self.brokerCount = brokerCount
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(mcluster))
    }

    /// Creates a topic. The replication factor is capped at the broker count.
    public func createTopic(name: String, partitions: Int, replicationFactor: Int) throws {
        let rf = min(replicationFactor, brokerCount)
        let err = rd_kafka_mock_topic_create(cluster.pointer, name, Int32(partitions), Int32(rf))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(kind: .embeddedBroker, err: err, context: "create topic \(name)")
        }
    }

    /// Takes a broker down: its connections are closed and it refuses new ones until ``setBrokerUp(_:)``.
    public func setBrokerDown(_ brokerID: Int32) throws {
        let err = rd_kafka_mock_broker_set_down(cluster.pointer, brokerID)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(kind: .embeddedBroker, err: err, context: "broker \(brokerID) down")
        }
    }

    public func setBrokerUp(_ brokerID: Int32) throws {
        let err = rd_kafka_mock_broker_set_up(cluster.pointer, brokerID)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(kind: .embeddedBroker, err: err, context: "broker \(brokerID) up")
        }
    }

    /// Delays every answer of a broker by `milliseconds`.
    public func setBrokerRoundTripTime(_ brokerID: Int32, milliseconds: Int) throws {
        let err = rd_kafka_mock_broker_set_rtt(cluster.pointer, brokerID, Int32(clamping: milliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(kind: .embeddedBroker, err: err, context: "broker \(brokerID) rtt")
        }
    }

    /// Makes the next `errorCodes.count` requests of the protocol API `apiKey` (0 Produce, 1 Fetch,
    /// 8 OffsetCommit, 10 FindCoordinator, 11 JoinGroup, ...) fail with those Kafka error codes, in order.
    /// The code -195 (`_TRANSPORT`) makes the broker drop the connection instead.
    public func pushRequestErrors(apiKey: Int16, errorCodes: [Int32]) {
        let errors = errorCodes.map { rd_kafka_resp_err_t($0) }
        errors.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster.pointer, apiKey, buffer.count, buffer.baseAddress)
        }
    }

    /// Forgets the queued request errors of an API.
    public func clearRequestErrors(apiKey: Int16) {
        rd_kafka_mock_clear_request_errors(cluster.pointer, apiKey)
    }

    /// Destroys the cluster: every message is gone. Idempotent.
    public func shutdown() {
        let first = stopped.withLock { s -> Bool in
            defer { s = true }
            return !s
        }
        guard first else { return }
        rd_kafka_mock_cluster_destroy(cluster.pointer)
        rd_kafka_destroy(handle.pointer)
    }
}

/// Owns the mock cluster pointer; safe to share because librdkafka's mock API is thread-safe.
final class MockClusterBox: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
