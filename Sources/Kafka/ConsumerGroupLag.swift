import BlockingIO
import CRdKafka
import Logging
import Synchronization

/// How far one consumer group is behind on one topic, now: per partition, the high watermark less the group's
/// committed offset (the whole stored partition where the group has committed nothing).
public struct TopicLag: Sendable, Equatable {
    public let topic: String
    public let group: String
    /// Partition → messages stored after the group's committed offset.
    public let partitions: [Int32: Int64]
    /// The partitions on which the group has committed an offset (none: nobody consumes the topic in this group).
    public let committedPartitions: Set<Int32>

    public init(topic: String, group: String, partitions: [Int32: Int64], committedPartitions: Set<Int32>) {
        self.topic = topic
        self.group = group
        self.partitions = partitions
        self.committedPartitions = committedPartitions
    }

    public var total: Int64 { partitions.values.reduce(0, +) }
}

/// Where a consumer group stands on one partition: what the partition holds and what the group has committed.
public struct PartitionProgress: Sendable, Equatable {
    public let topic: String
    public let partition: Int32
    /// The oldest stored offset and the next offset to be written (the high watermark).
    public let low: Int64
    public let high: Int64
    /// The group's committed offset (the next one it reads), nil when it has committed none there.
    public let committed: Int64?

    public init(topic: String, partition: Int32, low: Int64, high: Int64, committed: Int64?) {
        self.topic = topic
        self.partition = partition
        self.low = low
        self.high = high
        self.committed = committed
    }

    /// The first offset the group has not committed: every stored message before it was consumed and committed.
    public var consumedUpTo: Int64 { max(low, committed ?? low) }
}

/// Reads a consumer group's lag and progress, for benchmarks, operators and the API's envelope reloads, without
/// taking part in the group.
///
/// Guarantees:
/// - Never joins the group, never subscribes, never assigns and never commits: the handle carries the group's id
///   only so that librdkafka's `rd_kafka_committed` asks the group's coordinator (an OffsetFetch, which the group
///   does not see), and automatic commits and offset stores are off whatever the configuration says.
/// - A figure is a snapshot: watermarks and committed offsets are read one after the other, so a partition that
///   moves in between can show a lag off by what moved meanwhile (never below zero).
/// - Every librdkafka call runs on the probe's own thread, never on the cooperative pool.
public final class ConsumerGroupLagProbe: Sendable {
    private let handle: HandleBox
    private let executor: BlockingExecutor
    private let bootstrap: String
    private let group: String
    private let closed = Mutex(false)

    public init(configuration: KafkaConfiguration, group: String) throws {
        var properties = configuration.properties
        properties["bootstrap.servers"] = configuration.bootstrapServers
        properties["client.id"] = configuration.clientID
        properties["group.id"] = group
        self.handle = HandleBox(try RDKafkaConfig.nonCommittingConsumer(properties))
        self.executor = BlockingExecutor(label: "paystream.kafka.lag")
        self.bootstrap = configuration.bootstrapServers
        self.group = group
    }

    /// The group's lag on `topic` now; throws an `.admin` error when the topic does not exist.
    public func lag(topic: String, timeoutMilliseconds: Int = 10_000) async throws -> TopicLag {
        try checkOpen()
        let handle = self.handle, bootstrap = self.bootstrap, group = self.group
        return try await executor.run { () throws -> TopicLag in
            let deadline = Deadline.after(milliseconds: timeoutMilliseconds)
            let count = try KafkaTopicReader.partitionCount(
                handle.pointer, topic: topic, bootstrap: bootstrap, timeoutMilliseconds: deadline.remainingMilliseconds)
            let marks = try (0..<Int32(count)).map {
                try KafkaTopicReader.watermarks(handle.pointer, topic: topic, partition: $0, deadline: deadline)
            }
            let list = TopicPartitionList.make(marks.map { (TopicPartition(topic: topic, partition: $0.partition), nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_committed(handle.pointer, list, Int32(clamping: max(1, deadline.remainingMilliseconds)))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(kind: .commit, err: err, context: "committed offsets of group \(group) on \(topic)")
            }
            var committed: [Int32: Int64] = [:]
            for element in TopicPartitionList.elements(of: list) where element.offset >= 0 {
                committed[element.partition.partition] = element.offset
            }
            var partitions: [Int32: Int64] = [:]
            for mark in marks {
                partitions[mark.partition] = max(0, mark.high - max(mark.low, committed[mark.partition] ?? mark.low))
            }
            return TopicLag(topic: topic, group: group, partitions: partitions, committedPartitions: Set(committed.keys))
        }
    }

    /// The group's progress on the partition that messages keyed `key` go to (murmur2, as the producer chooses);
    /// throws an `.admin` error when the topic does not exist.
    public func progress(topic: String, key: [UInt8], timeoutMilliseconds: Int = 10_000) async throws -> PartitionProgress {
        try await progress(topic: topic, keys: [key], timeoutMilliseconds: timeoutMilliseconds)[0]
    }

    /// The group's progress on the partition of each of `keys`, in the order of `keys`, read together: one
    /// metadata request, one watermark query per partition concerned and one committed-offsets request, however
    /// many keys share a partition. The whole read keeps to `timeoutMilliseconds`; throws an `.admin` error when
    /// the topic does not exist.
    public func progress(topic: String, keys: [[UInt8]], timeoutMilliseconds: Int = 10_000) async throws -> [PartitionProgress] {
        try checkOpen()
        guard !keys.isEmpty else { return [] }
        let handle = self.handle, bootstrap = self.bootstrap, group = self.group
        return try await executor.run { () throws -> [PartitionProgress] in
            let deadline = Deadline.after(milliseconds: timeoutMilliseconds)
            let count = try KafkaTopicReader.partitionCount(
                handle.pointer, topic: topic, bootstrap: bootstrap, timeoutMilliseconds: deadline.remainingMilliseconds)
            let partitions = keys.map { Murmur2.partition(forKey: $0, partitionCount: Int32(count)) }
            // Each partition's watermarks once, however many keys it holds.
            var read: [Int32: PartitionWatermarks] = [:]
            let marks = try partitions.map { partition in
                if let mark = read[partition] { return mark }
                let mark = try KafkaTopicReader.watermarks(handle.pointer, topic: topic, partition: partition, deadline: deadline)
                read[partition] = mark
                return mark
            }
            let list = TopicPartitionList.make(read.keys.sorted().map { (TopicPartition(topic: topic, partition: $0), nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_committed(handle.pointer, list, Int32(clamping: max(1, deadline.remainingMilliseconds)))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(kind: .commit, err: err, context: "committed offsets of group \(group) on \(topic)")
            }
            var committed: [Int32: Int64] = [:]
            for element in TopicPartitionList.elements(of: list) where element.offset >= 0 {
                committed[element.partition.partition] = element.offset
            }
            return marks.map {
                PartitionProgress(topic: topic, partition: $0.partition, low: $0.low, high: $0.high, committed: committed[$0.partition])
            }
        }
    }

    private func checkOpen() throws {
        if closed.withLock({ $0 }) {
            throw KafkaError(kind: .closed, message: "the lag probe has been closed", isRetriable: false)
        }
    }

    /// Releases the client (it leaves no group: it never joined one). Idempotent.
    public func close() async {
        guard closed.setFirstTime() else { return }
        let handle = self.handle
        _ = try? await executor.run {
            rd_kafka_destroy(handle.pointer)
        }
    }
}
