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
    /// order (so every partition stays in offset order: a batch's rules run only after the one before has
    /// committed). While one batch is written, the next one is decoded and split into lanes on another thread,
    /// and, when both are one lane and name no common key or order, claimed on a second connection (see
    /// ``start(_:after:in:isShuttingDown:)``), so the worker's CPU and PostgreSQL's overlap instead of taking turns.
    func process(_ polled: [KafkaMessage], isShuttingDown: @escaping @Sendable () -> Bool) async throws {
        let size = max(1, settings.batchMaxMessages)
        let starts = Array(stride(from: 0, to: polled.count, by: size))
        guard !starts.isEmpty else { return }
        func prepareBatch(at n: Int) -> PreparedBatch {
            prepare(Array(polled[starts[n]..<min(starts[n] + size, polled.count)]))
        }
        // A task group, so that the batches' tasks share this task's cancellation and end before it returns.
        try await withThrowingTaskGroup(of: Void.self) { group in
            var current = prepareBatch(at: 0)
            var running: RunningBatch?
            for n in starts.indices {
                // Pure computation: if a batch fails, the next one's preparation just finishes unused.
                let upcoming = n + 1 < starts.count ? Task { prepareBatch(at: n + 1) } : nil
                running = try await start(current, after: running, in: &group, isShuttingDown: isShuttingDown)
                guard let upcoming else { break }
                current = await upcoming.value
            }
            try await running?.finished.wait()
            try await group.waitForAll()
        }
    }

    /// A batch decoded and split into lanes, ready to apply.
    struct PreparedBatch: Sendable {
        let messages: [KafkaMessage]
        let decoded: [Result<MoneyEvent, EventDecodingError>]
        let lanes: [[Int]]
        /// The rows claiming it locks, when it is one lane (only such a batch is claimed beside another).
        let claimed: LedgerBatchWriter.ClaimedRows?
    }

    func prepare(_ batch: [KafkaMessage]) -> PreparedBatch {
        let decoded = batch.map(decode)
        let lanes = Self.lanes(for: batch, decoded: decoded, count: settings.lanes)
        let claimed = lanes.count == 1 ? LedgerBatchWriter.ClaimedRows(decoded.lazy.compactMap { try? $0.get() }) : nil
        return PreparedBatch(messages: batch, decoded: decoded, lanes: lanes, claimed: claimed)
    }

    /// A batch being applied, in a task of the poll's group: `finished` is set when all of it has ended (the
    /// ledger, then its dead letters and retries), `committed` when its ledger work has (committed, or failed for
    /// good).
    struct RunningBatch: Sendable {
        let finished: OneShotSignal
        let committed: OneShotSignal
        let claimed: LedgerBatchWriter.ClaimedRows?
    }

    /// A batch's transaction gave up because the batch before it failed: it rolled back, and the poll is
    /// processed again.
    struct PredecessorFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `batch` and returns once the batch before it (`previous`) has ended, successfully (else throws).
    ///
    /// When both are one lane and their claimed rows are disjoint, `batch` is started at once: its transaction
    /// claims its keys and orders while `previous` is still writing, then waits for `previous` to commit before
    /// it locks its accounts and runs its rules (``LedgerBatchWriter/claim(_:on:)`` says why neither can wait for
    /// the other). If `previous` fails, `batch` rolls back before this returns. Otherwise `previous` ends first.
    private func start(
        _ batch: PreparedBatch, after previous: RunningBatch?, in group: inout ThrowingTaskGroup<Void, any Error>,
        isShuttingDown: @escaping @Sendable () -> Bool
    ) async throws -> RunningBatch {
        guard let previous else { return launch(batch, after: nil, in: &group, isShuttingDown: isShuttingDown) }
        guard let earlier = previous.claimed, let later = batch.claimed, earlier.isDisjoint(with: later) else {
            try await previous.finished.wait()
            return launch(batch, after: nil, in: &group, isShuttingDown: isShuttingDown)
        }
        let next = launch(batch, after: previous.committed, in: &group, isShuttingDown: isShuttingDown)
        do {
            try await previous.finished.wait()
        } catch {
            // Its ledger may have committed before its dead letters failed: then `next` goes on and commits too,
            // which is harmless, as the poll is processed again. Either way nothing is left running.
            try? await next.finished.wait()
            throw error
        }
        return next
    }

    private func launch(
        _ batch: PreparedBatch, after predecessor: OneShotSignal?, in group: inout ThrowingTaskGroup<Void, any Error>,
        isShuttingDown: @escaping @Sendable () -> Bool
    ) -> RunningBatch {
        let committed = OneShotSignal(), finished = OneShotSignal()
        group.addTask {
            do {
                try await apply(batch, after: predecessor, committed: committed, isShuttingDown: isShuttingDown)
            } catch {
                finished.fail(error)
                throw error
            }
            finished.succeed()
        }
        return RunningBatch(finished: finished, committed: committed, claimed: batch.claimed)
    }

    private func apply(
        _ batch: PreparedBatch, after predecessor: OneShotSignal?, committed: OneShotSignal,
        isShuttingDown: @escaping @Sendable () -> Bool
    ) async throws {
        let messages = batch.messages, decoded = batch.decoded
        if batch.lanes.count == 1 {
            let lane = batch.lanes[0]
            try await processLane(
                lane.map { messages[$0] }, lane.map { decoded[$0] }, after: predecessor, committed: committed, isShuttingDown: isShuttingDown)
            return
        }
        // Several lanes: never started beside another batch (`claimed` is nil), so there is no predecessor.
        precondition(predecessor == nil, "a batch of several lanes is started only after the one before has ended")
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in batch.lanes {
                    let laneMessages = lane.map { messages[$0] }, events = lane.map { decoded[$0] }
                    group.addTask { try await processLane(laneMessages, events, after: nil, committed: nil, isShuttingDown: isShuttingDown) }
                }
                try await group.waitForAll()
            }
        } catch {
            committed.fail(PredecessorFailed(description: "the batch before failed: \(error)"))
            throw error
        }
        committed.succeed()
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

    /// Applies one lane in one transaction (retried as needed) and then forwards its refused and failed messages.
    /// With a `predecessor`, the transaction claims its rows and waits for it before the rules run. `committed`
    /// is set once the lane's ledger work has ended: committed, or failed for good.
    private func processLane(
        _ messages: [KafkaMessage], _ decoded: [Result<MoneyEvent, EventDecodingError>], after predecessor: OneShotSignal?,
        committed: OneShotSignal?, isShuttingDown: @escaping @Sendable () -> Bool
    ) async throws {
        var outcomes: [Outcome?] = Array(repeating: nil, count: messages.count)
        do {
            var inputs: [(index: Int, input: LedgerInput)] = []
            for (i, message) in messages.enumerated() {
                try await waitUntilDue(message, isShuttingDown: isShuttingDown)
                switch decoded[i] {
                case .success(let event):
                    let source = "\(message.topic)/\(message.partition)/\(message.offset)"
                    let traceparent = message.header(PipelineHeaders.traceparent)?.stringValue
                    let replayed = message.header(PipelineHeaders.replayedFrom) != nil
                    inputs.append((i, LedgerInput(event: event, source: source, traceparent: traceparent, reconsider: replayed)))
                case .failure(let error): outcomes[i] = .invalid(code: error.code, message: error.message)
                }
            }
            let results = try await applyRetryingTransients(inputs.map(\.input), after: predecessor, isShuttingDown: isShuttingDown)
            for (n, result) in results.enumerated() { outcomes[inputs[n].index] = result }
        } catch {
            committed?.fail(PredecessorFailed(description: "the batch before failed: \(error)"))
            throw error
        }
        committed?.succeed()
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

    /// A statement cancelled (its `statement_timeout`) or out of memory may be the batch's own doing (too big, a
    /// pathological one): after this many attempts in place it is narrowed down by halves instead, as any other failure.
    static let inPlaceAttemptsForBatchConditions = 5

    static func mayBeTheBatchs(_ error: PostgresError) -> Bool {
        error.sqlState == PostgresError.queryCanceled || error.sqlState == "53200"
    }

    /// How long a batch holds its claim, and its connection, waiting for the batch before it to commit.
    static let predecessorWaitWithConnection: Duration = .seconds(2)

    /// One transaction for the lane. Transient failures (connection lost, serialization failure, deadlock) and
    /// conditions of the server no message causes (read-only after a failover, disk full, a statement cancelled:
    /// ``PostgresError/isServerCondition``) are retried in place with back-off, for as long as they last, so the
    /// partition is never reordered and no message is blamed for them; a cancelled task ends the poll, which is
    /// delivered again. Any other failure is narrowed down to the messages that cause it by applying the batch
    /// again in halves, the first before the second, down to single messages. With a `predecessor`, every
    /// attempt claims its rows, then waits for the predecessor's commit before the rules run; if the
    /// predecessor fails, the transaction rolls back and ``PredecessorFailed`` is thrown.
    private func applyRetryingTransients(
        _ inputs: [LedgerInput], after predecessor: OneShotSignal?, isShuttingDown: @escaping @Sendable () -> Bool
    ) async throws -> [Outcome] {
        if inputs.isEmpty { return [] }
        var attempt = 0
        while true {
            do {
                let outcomes = try await postgres.withTransaction { connection in
                    let claim = try await writer.claim(inputs, on: connection)
                    if let predecessor { try await predecessor.wait(atMost: Self.predecessorWaitWithConnection) }
                    return try await writer.finish(claim, on: connection)
                }
                return outcomes.map { .ledger($0) }
            } catch let error as PredecessorFailed {
                throw error
            } catch is OneShotSignal.TimedOut {
                // The batch before is slow (retrying a transient failure, narrowing one down): this transaction's
                // connection is given back while it waits, so that waiting batches cannot hold every connection of
                // the pool that the batch before needs to finish. Claimed again once it has.
                try await predecessor?.wait()
            } catch let error as PostgresError
                where error.isRetriable || (error.isServerCondition && !(Self.mayBeTheBatchs(error) && attempt >= Self.inPlaceAttemptsForBatchConditions))
            {
                attempt += 1
                if isShuttingDown() { throw error }
                let backoff = min(settings.maxBackoffMilliseconds, 50 << min(attempt, 7))
                let metadata: Logger.Metadata = ["attempt": "\(attempt)", "backoffMs": "\(backoff)", "error": "\(error)"]
                if error.isServerCondition {
                    logger.error("the database cannot apply the batch for now; retrying in place", metadata: metadata)
                } else {
                    logger.warning("transient ledger failure, retrying in place", metadata: metadata)
                }
                Counter(label: "paystream_worker_transient_retries_total").increment()
                try await Task.sleep(nanoseconds: UInt64(backoff) * 1_000_000)
            } catch let error as CancellationError {
                // The lane was cancelled (its poll is ending): no message is at fault, and the poll is delivered again.
                throw error
            } catch {
                if inputs.count == 1 { return [.failed("\(error)")] }
                // Halves, in order: one message that fails costs about 2 x log2(n) transactions, where applying
                // every message alone cost n. The part before the failing message commits before the part after.
                logger.error(
                    "batch failed unexpectedly; applying it again in two halves",
                    metadata: ["messages": "\(inputs.count)", "error": "\(error)"])
                let middle = inputs.count / 2
                let first = try await applyRetryingTransients(Array(inputs[..<middle]), after: predecessor, isShuttingDown: isShuttingDown)
                let second = try await applyRetryingTransients(Array(inputs[middle...]), after: predecessor, isShuttingDown: isShuttingDown)
                return first + second
            }
        }
    }

    /// Holds a message from a retry topic until its time has come. The time was set on the clock of the worker that
    /// sent it there: a wait is never longer than the tier's own delay from now, so a clock ahead (or a corrupt
    /// header) cannot stall the partition past the poll limit.
    private func waitUntilDue(_ message: KafkaMessage, isShuttingDown: @escaping @Sendable () -> Bool) async throws {
        guard let stated = message.header(PipelineHeaders.notBefore)?.stringValue.flatMap(Int64.init) else { return }
        var notBefore = stated
        if let route = routes[message.topic], route.tier > 0, route.tier <= route.family.retryTopics.count {
            let delay = Int64(route.family.retryTopics[route.tier - 1].delayMs)
            notBefore = min(stated, Int64(Date().timeIntervalSince1970 * 1000) + delay)
        }
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
                var forwarded = letter.message(to: next.topic, notBeforeMilliseconds: notBefore)
                // A replay stays a replay on the retry topics, so that its rejected key is still reconsidered there
                // (and its letter, if it ends in the dead letters, names the one it was replayed from).
                if let replayed = message.header(PipelineHeaders.replayedFrom) { forwarded.headers.append(replayed) }
                outgoing.append(forwarded)
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
