import BlockingIO
import CRdKafka
import Foundation
import Logging
import Synchronization

/// An idempotent Kafka producer (`enable.idempotence=true`, `acks=all`).
///
/// Guarantees:
/// - ``send(_:)`` returns only after the broker acknowledged the message (all in-sync replicas), or throws
///   the Kafka error that ended the delivery, at the latest after the delivery timeout.
/// - Messages enqueued one after another by ``sendAll(_:)`` keep their order within a partition, even when
///   librdkafka retries (idempotence: no duplicates, no reordering from retries).
/// - The key chooses the partition with murmur2, compatible with the Java client.
/// - librdkafka's poll and flush run on a thread of their own, never on the cooperative pool.
public final class KafkaProducer: Sendable {
    // The rd_kafka_t handle is thread-safe for produce and poll (librdkafka documents both as
    // thread-safe); it is destroyed once, in `shutdown`, after the poll thread has stopped.
    private let handle: HandleBox
    private let router: DeliveryRouter
    private let pollThread: BlockingExecutor
    private let running = RunFlag()
    private let closed = Mutex(false)
    private let logger: Logger

    public init(configuration: KafkaProducerConfiguration, logger: Logger = Logger(label: "paystream.kafka.producer")) throws {
        self.logger = logger
        let router = DeliveryRouter()
        let conf = try RDKafkaConfig.make(configuration.librdkafkaProperties)
        rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passRetained(router).toOpaque())
        let rk: OpaquePointer
        do {
            rk = try RDKafkaConfig.newClient(type: RD_KAFKA_PRODUCER, conf: conf)
        } catch {
            Unmanaged.passUnretained(router).release()
            throw error
        }
        self.handle = HandleBox(rk)
        self.router = router
        self.pollThread = BlockingExecutor(label: "paystream.kafka.producer.poll")
        startPolling()
    }

    private func startPolling() {
        let handle = self.handle
        let running = self.running
        Task.detached { [pollThread] in
            // One long job on the producer's own queue: serve delivery reports until shutdown.
            try? await pollThread.run {
                while running.isSet {
                    rd_kafka_poll(handle.pointer, 100)
                }
            }
        }
    }

    /// Produces one message and waits for the broker's acknowledgement.
    @discardableResult
    public func send(_ message: KafkaOutgoingMessage) async throws -> KafkaDeliveryReport {
        try await sendAll([message])[0]
    }

    /// Enqueues the messages in order and waits for every acknowledgement. Throws the first delivery error
    /// after all reports are in (some messages may then have been delivered: callers rely on idempotent
    /// consumers, never on all-or-nothing).
    public func sendAll(_ messages: [KafkaOutgoingMessage]) async throws -> [KafkaDeliveryReport] {
        try await sendEach(messages).map { try $0.get() }
    }

    /// Enqueues the messages in order and waits for every acknowledgement; answers each message's own outcome, so
    /// that a caller can tell which were delivered when some were not.
    public func sendEach(_ messages: [KafkaOutgoingMessage]) async throws -> [Result<KafkaDeliveryReport, KafkaError>] {
        if messages.isEmpty { return [] }
        let collector = BatchCollector(count: messages.count)
        for (index, message) in messages.enumerated() {
            do {
                try await enqueue(message) { result in collector.record(index, result) }
            } catch let error as KafkaError {
                collector.record(index, .failure(error))
            }
        }
        return await collector.wait()
    }

    /// Hands one message to librdkafka without waiting for delivery; `completion` runs on the poll thread
    /// when the broker answers. Waits (without blocking a thread) while librdkafka's queue is full.
    public func enqueue(
        _ message: KafkaOutgoingMessage,
        completion: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void
    ) async throws {
        var backoffMilliseconds = 1
        while true {
            try checkOpen()
            let id = router.register(completion)
            if let error = produce(message, opaqueID: id) {
                // Not accepted: the delivery callback will never run for this id.
                router.withdraw(id)
                if error.code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue {
                    try await Task.sleep(nanoseconds: UInt64(backoffMilliseconds) * 1_000_000)
                    backoffMilliseconds = min(backoffMilliseconds * 2, 100)
                    continue
                }
                throw error
            }
            return
        }
    }

    /// Calls rd_kafka_produceva with copies of every buffer; returns librdkafka's refusal, if any.
    private func produce(_ message: KafkaOutgoingMessage, opaqueID: UInt) -> KafkaError? {
        var arena = CArena()
        defer { arena.free() }
        var vus: [rd_kafka_vu_t] = []
        vus.reserveCapacity(6 + message.headers.count)

        var topic = rd_kafka_vu_t()
        topic.vtype = RD_KAFKA_VTYPE_TOPIC
        topic.u.cstr = UnsafePointer(arena.cString(message.topic))
        vus.append(topic)

        if let partition = message.partition {
            var vu = rd_kafka_vu_t()
            vu.vtype = RD_KAFKA_VTYPE_PARTITION
            vu.u.i32 = partition
            vus.append(vu)
        }
        if let key = message.key {
            var vu = rd_kafka_vu_t()
            vu.vtype = RD_KAFKA_VTYPE_KEY
            vu.u.mem.ptr = arena.bytes(key)
            vu.u.mem.size = key.count
            vus.append(vu)
        }
        var value = rd_kafka_vu_t()
        value.vtype = RD_KAFKA_VTYPE_VALUE
        value.u.mem.ptr = arena.bytes(message.value)
        value.u.mem.size = message.value.count
        vus.append(value)

        var flags = rd_kafka_vu_t()
        flags.vtype = RD_KAFKA_VTYPE_MSGFLAGS
        flags.u.i = RD_KAFKA_MSG_F_COPY
        vus.append(flags)

        var opaque = rd_kafka_vu_t()
        opaque.vtype = RD_KAFKA_VTYPE_OPAQUE
        opaque.u.ptr = UnsafeMutableRawPointer(bitPattern: opaqueID)
        vus.append(opaque)

        for header in message.headers {
            var vu = rd_kafka_vu_t()
            vu.vtype = RD_KAFKA_VTYPE_HEADER
            vu.u.header.name = UnsafePointer(arena.cString(header.name))
            if let bytes = header.value {
                vu.u.header.val = UnsafeRawPointer(arena.bytes(bytes))
                vu.u.header.size = bytes.count
            } else {
                vu.u.header.val = nil
                vu.u.header.size = 0
            }
            vus.append(vu)
        }

        guard let error = rd_kafka_produceva(handle.pointer, vus, vus.count) else { return nil }
        return KafkaError(kind: .produce, consuming: error, context: "produce to \(message.topic) refused")
    }

    private func checkOpen() throws {
        if closed.withLock({ $0 }) {
            throw KafkaError(kind: .closed, message: "the producer has been shut down", isRetriable: false)
        }
    }

    /// Waits until every enqueued message has been delivered or has failed, up to `timeoutMilliseconds`.
    public func flush(timeoutMilliseconds: Int = 30_000) async throws {
        let handle = self.handle
        let err = try await BlockingExecutor(label: "paystream.kafka.producer.flush").run {
            rd_kafka_flush(handle.pointer, Int32(clamping: timeoutMilliseconds)).rawValue
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR.rawValue {
            throw KafkaError(
                kind: .timeout, code: err,
                message: "\(router.pendingCount) message(s) still undelivered after \(timeoutMilliseconds) ms")
        }
    }

    /// Flushes what is queued (bounded by `timeoutMilliseconds`), stops the poll thread and destroys the
    /// handle. Waiting callers whose messages were not delivered get a `.closed` error. Idempotent.
    public func shutdown(timeoutMilliseconds: Int = 30_000) async {
        guard closed.setFirstTime() else { return }
        do {
            try await flush(timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            logger.error("producer shutdown: \(error)")
        }
        running.clear()
        let handle = self.handle
        let router = self.router
        _ = try? await pollThread.run {
            // The poll loop has returned (same serial queue): nothing else touches the handle now.
            let opaque = rd_kafka_opaque(handle.pointer)
            rd_kafka_destroy(handle.pointer)
            if let opaque { Unmanaged<DeliveryRouter>.fromOpaque(opaque).release() }
        }
        router.failAll(KafkaError(kind: .closed, message: "producer shut down before delivery", isRetriable: true))
    }

    deinit {
        if !closed.withLock({ $0 }) {
            logger.warning("KafkaProducer deallocated without shutdown(); call shutdown() to flush")
        }
    }
}

/// A flag that long-running loops on other threads check; shareable because it is atomic.
final class RunFlag: Sendable {
    private let value = Atomic<Bool>(true)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func clear() { value.store(false, ordering: .releasing) }
}

/// Owns a C handle pointer so that it can be captured by `@Sendable` closures.
/// Safe because every use goes through librdkafka functions documented as thread-safe, or through one
/// serial executor.
final class HandleBox: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// Gathers the results of a batch of sends and resumes the waiting caller once, when all are in.
private final class BatchCollector: Sendable {
    private typealias Waiter = CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>
    private struct State {
        var results: [Result<KafkaDeliveryReport, KafkaError>?]
        var remaining: Int
        var waiter: Waiter?
    }
    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count))
    }

    func record(_ index: Int, _ result: Result<KafkaDeliveryReport, KafkaError>) {
        let ready = state.withLock { state -> Waiter? in
            guard state.results[index] == nil else { return nil }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        if let ready { resume(ready) }
    }

    func wait() async -> [Result<KafkaDeliveryReport, KafkaError>] {
        await withCheckedContinuation { (continuation: Waiter) in
            let done = state.withLock { state -> Bool in
                if state.remaining == 0 { return true }
                state.waiter = continuation
                return false
            }
            if done { resume(continuation) }
        }
    }

    private func resume(_ waiter: Waiter) {
        waiter.resume(returning: state.withLock { $0.results.map { $0! } })
    }
}

/// Copies of Swift buffers in C memory that live until `free()`.
struct CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    mutating func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        let pointer = strdup(string)!
        allocations.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    mutating func bytes(_ bytes: [UInt8]) -> UnsafeMutableRawPointer {
        let pointer = malloc(max(bytes.count, 1))!
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { pointer.copyMemory(from: base, byteCount: source.count) }
        }
        allocations.append(pointer)
        return pointer
    }

    func free() {
        for pointer in allocations { Foundation.free(pointer) }
    }
}
