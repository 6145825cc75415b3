import BlockingIO
import CRdKafka
import Logging
import Synchronization

/// A member of a Kafka consumer group that commits offsets only when told to.
///
/// Guarantees:
/// - Nothing is committed automatically. ``commit(_:)`` stores offset + 1 of the last message of each
///   partition, so a restarted or new owner resumes exactly after what was committed.
/// - Rebalances happen only inside ``poll(maxMessages:timeoutMilliseconds:)``. A caller that processes and
///   commits a batch before polling again therefore always finishes and commits its in-flight batch before
///   any of its partitions are revoked. Messages fetched for a partition revoked during the same poll are
///   dropped (not handed out), and its next owner reads them from the committed offset.
/// - Every call into librdkafka runs on the consumer's own thread, never on the cooperative pool.
public final class KafkaConsumer: Sendable {
    private let handle: HandleBox
    private let executor: BlockingExecutor
    private let groupState: ConsumerGroupState
    private let closed = Mutex(false)
    public let configuration: KafkaConsumerConfiguration

    public init(configuration: KafkaConsumerConfiguration, logger: Logger = Logger(label: "paystream.kafka.consumer")) throws {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "group"] = "\(configuration.groupID)"
        let groupState = ConsumerGroupState(logger: logger)
        let conf = try RDKafkaConfig.make(configuration.librdkafkaProperties)
        rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        rd_kafka_conf_set_error_cb(conf, consumerErrorCallback)
        let opaque = Unmanaged.passRetained(groupState)
        rd_kafka_conf_set_opaque(conf, opaque.toOpaque())
        let rk: OpaquePointer
        do {
            rk = try RDKafkaConfig.newClient(type: RD_KAFKA_CONSUMER, conf: conf)
        } catch {
            opaque.release()
            throw error
        }
        // Route client events (errors, rebalances) to the consumer queue served by rd_kafka_consumer_poll.
        rd_kafka_poll_set_consumer(rk)
        let topics = TopicPartitionList.make(configuration.topics.map { (TopicPartition(topic: $0, partition: -1), nil) })
        defer { rd_kafka_topic_partition_list_destroy(topics) }
        let err = rd_kafka_subscribe(rk, topics)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            rd_kafka_destroy(rk)
            opaque.release()
            throw KafkaError(kind: .configuration, err: err, context: "subscribe to \(configuration.topics)")
        }
        self.handle = HandleBox(rk)
        self.groupState = groupState
        self.executor = BlockingExecutor(label: "paystream.kafka.consumer.\(configuration.groupID)")
    }

    /// Returns up to `maxMessages` messages, waiting at most `timeoutMilliseconds` to collect them
    /// (an empty array when nothing arrived). Joins the group and serves rebalances as needed.
    public func poll(maxMessages: Int, timeoutMilliseconds: Int) async throws -> [KafkaMessage] {
        precondition(maxMessages > 0, "a batch holds at least one message")
        try checkOpen()
        let handle = self.handle
        let state = self.groupState
        return try await executor.run { () throws -> [KafkaMessage] in
            state.beginPoll()
            let deadline = Deadline.after(milliseconds: timeoutMilliseconds)
            var batch: [KafkaMessage] = []
            batch.reserveCapacity(min(maxMessages, 10_000))
            repeat {
                guard let message = rd_kafka_consumer_poll(handle.pointer, Int32(clamping: deadline.remainingMilliseconds))
                else { continue }
                defer { rd_kafka_message_destroy(message) }
                let err = message.pointee.err
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    batch.append(KafkaMessage(copying: message))
                } else if err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    let error = KafkaError(kind: .consume, err: err, context: "consume")
                    if err == RD_KAFKA_RESP_ERR__FATAL { throw error }
                    state.recordError(error)
                    state.logger.warning("consumer error: \(error)")
                }
            } while batch.count < maxMessages && !deadline.hasPassed
            return batch.filter(state.stillOwned)
        }
    }

    /// Commits, for every partition in `messages`, the offset after its last message, synchronously.
    /// Call it only after the messages' effects are durable.
    public func commit(_ messages: [KafkaMessage]) async throws {
        var next: [TopicPartition: Int64] = [:]
        for message in messages {
            let tp = TopicPartition(topic: message.topic, partition: message.partition)
            next[tp] = max(next[tp] ?? Int64.min, message.offset + 1)
        }
        try await commit(offsets: next)
    }

    /// Commits explicit next-offsets (the offset of the next message to read) per partition.
    public func commit(offsets: [TopicPartition: Int64]) async throws {
        if offsets.isEmpty { return }
        try checkOpen()
        let handle = self.handle
        try await executor.run { () throws in
            let list = TopicPartitionList.make(offsets.map { ($0.key, $0.value) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_commit(handle.pointer, list, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(kind: .commit, err: err, context: "commit of \(offsets.count) partition(s)")
            }
            for element in TopicPartitionList.elements(of: list) where element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(kind: .commit, err: element.err, context: "commit of \(element.partition)")
            }
        }
    }

    /// The committed next-offset of each partition of the consumer's topics (nil where none is committed).
    public func committedOffsets(for partitions: [TopicPartition], timeoutMilliseconds: Int = 10_000) async throws
        -> [TopicPartition: Int64?]
    {
        let handle = self.handle
        return try await executor.run { () throws -> [TopicPartition: Int64?] in
            let list = TopicPartitionList.make(partitions.map { ($0, nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_committed(handle.pointer, list, Int32(clamping: timeoutMilliseconds))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(kind: .commit, err: err, context: "fetch committed offsets")
            }
            var result: [TopicPartition: Int64?] = [:]
            for element in TopicPartitionList.elements(of: list) {
                result[element.partition] = element.offset >= 0 ? element.offset : nil
            }
            return result
        }
    }

    /// Stops fetching from the partitions (the consumer stays in the group and keeps them).
    public func pause(_ partitions: [TopicPartition]) async throws {
        try await setPaused(partitions, paused: true)
    }

    /// Resumes fetching from paused partitions.
    public func resume(_ partitions: [TopicPartition]) async throws {
        try await setPaused(partitions, paused: false)
    }

    private func setPaused(_ partitions: [TopicPartition], paused: Bool) async throws {
        try checkOpen()
        let handle = self.handle
        try await executor.run { () throws in
            let list = TopicPartitionList.make(partitions.map { ($0, nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = paused ? rd_kafka_pause_partitions(handle.pointer, list) : rd_kafka_resume_partitions(handle.pointer, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(kind: .consume, err: err, context: paused ? "pause" : "resume")
            }
        }
    }

    /// The partitions this member owns now.
    public var assignment: Set<TopicPartition> { groupState.assignment }
    /// Assignments and revocations seen so far (the last 1,000).
    public var rebalanceEvents: [RebalanceEvent] { groupState.events }
    /// The last client-level error librdkafka reported (e.g. all brokers down), if any.
    public var lastError: KafkaError? { groupState.lastError }

    /// Checks that a broker answers a metadata request within the timeout; throws a clear error otherwise.
    public func checkConnection(timeoutMilliseconds: Int = 5_000) async throws {
        let handle = self.handle
        let bootstrap = configuration.client.bootstrapServers
        try await executor.run { () throws in
            try KafkaMetadata.check(handle.pointer, bootstrap: bootstrap, timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    /// Leaves the group (revoking the assignment) and releases the client. Commit what was processed first.
    /// Idempotent.
    public func close() async {
        guard closed.setFirstTime() else { return }
        let handle = self.handle
        let state = self.groupState
        _ = try? await executor.run {
            let err = rd_kafka_consumer_close(handle.pointer)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                state.logger.warning("consumer close: \(String(cString: rd_kafka_err2str(err)))")
            }
            let opaque = rd_kafka_opaque(handle.pointer)
            rd_kafka_destroy(handle.pointer)
            if let opaque { Unmanaged<ConsumerGroupState>.fromOpaque(opaque).release() }
        }
    }

    private func checkOpen() throws {
        if closed.withLock({ $0 }) {
            throw KafkaError(kind: .closed, message: "the consumer has been closed", isRetriable: false)
        }
    }
}
