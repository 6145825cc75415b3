import CRdKafka
import Synchronization

/// Matches librdkafka's delivery reports to the callers waiting for them.
///
/// Each message gets a number that travels as librdkafka's per-message opaque; the delivery callback,
/// which runs on the producer's poll thread, looks the number up and calls the completion outside the lock.
final class DeliveryRouter: Sendable {
    typealias Completion = @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void

    private struct State {
        var nextID: UInt = 1
        var waiting: [UInt: Completion] = [:]
    }

    private let state = Mutex(State())

    func register(_ completion: @escaping Completion) -> UInt {
        state.withLock { state in
            let id = state.nextID
            state.nextID &+= 1
            if state.nextID == 0 { state.nextID = 1 }
            state.waiting[id] = completion
            return id
        }
    }

    func complete(_ id: UInt, with result: Result<KafkaDeliveryReport, KafkaError>) {
        let completion = state.withLock { $0.waiting.removeValue(forKey: id) }
        completion?(result)
    }

    /// Forgets a registration whose message librdkafka refused; its completion is never called.
    func withdraw(_ id: UInt) {
        _ = state.withLock { $0.waiting.removeValue(forKey: id) }
    }

    var pendingCount: Int { state.withLock { $0.waiting.count } }

    /// Fails every waiting caller (used when the producer is destroyed with messages still queued).
    func failAll(_ error: KafkaError) {
        let all = state.withLock { state -> [Completion] in
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for completion in all { completion(.failure(error)) }
    }
}

/// The C delivery callback. `opaque` is the producer's router, retained for the producer's lifetime.
let deliveryReportCallback:
    @convention(c) (
        OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?
    ) -> Void = { _, message, opaque in
        guard let message, let opaque else { return }
        let router = Unmanaged<DeliveryRouter>.fromOpaque(opaque).takeUnretainedValue()
        let m = message.pointee
        let id = UInt(bitPattern: m._private)
        if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let topic = String(cString: rd_kafka_topic_name(m.rkt))
            router.complete(id, with: .success(KafkaDeliveryReport(topic: topic, partition: m.partition, offset: m.offset)))
        } else {
            router.complete(id, with: .failure(KafkaError(kind: .delivery, err: m.err, context: "delivery failed")))
        }
    }
