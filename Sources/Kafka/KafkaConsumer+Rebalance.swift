import CRdKafka
import Logging
import Synchronization

/// What a consumer saw of its group's rebalances.
public struct RebalanceEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case assigned, revoked, failed }
    public let kind: Kind
    public let partitions: [TopicPartition]
}

/// Shared between the consumer and librdkafka's rebalance callback (which runs on the consumer's poll
/// thread, inside `rd_kafka_consumer_poll`). Locked, so tests and metrics may read it from anywhere.
final class ConsumerGroupState: Sendable {
    private struct State {
        var assignment: Set<TopicPartition> = []
        var revokedDuringPoll: Set<TopicPartition> = []
        var events: [RebalanceEvent] = []
        var lastError: KafkaError?
    }
    private let state = Mutex(State())
    let logger: Logger
    static let maxEventsKept = 1_000

    init(logger: Logger) { self.logger = logger }

    func assigned(_ partitions: [TopicPartition]) {
        state.withLock { s in
            s.assignment.formUnion(partitions)
            s.events.append(RebalanceEvent(kind: .assigned, partitions: partitions))
            if s.events.count > Self.maxEventsKept { s.events.removeFirst() }
        }
        logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.description))"])
    }

    func revoked(_ partitions: [TopicPartition]) {
        state.withLock { s in
            s.assignment.subtract(partitions)
            s.revokedDuringPoll.formUnion(partitions)
            s.events.append(RebalanceEvent(kind: .revoked, partitions: partitions))
            if s.events.count > Self.maxEventsKept { s.events.removeFirst() }
        }
        logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.description))"])
    }

    func failed(_ error: KafkaError) {
        state.withLock { s in
            s.lastError = error
            s.events.append(RebalanceEvent(kind: .failed, partitions: []))
        }
        logger.error("rebalance failed: \(error)")
    }

    func recordError(_ error: KafkaError) {
        state.withLock { $0.lastError = error }
    }

    /// Starts a poll: forgets which partitions were revoked during the previous one.
    func beginPoll() { state.withLock { $0.revokedDuringPoll.removeAll() } }

    /// Messages fetched before a partition was revoked in the same poll are not handed out: the partition's
    /// next owner reads them from the last committed offset, so nothing is lost and nothing is processed twice.
    func stillOwned(_ message: KafkaMessage) -> Bool {
        state.withLock { s in
            let tp = TopicPartition(topic: message.topic, partition: message.partition)
            return s.assignment.contains(tp)
        }
    }

    var assignment: Set<TopicPartition> { state.withLock { $0.assignment } }
    var events: [RebalanceEvent] { state.withLock { $0.events } }
    var lastError: KafkaError? { state.withLock { $0.lastError } }
}

/// librdkafka's rebalance callback. Assigns or unassigns exactly what the group coordinator decided,
/// eagerly or incrementally as the protocol in use requires.
let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { rk, err, partitions, opaque in
        guard let rk, let opaque else { return }
        let state = Unmanaged<ConsumerGroupState>.fromOpaque(opaque).takeUnretainedValue()
        let list = partitions.map { TopicPartitionList.partitions(of: $0) } ?? []
        let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) {
                    state.failed(KafkaError(kind: .rebalance, consuming: error, context: "incremental assign"))
                    return
                }
            } else {
                let result = rd_kafka_assign(rk, partitions)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    state.failed(KafkaError(kind: .rebalance, err: result, context: "assign"))
                    return
                }
            }
            state.assigned(list)
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            state.revoked(list)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) {
                    state.failed(KafkaError(kind: .rebalance, consuming: error, context: "incremental unassign"))
                }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        default:
            state.failed(KafkaError(kind: .rebalance, err: err, context: "rebalance error"))
            state.revoked(Array(state.assignment))
            _ = rd_kafka_assign(rk, nil)
        }
    }

/// librdkafka's error callback: records and logs client-level errors (all brokers down, fatal errors).
let consumerErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        _, err, reason, opaque in
        guard let opaque else { return }
        let state = Unmanaged<ConsumerGroupState>.fromOpaque(opaque).takeUnretainedValue()
        let error = KafkaError(
            kind: .consume, code: err, message: reason.map { String(cString: $0) } ?? "unknown error")
        state.recordError(error)
        state.logger.warning("kafka client error: \(error)")
    }
