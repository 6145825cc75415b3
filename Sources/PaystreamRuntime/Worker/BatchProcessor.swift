import EventBus
import Foundation
import Kafka
import LedgerStore
import Logging
import Metrics
import PaystreamCore
import Postgres

/// Applies one polled batch: partitions spread over parallel lanes that share no partition, account or
/// order (so no lane waits for another's row locks), each lane one PostgreSQL transaction in offset order; refused and undecodable messages to the dead-letter topic, messages that fail
/// unexpectedly to the next retry topic. Returns only when every effect of the batch is durable (ledger
/// committed, dead letters and retries acknowledged by Kafka), so the caller may then commit offsets.
struct BatchProcessor: Sendable {
    let postgres: PostgresClient
    let producer: KafkaProducer
    let routes: [String: TopicRoute]
    let settings: WorkerSettings
    let logger: Logger
    let writer = LedgerBatchWriter()

    /// The outcome of one message.
    enum Outcome {
        case ledger(LedgerOutcome)
        /// Not decodable or not valid: dead-lettered at once.
        case invalid(code: String, message: String)
        /// Applying it failed in a way no rule explains: retried through the retry topics.
        case failed(String)
    }

    /// Applies a polled batch as consecutive batches of at most ``WorkerSettings/batchMaxMessages``, in poll
    /// order (so every partition stays in offset order: a batch commits before the next one starts). While one
    /// batch is written, the next one is decoded and split into lanes on another thread, so the worker's CPU
    /// and PostgreSQL's overlap instead of taking turns.
    func process(_ polled: [KafkaMessage], isShuttingDown: @escaping @Sendable () -> Bool) async throws {
        let size = max(1, settings.batchMaxMessages)
        let starts = Array(stride(from: 0, to: polled.count, by: size))
        guard !starts.isEmpty else { return }
        func prepareBatch(at n: Int) -> PreparedBatch {
            prepare(Array(polled[starts[n]..<min(starts[n] + size, polled.count)]))
        }
        var current = prepareBatch(at: 0)
        for n in starts.indices {
            // Pure computation: if this batch fails, the next one's preparation just finishes unused.
            let upcoming = n + 1 < starts.count ? Task { prepareBatch(at: n + 1) } : nil
            try await apply(current, isShuttingDown: isShuttingDown)
            guard let upcoming else { return }
            current = await upcoming.value
        }
    }

    /// A batch decoded and split into lanes, ready to apply.
    struct PreparedBatch: Sendable {
        let messages: [KafkaMessage]
        let decoded: [Result<MoneyEvent, EventDecodingError>]
        let lanes: [[Int]]
    }

    func prepare(_ batch: [KafkaMessage]) -> PreparedBatch {
        let decoded = batch.map(decode)
        return PreparedBatch(messages: batch, decoded: decoded, lanes: Self.lanes(for: batch, decoded: decoded, count: settings.lanes))
    }

    private func apply(_ batch: PreparedBatch, isShuttingDown: @escaping @Sendable () -> Bool) async throws {
        let messages = batch.messages, decoded = batch.decoded
        if batch.lanes.count == 1 {
            let lane = batch.lanes[0]
            try await processLane(lane.map { messages[$0] }, lane.map { decoded[$0] }, isShuttingDown: isShuttingDown)
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in batch.lanes {
                let laneMessages = lane.map { messages[$0] }, events = lane.map { decoded[$0] }
                group.addTask { try await processLane(laneMessages, events, isShuttingDown: isShuttingDown) }
            }
            try await group.waitForAll()
        }
    }

    /// Splits a batch into at most `count` lanes (indexes into the batch, in batch order) such that lanes
    /// never share a partition, an account or an order that the events name: partitions whose messages
    /// name a common account or order are joined (union-find), and the joined groups are packed into lanes,
    /// largest first onto the lightest lane. Every partition's messages stay in one lane in offset order,
    /// and parallel lanes do not wait for each other's row locks (each would wait for the other's commit).
    /// A batch whose partitions are all linked (one hot account, say) is one lane.
    static func lanes(for batch: [KafkaMessage], decoded: [Result<MoneyEvent, EventDecodingError>], count: Int) -> [[Int]] {
        struct PartitionName: Hashable {
            let topic: String
            let partition: Int32
        }
        var partitionIndex: [PartitionName: Int] = [:]
        var parent: [Int] = []
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        var messagePartition: [Int] = []
        messagePartition.reserveCapacity(batch.count)
        var owner: [LedgerBatchWriter.ConflictKey: Int] = [:]
        for (message, event) in zip(batch, decoded) {
            let name = PartitionName(topic: message.topic, partition: message.partition)
            let p: Int
            if let known = partitionIndex[name] { p = known } else {
                p = parent.count
                partitionIndex[name] = p
                parent.append(p)
            }
            messagePartition.append(p)
            guard count > 1, case .success(let event) = event else { continue }
            LedgerBatchWriter.forEachConflictKey(of: event) { key in
                if let other = owner[key] {
                    let a = find(p), b = find(other)
                    if a != b { parent[a] = b }
                } else {
                    owner[key] = p
                }
            }
        }
        if count <= 1 || parent.count == 1 { return [Array(batch.indices)] }
        var groups: [Int: [Int]] = [:]
        for (i, p) in messagePartition.enumerated() { groups[find(p), default: []].append(i) }
        if groups.count == 1 { return [Array(batch.indices)] }
        var lanes = [[Int]](repeating: [], count: min(count, groups.count))
        for group in groups.values.sorted(by: { $0.count > $1.count || ($0.count == $1.count && $0[0] < $1[0]) }) {
            let lightest = lanes.indices.min { lanes[$0].count < lanes[$1].count }!
            lanes[lightest].append(contentsOf: group)
        }
        return lanes.map { $0.sorted() }
    }

    private func processLane(
        _ messages: [KafkaMessage], _ decoded: [Result<MoneyEvent, EventDecodingError>],
        isShuttingDown: @escaping @Sendable () -> Bool
    ) async throws {
        var outcomes: [Outcome?] = Array(repeating: nil, count: messages.count)
        var inputs: [(index: Int, input: LedgerInput)] = []
        for (i, message) in messages.enumerated() {
            try await waitUntilDue(message, isShuttingDown: isShuttingDown)
            switch decoded[i] {
            case .success(let event):
                let source = "\(message.topic)/\(message.partition)/\(message.offset)"
                let traceparent = message.header(PipelineHeaders.traceparent)?.stringValue
                inputs.append((i, LedgerInput(event: event, source: source, traceparent: traceparent)))
            case .failure(let error): outcomes[i] = .invalid(code: error.code, message: error.message)
            }
        }
        let results = try await applyRetryingTransients(inputs.map(\.input), isShuttingDown: isShuttingDown)
        for (n, result) in results.enumerated() { outcomes[inputs[n].index] = result }
        FaultInjection.afterLedgerCommit()
        try await forwardFailures(messages, outcomes.map { $0! })
    }

    /// Decodes and validates a message: the event, and a Kafka key equal to the order that owns the money.
    private func decode(_ message: KafkaMessage) -> Result<MoneyEvent, EventDecodingError> {
        let event: MoneyEvent
        do { event = try MoneyEvent.decode(message.value) } catch {
            return .failure(error)
        }
        guard message.keyString == event.payload.orderKey else {
            return .failure(
                EventDecodingError(
                    code: "event.partition_key_mismatch",
                    message: "Kafka key \(message.keyString ?? "null") is not the owning order \(event.payload.orderKey)"))
        }
        return .success(event)
    }

    /// One transaction for the lane. Transient failures (connection lost, serialization failure, deadlock)
    /// are retried in place with back-off, so the partition is never reordered; any other failure is
    /// narrowed down to the messages that cause it by applying them one by one.
    private func applyRetryingTransients(_ inputs: [LedgerInput], isShuttingDown: @escaping @Sendable () -> Bool) async throws
        -> [Outcome]
    {
        if inputs.isEmpty { return [] }
        var attempt = 0
        while true {
            do {
                let outcomes = try await postgres.withTransaction { connection in
                    try await writer.apply(inputs, on: connection)
                }
                return outcomes.map { .ledger($0) }
            } catch let error as PostgresError where error.isRetriable {
                attempt += 1
                if isShuttingDown() { throw error }
                let backoff = min(settings.maxBackoffMilliseconds, 50 << min(attempt, 7))
                logger.warning("transient ledger failure, retrying in place", metadata: ["attempt": "\(attempt)", "backoffMs": "\(backoff)", "error": "\(error)"])
                Counter(label: "paystream_worker_transient_retries_total").increment()
                try await Task.sleep(nanoseconds: UInt64(backoff) * 1_000_000)
            } catch {
                if inputs.count == 1 { return [.failed("\(error)")] }
                logger.error("batch failed unexpectedly; applying its messages one by one", metadata: ["error": "\(error)"])
                var outcomes: [Outcome] = []
                for input in inputs { outcomes.append(contentsOf: try await applyRetryingTransients([input], isShuttingDown: isShuttingDown)) }
                return outcomes
            }
        }
    }

    /// Holds a message from a retry topic until its time has come.
    private func waitUntilDue(_ message: KafkaMessage, isShuttingDown: @escaping @Sendable () -> Bool) async throws {
        guard let notBefore = message.header(PipelineHeaders.notBefore)?.stringValue.flatMap(Int64.init) else { return }
        while true {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            if now >= notBefore { return }
            if isShuttingDown() { throw CancellationError() }
            try await Task.sleep(nanoseconds: UInt64(min(notBefore - now, 200)) * 1_000_000)
        }
    }

    /// Sends refused and invalid messages to the dead-letter topic and failed ones to the next retry topic,
    /// waiting for Kafka's acknowledgement of each.
    private func forwardFailures(_ messages: [KafkaMessage], _ outcomes: [Outcome]) async throws {
        var outgoing: [KafkaOutgoingMessage] = []
        for (message, outcome) in zip(messages, outcomes) {
            guard let route = routes[message.topic] else { continue }
            let family = route.family.name
            let attempts = Int(message.header(PipelineHeaders.attempts)?.stringValue ?? "") ?? 0
            switch outcome {
            case .ledger(.applied):
                Counter(label: "paystream_worker_messages_total", dimensions: [("family", family), ("outcome", "applied")]).increment()
                logger.debug(
                    "applied",
                    metadata: [
                        "source": "\(message.topic)/\(message.partition)/\(message.offset)", "key": "\(message.keyString ?? "")",
                        "correlation_id": "\(message.header(PipelineHeaders.correlationID)?.stringValue ?? "")",
                        "traceparent": "\(message.header(PipelineHeaders.traceparent)?.stringValue ?? "")",
                    ])
            case .ledger(.duplicate):
                Counter(label: "paystream_worker_messages_total", dimensions: [("family", family), ("outcome", "duplicate")]).increment()
            case .ledger(.rejected(let rejection)):
                outgoing.append(contentsOf: deadLetter(message, route, code: rejection.code, error: rejection.message, attempts: attempts + 1))
            case .invalid(let code, let text):
                outgoing.append(contentsOf: deadLetter(message, route, code: code, error: text, attempts: attempts + 1))
            case .failed(let text):
                guard let next = route.next else { continue }
                let letter = DeadLetter.of(message, errorCode: "processing.failed", error: text, attempts: attempts + 1)
                let notBefore = next.delayMilliseconds.map { Int64(Date().timeIntervalSince1970 * 1000) + Int64($0) }
                outgoing.append(letter.message(to: next.topic, notBeforeMilliseconds: notBefore))
                let outcome = next.delayMilliseconds == nil ? "dead_lettered" : "retried"
                Counter(label: "paystream_worker_messages_total", dimensions: [("family", family), ("outcome", outcome)]).increment()
                logger.error("message failed; sent to \(next.topic)", metadata: ["source": "\(message.topic)/\(message.partition)/\(message.offset)", "error": "\(text)"])
            }
        }
        if !outgoing.isEmpty { _ = try await producer.sendAll(outgoing) }
    }

    private func deadLetter(_ message: KafkaMessage, _ route: TopicRoute, code: String, error: String, attempts: Int) -> [KafkaOutgoingMessage] {
        guard let dlq = route.family.deadLetterTopic else {
            logger.critical("no dead-letter topic for \(route.family.name); message left in place", metadata: ["code": "\(code)"])
            return []
        }
        Counter(label: "paystream_worker_messages_total", dimensions: [("family", route.family.name), ("outcome", "dead_lettered")]).increment()
        logger.warning("dead-lettered", metadata: ["source": "\(message.topic)/\(message.partition)/\(message.offset)", "code": "\(code)", "reason": "\(error)"])
        return [DeadLetter.of(message, errorCode: code, error: error, attempts: attempts).message(to: dlq)]
    }
}
