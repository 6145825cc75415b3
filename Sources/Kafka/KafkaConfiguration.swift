/// Settings shared by every Kafka client of Paystream.
///
/// Defaults are the production-safe ones; anything librdkafka understands (SASL, TLS, tuning) passes
/// through ``properties`` unchanged, so a real cluster needs only another bootstrap address and, if it
/// is secured, its security properties.
public struct KafkaConfiguration: Sendable {
    /// Comma-separated `host:port` list.
    public var bootstrapServers: String
    public var clientID: String
    /// Raw librdkafka properties applied last (they win over everything Paystream sets).
    public var properties: [String: String]
    /// How long a broker may hold a consumer's fetch while it has nothing to return (`fetch.wait.max.ms`);
    /// nil keeps librdkafka's 500 ms. A real broker answers as soon as a message arrives, so there this only
    /// sets how often an idle consumer asks again. librdkafka's mock cluster (the embedded broker) holds an
    /// empty fetch for the whole wait even when a message arrives meanwhile, so against it the wait is added
    /// to the delivery of every message that reaches an idle partition: the local stack sets a short one.
    public var fetchWaitMaxMilliseconds: Int?

    public init(
        bootstrapServers: String, clientID: String = "paystream", properties: [String: String] = [:],
        fetchWaitMaxMilliseconds: Int? = nil
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
        self.fetchWaitMaxMilliseconds = fetchWaitMaxMilliseconds
    }

    /// What every consumer of this configuration sets, before the raw ``properties``.
    var consumerProperties: [String: String] {
        fetchWaitMaxMilliseconds.map { ["fetch.wait.max.ms": String($0)] } ?? [:]
    }

    /// librdkafka properties Paystream sets for correctness, and why. Raw ``properties`` would silently win
    /// over them, so a deployment's configuration may not name them (PaystreamConfiguration refuses it; deploy/check
    /// reads this list).
    public static let protectedProperties: [String: String] = [
        "acks": "producers must wait for all in-sync replicas",
        "enable.idempotence": "producers must be idempotent (no duplicates or reordering from retries)",
        "max.in.flight.requests.per.connection": "bounded for idempotent ordering",
        "partitioner": "murmur2 keyed partitioning keeps one order's messages on one partition",
        "enable.auto.commit": "offsets are committed only after the ledger transaction",
        "enable.auto.offset.store": "offsets are stored only after processing",
        "auto.offset.reset": "money groups start at the earliest message",
        "group.id": "set per topic family from topics/",
        "bootstrap.servers": "set from kafkaBootstrapServers",
        "isolation.level": "consumers' isolation is not a deployment choice",
        "transactional.id": "Paystream's producers are not transactional",
    ]
}

/// Producer settings. Paystream's producers are always idempotent with `acks=all`.
public struct KafkaProducerConfiguration: Sendable {
    public var client: KafkaConfiguration
    /// How long librdkafka keeps trying to deliver one message before the send fails (delivery.timeout.ms).
    public var deliveryTimeoutMilliseconds: Int
    /// How long to wait for more messages to fill a batch (linger.ms).
    public var lingerMilliseconds: Int
    /// Upper bound of messages waiting in librdkafka's queue; a send waits while the queue is full.
    public var maxQueuedMessages: Int

    public init(
        client: KafkaConfiguration, deliveryTimeoutMilliseconds: Int = 30_000, lingerMilliseconds: Int = 5,
        maxQueuedMessages: Int = 100_000
    ) {
        self.client = client
        self.deliveryTimeoutMilliseconds = deliveryTimeoutMilliseconds
        self.lingerMilliseconds = lingerMilliseconds
        self.maxQueuedMessages = maxQueuedMessages
    }

    var librdkafkaProperties: [String: String] {
        var p: [String: String] = [
            "bootstrap.servers": client.bootstrapServers,
            "client.id": client.clientID,
            "enable.idempotence": "true",
            "acks": "all",
            "max.in.flight.requests.per.connection": "5",
            // Java-compatible keyed partitioning: murmur2 of the key bytes, random for null keys.
            "partitioner": "murmur2_random",
            "linger.ms": String(lingerMilliseconds),
            "message.timeout.ms": String(deliveryTimeoutMilliseconds),
            "queue.buffering.max.messages": String(maxQueuedMessages),
        ]
        p.merge(client.properties) { _, new in new }
        return p
    }
}

/// Consumer-group settings. Offsets are committed only by the application, after processing.
public struct KafkaConsumerConfiguration: Sendable {
    public enum OffsetReset: String, Sendable { case earliest, latest }

    public var client: KafkaConfiguration
    public var groupID: String
    public var topics: [String]
    /// Where a group with no committed offset starts. Money topics start at the earliest message.
    public var offsetReset: OffsetReset
    public var sessionTimeoutMilliseconds: Int
    /// A member that does not poll within this time is removed from the group.
    public var maxPollIntervalMilliseconds: Int

    public init(
        client: KafkaConfiguration, groupID: String, topics: [String], offsetReset: OffsetReset = .earliest,
        sessionTimeoutMilliseconds: Int = 10_000, maxPollIntervalMilliseconds: Int = 300_000
    ) {
        self.client = client
        self.groupID = groupID
        self.topics = topics
        self.offsetReset = offsetReset
        self.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
        self.maxPollIntervalMilliseconds = maxPollIntervalMilliseconds
    }

    var librdkafkaProperties: [String: String] {
        var p: [String: String] = [
            "bootstrap.servers": client.bootstrapServers,
            "client.id": client.clientID,
            "group.id": groupID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": offsetReset.rawValue,
            "enable.partition.eof": "false",
            "session.timeout.ms": String(sessionTimeoutMilliseconds),
            "max.poll.interval.ms": String(maxPollIntervalMilliseconds),
        ]
        p.merge(client.consumerProperties) { _, new in new }
        p.merge(client.properties) { _, new in new }
        return p
    }
}
