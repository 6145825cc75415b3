import EventBus
import Kafka
import Logging

/// Tells whether the worker has applied every grab of an envelope that Kafka held when the envelope reloader first
/// looked at its loss, so that an envelope Redis lost is loaded again only from a ledger that knows all its grabs
/// produced before the loss.
///
/// Guarantees:
/// - The first question about a loss notes, for the envelope's partition (the envelope's order is the grabs' key)
///   of the grabs topic of its route, the high watermark: every grab acknowledged before then lies below it. Once
///   the consuming group (``TopicDeclaration/consumerGroup``) has committed up to that mark, the first retry topic's
///   mark is noted and waited for (``TopicDeclaration/retryConsumerGroup``), and so on: a grab forwarded to a retry
///   topic is forwarded before the offset it came from is committed, so it lies below the next tier's mark. The
///   worker commits offsets only after their batch's PostgreSQL transaction.
/// - A grab whose produce was still on its way when the mark was taken is not covered: the reloader's settle
///   period, which comes first, is what waits for those.
/// - No group is joined: ``ConsumerGroupLagProbe`` only reads committed offsets. A worker that is down, or a
///   retry topic that nobody consumes while it holds messages, keeps the envelope waiting (it stays answered
///   `envelope.not_ready`), rather than offering shares a grab in the log already took.
/// - It keeps no marks: the caller gives each envelope the marks taken for its loss so far and keeps those answered
///   (``EnvelopeReloader`` stores them with the loss, `envelopes.reload_marks`, so every API process shares them and
///   they end with the loss).
/// - The envelopes of a question are asked about together, tier by tier: one probe read per tier (one metadata
///   request, one watermark query per partition concerned, one committed-offsets request) for every envelope still
///   caught up on the tiers before. A read Kafka does not answer leaves its envelopes ``Standing/unknown`` and the
///   tiers after it unasked; an envelope is never answered caught up on a tier that was not read.
actor GrabLogWatch {
    private let kafka: KafkaConfiguration
    private let registry: TopicRegistry
    private let logger: Logger
    private var probes: [String: ConsumerGroupLagProbe] = [:]
    /// How many probe reads were made, for tests: a question makes one per tier, not one per envelope.
    private(set) var progressReads = 0

    init(kafka: KafkaConfiguration, registry: TopicRegistry, logger: Logger) {
        self.kafka = kafka
        self.registry = registry
        self.logger = logger
    }

    /// Where an envelope stands.
    enum Standing: Equatable, Sendable {
        /// Every grab Kafka held for it at its marks is committed.
        case caughtUp
        /// The worker has not committed them yet.
        case behind
        /// Kafka did not answer (down, slow), or the envelope's topics are not declared: nothing is known.
        case unknown
    }

    /// Topic → the high watermark of the envelope's partition there when the loss was first looked at.
    typealias Marks = [String: Int64]

    /// Where each envelope stands, given the marks taken for its loss so far, with its marks now (those given and
    /// any taken by this question). Every envelope asked about is in the answer.
    func standing(of envelopes: [String: Marks], timeoutMilliseconds: Int = 5_000) async -> [String: (standing: Standing, marks: Marks)] {
        var answer = envelopes.mapValues { (standing: Standing.unknown, marks: $0) }
        // The envelopes of one route share its topics.
        var routes: [String: (tiers: [(topic: String, group: String)], envelopes: [String])] = [:]
        for envelopeID in envelopes.keys.sorted() {
            do {
                let tiers = try tiers(for: envelopeID)
                routes[tiers[0].topic, default: (tiers, [])].envelopes.append(envelopeID)
            } catch {
                logger.error("envelope reload: no grabs topic", metadata: ["envelope_id": "\(envelopeID)", "error": "\(error)"])
            }
        }
        for (tiers, envelopeIDs) in routes.values {
            var asked = envelopeIDs
            var everyTierRead = true
            // Tier by tier: a retry topic's mark is taken only once every earlier tier has committed up to its own,
            // as the worker forwards a failing grab to the next tier before it commits the offset it came from.
            for (topic, group) in tiers where !asked.isEmpty {
                let progress: [PartitionProgress]
                do {
                    progressReads += 1
                    progress = try await probe(group).progress(
                        topic: topic, keys: asked.map { Array($0.utf8) }, timeoutMilliseconds: timeoutMilliseconds)
                } catch {
                    logger.warning(
                        "envelope reload: where the worker stands on the grabs is unknown",
                        metadata: ["topic": "\(topic)", "group": "\(group)", "envelopes": "\(asked.count)", "error": "\(error)"])
                    everyTierRead = false
                    break
                }
                var next: [String] = []
                for (envelopeID, partition) in zip(asked, progress) {
                    var marks = answer[envelopeID]?.marks ?? [:]
                    let first = marks.isEmpty
                    let mark = marks[topic] ?? partition.high
                    marks[topic] = mark
                    if partition.consumedUpTo < mark {
                        answer[envelopeID] = (.behind, marks)
                        if first {
                            logger.notice(
                                "envelope reload waits for the worker to commit the grabs already in Kafka",
                                metadata: ["envelope_id": "\(envelopeID)", "behind": "\(topic)[\(partition.partition)] \(partition.consumedUpTo)/\(mark)"])
                        }
                    } else {
                        answer[envelopeID] = (.unknown, marks)
                        next.append(envelopeID)
                    }
                }
                asked = next
            }
            if everyTierRead {
                for envelopeID in asked { answer[envelopeID]?.standing = .caughtUp }
            }
        }
        return answer
    }

    /// Releases the probes' clients.
    func close() async {
        for probe in probes.values { await probe.close() }
        probes = [:]
    }

    /// The grabs topic of the envelope's route and its retry topics, each with the group that consumes it.
    private func tiers(for envelopeID: String) throws -> [(topic: String, group: String)] {
        let family = EventPublisher.Family.envelopeGrabs.rawValue
        guard let name = registry.topic(family: family, route: TrafficRoute.of(orderKey: envelopeID)),
            let declaration = registry.declaration(named: name)
        else {
            throw APIError(.internalServerError, "config.topic_missing", "topic family \(family) is not declared")
        }
        return [(declaration.name, declaration.consumerGroup)]
            + declaration.retryTopics.map { ($0.name, declaration.retryConsumerGroup) }
    }

    private func probe(_ group: String) throws -> ConsumerGroupLagProbe {
        if let probe = probes[group] { return probe }
        let probe = try ConsumerGroupLagProbe(configuration: kafka, group: group)
        probes[group] = probe
        return probe
    }
}
