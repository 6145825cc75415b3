import EventBus
import Foundation
import Kafka
import Logging
import Postgres

/// The dead-letter tool's operations, independent of the command line: read dead-letter topics with their
/// recorded actions, replay letters to their original topics, drop them.
///
/// Guarantees:
/// - Reading never changes anything: topics are read without a consumer group and without commits.
/// - Nothing is ever deleted, from Kafka or from `dead_letter_actions`; a decision is a new row.
/// - A replay is recorded only after the broker acknowledged the replayed message (idempotent producer,
///   acks=all), inside a transaction holding the letter's lock, in which the letter's status is checked
///   again: a letter already replayed or dropped is refused unless `force` is set, even when two operators
///   act at once. Letters are replayed one at a time, in dead-letter order, so one key's letters keep order.
/// - A dry run produces nothing and records nothing.
public final class DeadLetterService: Sendable {
    private let kafka: KafkaConfiguration
    private let reader: KafkaTopicReader
    private let store: DeadLetterActionStore
    private let logger: Logger
    /// Upper bound for reading one topic, in milliseconds.
    public let readTimeoutMilliseconds: Int

    public init(
        kafka: KafkaConfiguration, postgres: PostgresClient, readTimeoutMilliseconds: Int = 30_000,
        logger: Logger = Logger(label: "paystream.dlq")
    ) throws {
        precondition(readTimeoutMilliseconds > 0, "the read timeout must be positive")
        self.kafka = kafka
        self.reader = try KafkaTopicReader(configuration: kafka, logger: logger)
        self.store = DeadLetterActionStore(client: postgres)
        self.logger = logger
        self.readTimeoutMilliseconds = readTimeoutMilliseconds
    }

    /// Releases the Kafka reader. The PostgreSQL client belongs to the caller.
    public func close() async {
        await reader.close()
    }

    // MARK: reading

    /// What ``list(topics:filter:skipMissingTopics:)`` found.
    public struct Listing: Sendable {
        /// Matching letters, ordered by dead-letter topic, partition and offset.
        public let entries: [DeadLetterEntry]
        /// Topics that do not exist on the cluster (only when asked to skip them).
        public let missingTopics: [String]
        /// Letters older than the newest `newestPerPartition` of their partition, which were not read (0 when
        /// every letter was read). Nothing is known about whether they match the filter.
        public let notRead: Int64

        public init(entries: [DeadLetterEntry], missingTopics: [String], notRead: Int64 = 0) {
            self.entries = entries
            self.missingTopics = missingTopics
            self.notRead = notRead
        }
    }

    /// Every letter of `topics` that matches `filter`, or with `newestPerPartition` only among the newest that
    /// many letters of each partition (``Listing/notRead`` counts the others), so that a page stays bounded
    /// however many letters pile up. A topic missing on the cluster is an error unless `skipMissingTopics`, or it is
    /// one of `optionalTopics` (then it is reported in ``Listing/missingTopics``).
    public func list(
        topics: [String], filter: DeadLetterFilter, skipMissingTopics: Bool = false, optionalTopics: Set<String> = [],
        newestPerPartition: Int? = nil
    ) async throws -> Listing {
        precondition(newestPerPartition.map { $0 > 0 } ?? true, "newestPerPartition must be positive")
        var entries: [DeadLetterEntry] = []
        var missing: [String] = []
        var notRead: Int64 = 0
        for topic in topics {
            let messages: [KafkaMessage]
            do {
                var starts: [Int32: Int64] = [:]
                if let newest = newestPerPartition {
                    for marks in try await reader.watermarks(topic: topic, timeoutMilliseconds: readTimeoutMilliseconds) {
                        let start = max(marks.low, marks.high - Int64(newest))
                        starts[marks.partition] = start
                        notRead += start - marks.low
                    }
                }
                messages = try await reader.readAll(topic: topic, from: starts, timeoutMilliseconds: readTimeoutMilliseconds)
            } catch let error as KafkaError
                where (skipMissingTopics || optionalTopics.contains(topic)) && KafkaTopicReader.isUnknownTopic(error)
            {
                missing.append(topic)
                continue
            }
            let actions = try await store.actions(topic: topic)
            for message in messages {
                let address = DeadLetterAddress(topic: message.topic, partition: message.partition, offset: message.offset)
                let entry = DeadLetterEntry(message: message, actions: actions[address] ?? [])
                if filter.matches(entry) { entries.append(entry) }
            }
        }
        return Listing(entries: entries.sorted { $0.address < $1.address }, missingTopics: missing, notRead: notRead)
    }

    /// The letter at `address` with its actions, or nil if the topic holds no message there.
    public func entry(at address: DeadLetterAddress) async throws -> DeadLetterEntry? {
        guard
            let message = try await reader.readOne(
                topic: address.topic, partition: address.partition, offset: address.offset,
                timeoutMilliseconds: readTimeoutMilliseconds)
        else { return nil }
        return DeadLetterEntry(message: message, actions: try await store.actions(for: address))
    }

    // MARK: replaying

    /// What replaying one letter produces (or would produce).
    public struct ReplayPlan: Sendable {
        public let address: DeadLetterAddress
        /// The original message with `paystream-replayed-from`; `partition` is set only for a null key.
        public let message: KafkaOutgoingMessage
        /// Where the message goes: the key's murmur2 partition, or for a null key the original partition.
        public let partition: Int32
        public let originalPartition: Int32
    }

    /// The result of replaying one letter.
    public enum ReplayOutcome: Sendable {
        /// Dry run: nothing produced, nothing recorded.
        case wouldReplay(ReplayPlan)
        case replayed(ReplayPlan, KafkaDeliveryReport)
        /// Not replayed: already replayed or dropped (and not forced), or not a dead letter at all.
        case refused(DeadLetterAddress, reason: String)
        /// The message may or may not have been produced; `reason` says which step failed.
        case failed(DeadLetterAddress, reason: String)

        public var address: DeadLetterAddress {
            switch self {
            case .wouldReplay(let plan), .replayed(let plan, _): plan.address
            case .refused(let address, _), .failed(let address, _): address
            }
        }
    }

    /// Replays `entries` one at a time, in the order their originals had (``replayOrder(_:)``). Never throws: each
    /// letter's outcome is returned.
    public func replay(
        _ entries: [DeadLetterEntry], reason: String, actor: String, force: Bool, dryRun: Bool
    ) async -> [ReplayOutcome] {
        precondition(!reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "a replay needs a reason")
        var outcomes: [ReplayOutcome] = []
        var partitionCounts: [String: Int] = [:]
        var producer: KafkaProducer?
        for entry in Self.replayOrder(entries) {
            guard let letter = entry.letter else {
                outcomes.append(.refused(entry.address, reason: "not a dead letter: it lacks the paystream-original-* headers"))
                continue
            }
            if !force && entry.status != .pending {
                outcomes.append(.refused(entry.address, reason: Self.alreadyDecided(entry.actions)))
                continue
            }
            let plan: ReplayPlan
            do {
                if partitionCounts[letter.originalTopic] == nil {
                    partitionCounts[letter.originalTopic] = try await reader.partitionCount(topic: letter.originalTopic)
                }
                plan = Self.plan(entry.address, letter, partitionCount: partitionCounts[letter.originalTopic]!)
            } catch {
                outcomes.append(.failed(entry.address, reason: "original topic \(letter.originalTopic): \(error)"))
                continue
            }
            if dryRun {
                outcomes.append(.wouldReplay(plan))
                continue
            }
            do {
                if producer == nil {
                    producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: kafka), logger: logger)
                }
                outcomes.append(
                    await replayOne(plan, producer: producer!, reason: reason, actor: actor, force: force))
            } catch {
                outcomes.append(.failed(entry.address, reason: "cannot create the producer: \(error)"))
            }
        }
        await producer?.shutdown()
        return outcomes
    }

    private struct Refusal: Error { let reason: String }

    private func replayOne(
        _ plan: ReplayPlan, producer: KafkaProducer, reason: String, actor: String, force: Bool
    ) async -> ReplayOutcome {
        var delivered: KafkaDeliveryReport?
        do {
            let report = try await store.withLetterLock(plan.address) { connection -> KafkaDeliveryReport in
                // Checked again under the lock: another operator may have acted since the letter was read.
                let actions = try await DeadLetterActionStore.actions(for: plan.address, on: connection)
                if !force && DeadLetterStatus(actions: actions) != .pending {
                    throw Refusal(reason: Self.alreadyDecided(actions))
                }
                let report = try await producer.send(plan.message)
                delivered = report
                try await DeadLetterActionStore.record(plan.address, kind: .replayed, reason: reason, actor: actor, on: connection)
                return report
            }
            if report.partition != plan.originalPartition {
                logger.warning(
                    "replayed to another partition than the original (partition count changed?)",
                    metadata: ["letter": "\(plan.address)", "partition": "\(report.partition)",
                               "original": "\(plan.originalPartition)"])
            }
            return .replayed(plan, report)
        } catch let refusal as Refusal {
            return .refused(plan.address, reason: refusal.reason)
        } catch {
            if let delivered {
                return .failed(
                    plan.address,
                    reason: "PRODUCED to \(delivered.topic)[\(delivered.partition)]@\(delivered.offset) but NOT RECORDED "
                        + "(\(error)); the replay happened: do not replay it again without checking")
            }
            return .failed(plan.address, reason: "not produced, nothing recorded: \(error)")
        }
    }

    /// The order letters are replayed in: their originals' order (topic, partition, offset), not the dead-letter
    /// topic's. One order's messages can reach the dead letters out of order: a refused one goes there at once, one
    /// that failed only after every retry tier, so the later message can be the earlier letter. Replayed in the
    /// dead-letter order, the later message would be refused again. Letters without origin headers come last.
    public static func replayOrder(_ entries: [DeadLetterEntry]) -> [DeadLetterEntry] {
        entries.enumerated().sorted { a, b in
            switch (a.element.letter, b.element.letter) {
            case (let x?, let y?):
                if x.originalTopic != y.originalTopic { return x.originalTopic < y.originalTopic }
                if x.originalPartition != y.originalPartition { return x.originalPartition < y.originalPartition }
                if x.originalOffset != y.originalOffset { return x.originalOffset < y.originalOffset }
                return a.offset < b.offset
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.offset < b.offset
            }
        }.map(\.element)
    }

    static func plan(_ address: DeadLetterAddress, _ letter: DeadLetter, partitionCount: Int) -> ReplayPlan {
        var message = letter.replayMessage(source: address.description)
        let partition: Int32
        if let key = message.key {
            partition = Murmur2.partition(forKey: key, partitionCount: Int32(partitionCount))
        } else {
            // A null key would be spread at random; keep the message where it was.
            partition = letter.originalPartition
            message.partition = partition
        }
        return ReplayPlan(address: address, message: message, partition: partition, originalPartition: letter.originalPartition)
    }

    static func alreadyDecided(_ actions: [DeadLetterAction]) -> String {
        guard let last = actions.last else { return "pending" }
        return "already \(last.kind.rawValue) at \(DeadLetterTime.format(last.createdAt)) by \(last.actor) "
            + "(\(last.reason)); use --force to replay it again"
    }

    // MARK: dropping

    /// The result of dropping one letter.
    public enum DropOutcome: Sendable {
        case dropped(DeadLetterAction)
        /// The latest decision is already a drop; nothing was recorded.
        case alreadyDropped(DeadLetterAction)
        /// The latest decision is a replay: the message is back on its topic, and a drop cannot take that back;
        /// nothing was recorded (a replay refused again has a letter of its own, which may be dropped).
        case alreadyReplayed(DeadLetterAction)
        /// The topic holds no message at that address; nothing was recorded.
        case notFound
    }

    /// Records that the letter at `address` will not be replayed. Deletes nothing. A letter whose latest decision
    /// is a replay is not marked dropped: its record would say the message was left out while it was applied.
    public func drop(_ address: DeadLetterAddress, reason: String, actor: String) async throws -> DropOutcome {
        precondition(!reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "a drop needs a reason")
        guard try await entry(at: address) != nil else { return .notFound }
        return try await store.withLetterLock(address) { connection in
            let actions = try await DeadLetterActionStore.actions(for: address, on: connection)
            if let last = actions.last, last.kind == .dropped { return .alreadyDropped(last) }
            if let last = actions.last, last.kind == .replayed { return .alreadyReplayed(last) }
            return .dropped(
                try await DeadLetterActionStore.record(address, kind: .dropped, reason: reason, actor: actor, on: connection))
        }
    }
}
