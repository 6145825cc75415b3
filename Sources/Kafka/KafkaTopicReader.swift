import BlockingIO
import CRdKafka
import Logging
import Synchronization

/// The low and high watermarks of one partition: the first offset still stored and the offset the next
/// produced message will get. A partition holds `high - low` messages (fewer on compacted topics).
public struct PartitionWatermarks: Sendable, Equatable {
    public let partition: Int32
    public let low: Int64
    public let high: Int64

    public init(partition: Int32, low: Int64, high: Int64) {
        self.partition = partition
        self.low = low
        self.high = high
    }
}

/// Reads a topic as it is at the moment of the call, for tools (dead-letter inspection, audits).
///
/// Guarantees:
/// - Never joins a consumer group and never commits: partitions are assigned directly at explicit offsets,
///   automatic commits and offset stores are off, so reading changes nothing on the cluster and no group's
///   position moves. (librdkafka wants a `group.id` on a consumer handle; a throwaway one is used.)
/// - ``readAll(topic:from:timeoutMilliseconds:maxMessages:)`` returns every message stored between the
///   start offset (default: the low watermark) and the high watermark captured when the call began, each
///   exactly once, in offset order per partition; messages produced after that capture are not returned.
///   It either returns all of them or throws (a `.timeout` error when the deadline passes first): a
///   partial read is never presented as the whole topic.
/// - Every librdkafka call runs on the reader's own thread, never on the cooperative pool. Calls on one
///   reader run one after another.
public final class KafkaTopicReader: Sendable {
    private let handle: HandleBox
    private let executor: BlockingExecutor
    private let bootstrap: String
    private let closed = Mutex(false)
    private let logger: Logger

    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "paystream.kafka.reader")) throws {
        self.logger = logger
        var properties: [String: String] = [
            "bootstrap.servers": configuration.bootstrapServers,
            "client.id": configuration.clientID,
            "group.id": "paystream-reader-\(UInt64.random(in: 0...UInt64.max))",
            "auto.offset.reset": "earliest",
            "enable.partition.eof": "true",
        ]
        properties.merge(configuration.consumerProperties) { _, new in new }
        properties.merge(configuration.properties) { _, new in new }
        // Whatever the caller's properties say, this reader never commits.
        self.handle = HandleBox(try RDKafkaConfig.nonCommittingConsumer(properties))
        self.executor = BlockingExecutor(label: "paystream.kafka.reader")
        self.bootstrap = configuration.bootstrapServers
    }

    /// The topic's partition count from cluster metadata; throws an `.admin` error if the topic does not exist.
    public func partitionCount(topic: String, timeoutMilliseconds: Int = 10_000) async throws -> Int {
        try checkOpen()
        let handle = self.handle
        let bootstrap = self.bootstrap
        return try await executor.run {
            try Self.partitionCount(handle.pointer, topic: topic, bootstrap: bootstrap, timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    /// Every partition's watermarks, queried from the partition leaders now.
    public func watermarks(topic: String, timeoutMilliseconds: Int = 10_000) async throws -> [PartitionWatermarks] {
        try checkOpen()
        let handle = self.handle
        let bootstrap = self.bootstrap
        return try await executor.run {
            let deadline = Deadline.after(milliseconds: timeoutMilliseconds)
            let count = try Self.partitionCount(
                handle.pointer, topic: topic, bootstrap: bootstrap, timeoutMilliseconds: deadline.remainingMilliseconds)
            return try (0..<Int32(count)).map { try Self.watermarks(handle.pointer, topic: topic, partition: $0, deadline: deadline) }
        }
    }

    /// Reads `topic` from `startOffsets` (partition → first offset; partitions not named start at their low
    /// watermark) up to the high watermarks captured at the start of the call.
    /// - Parameters:
    ///   - timeoutMilliseconds: the whole read, metadata included, must finish within this time.
    ///   - maxMessages: an explicit bound on what is held in memory; more stored messages is an error.
    public func readAll(
        topic: String, from startOffsets: [Int32: Int64] = [:], timeoutMilliseconds: Int = 30_000,
        maxMessages: Int = 1_000_000
    ) async throws -> [KafkaMessage] {
        precondition(maxMessages > 0, "maxMessages must be positive")
        try checkOpen()
        let handle = self.handle
        let bootstrap = self.bootstrap
        let logger = self.logger
        return try await executor.run { () throws -> [KafkaMessage] in
            let deadline = Deadline.after(milliseconds: timeoutMilliseconds)
            let count = try Self.partitionCount(
                handle.pointer, topic: topic, bootstrap: bootstrap, timeoutMilliseconds: deadline.remainingMilliseconds)
            // partition -> [next offset to read, high watermark)
            var ranges: [Int32: (next: Int64, end: Int64)] = [:]
            var total: Int64 = 0
            for partition in 0..<Int32(count) {
                let marks = try Self.watermarks(handle.pointer, topic: topic, partition: partition, deadline: deadline)
                let start = max(marks.low, startOffsets[partition] ?? marks.low)
                if start < marks.high {
                    ranges[partition] = (start, marks.high)
                    total += marks.high - start
                }
            }
            if ranges.isEmpty { return [] }
            guard total <= Int64(maxMessages) else {
                throw KafkaError(
                    kind: .consume, message: "\(topic) holds \(total) messages to read, more than the limit of \(maxMessages)",
                    isRetriable: false)
            }
            return try Self.read(
                handle.pointer, topic: topic, ranges: ranges, deadline: deadline, timeoutMilliseconds: timeoutMilliseconds,
                logger: logger, stopAtFirst: false)
        }
    }

    /// The message stored at `offset` of one partition, or nil if there is none (before the low watermark,
    /// at or beyond the high watermark, or removed by compaction).
    public func readOne(topic: String, partition: Int32, offset: Int64, timeoutMilliseconds: Int = 10_000) async throws
        -> KafkaMessage?
    {
        try checkOpen()
        let handle = self.handle
        let bootstrap = self.bootstrap
        let logger = self.logger
        return try await executor.run { () throws -> KafkaMessage? in
            let deadline = Deadline.after(milliseconds: timeoutMilliseconds)
            let count = try Self.partitionCount(
                handle.pointer, topic: topic, bootstrap: bootstrap, timeoutMilliseconds: deadline.remainingMilliseconds)
            guard partition >= 0, partition < count else { return nil }
            let marks = try Self.watermarks(handle.pointer, topic: topic, partition: partition, deadline: deadline)
            guard offset >= marks.low, offset < marks.high else { return nil }
            let messages = try Self.read(
                handle.pointer, topic: topic, ranges: [partition: (offset, marks.high)], deadline: deadline,
                timeoutMilliseconds: timeoutMilliseconds, logger: logger, stopAtFirst: true)
            return messages.first { $0.offset == offset }
        }
    }

    /// Releases the client. Idempotent.
    public func close() async {
        guard closed.setFirstTime() else { return }
        let handle = self.handle
        _ = try? await executor.run {
            _ = rd_kafka_consumer_close(handle.pointer)
            rd_kafka_destroy(handle.pointer)
        }
    }

    /// True when `error` says that a topic does not exist (as thrown by this reader's calls).
    public static func isUnknownTopic(_ error: KafkaError) -> Bool {
        error.code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue
    }

    private func checkOpen() throws {
        if closed.withLock({ $0 }) {
            throw KafkaError(kind: .closed, message: "the topic reader has been closed", isRetriable: false)
        }
    }

    // MARK: on the executor only

    static func partitionCount(_ rk: OpaquePointer, topic: String, bootstrap: String, timeoutMilliseconds: Int) throws
        -> Int
    {
        let topics = try KafkaMetadata.topics(rk, bootstrap: bootstrap, timeoutMilliseconds: max(1, timeoutMilliseconds))
        guard let found = topics.first(where: { $0.name == topic }), found.partitionCount > 0 else {
            throw KafkaError(
                kind: .admin, code: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue,
                message: "topic \(topic) does not exist on \(bootstrap)", isRetriable: false)
        }
        return found.partitionCount
    }

    static func watermarks(_ rk: OpaquePointer, topic: String, partition: Int32, deadline: Deadline) throws
        -> PartitionWatermarks
    {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(
            rk, topic, partition, &low, &high, Int32(clamping: max(1, deadline.remainingMilliseconds)))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(kind: .consume, err: err, context: "watermarks of \(topic)[\(partition)]")
        }
        return PartitionWatermarks(partition: partition, low: low, high: high)
    }

    /// Assigns the partitions at their start offsets, polls until each reached its end (or, with
    /// `stopAtFirst`, until the first message arrived), then unassigns whatever happens.
    private static func read(
        _ rk: OpaquePointer, topic: String, ranges: [Int32: (next: Int64, end: Int64)], deadline: Deadline,
        timeoutMilliseconds: Int, logger: Logger, stopAtFirst: Bool
    ) throws -> [KafkaMessage] {
        let list = TopicPartitionList.make(
            ranges.sorted { $0.key < $1.key }.map { (TopicPartition(topic: topic, partition: $0.key), $0.value.next) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let assignError = rd_kafka_assign(rk, list)
        guard assignError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(kind: .consume, err: assignError, context: "assign \(topic)")
        }
        defer { _ = rd_kafka_assign(rk, nil) }

        var pending = ranges
        var result: [Int32: [KafkaMessage]] = [:]
        while !pending.isEmpty {
            if deadline.hasPassed {
                let left = pending.sorted { $0.key < $1.key }.map { "[\($0.key)] at \($0.value.next) of \($0.value.end)" }
                throw KafkaError(
                    kind: .timeout,
                    message: "reading \(topic) did not reach the end within \(timeoutMilliseconds) ms; unfinished: \(left.joined(separator: ", "))")
            }
            guard let message = rd_kafka_consumer_poll(rk, Int32(clamping: min(200, max(1, deadline.remainingMilliseconds))))
            else { continue }
            defer { rd_kafka_message_destroy(message) }
            let m = message.pointee
            let partition = m.partition
            if m.err != RD_KAFKA_RESP_ERR_NO_ERROR && m.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                let error = KafkaError(kind: .consume, err: m.err, context: "read \(topic)[\(partition)]")
                guard error.isRetriable else { throw error }
                logger.warning("topic reader: \(error); still trying until the deadline")
                continue
            }
            guard let range = pending[partition],
                m.rkt.map({ String(cString: rd_kafka_topic_name($0)) }) == topic
            else { continue }
            switch m.err {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                // Offsets below `next` are stale fetches (or already read); at or past `end`, newer than the capture.
                guard m.offset >= range.next, m.offset < range.end else {
                    if m.offset >= range.end { pending[partition] = nil }
                    continue
                }
                result[partition, default: []].append(KafkaMessage(copying: message))
                if stopAtFirst { return result[partition] ?? [] }
                if m.offset + 1 >= range.end {
                    pending[partition] = nil
                } else {
                    pending[partition] = (m.offset + 1, range.end)
                }
            case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                // The end of what the broker holds: if it is at or past the captured end, gaps (compaction,
                // transaction markers) made the remaining offsets unreadable and the partition is finished.
                if m.offset >= range.end { pending[partition] = nil }
                if stopAtFirst && m.offset >= range.end { return [] }
            default:
                continue
            }
        }
        return result.sorted { $0.key < $1.key }.flatMap { $0.value }
    }
}
