import EventBus
import Kafka
import Logging

/// Tells whether the worker has applied every grab of an envelope that Kafka held when it was first asked, so that
/// an envelope Redis lost is loaded again only from a ledger that knows all its grabs produced before the loss.
///
/// Guarantees:
/// - The first question about an envelope notes, for its partition (the envelope's order is the grabs' key) of
///   the grabs topic of its route, the high watermark: every grab acknowledged before then lies below it. Once the
///   consuming group (``TopicDeclaration/consumerGroup``) has committed up to that mark, the first retry topic's
///   mark is noted and waited for (``TopicDeclaration/retryConsumerGroup``), and so on: a grab forwarded to a retry
///   topic is forwarded before the offset it came from is committed, so it lies below the next tier's mark. The
///   worker commits offsets only after their batch's PostgreSQL transaction.
/// - A grab whose produce was still on its way when the mark was taken is not covered: the activator's settle
///   period, which comes first, is what waits for those.
/// - No group is joined: ``ConsumerGroupLagProbe`` only reads committed offsets. A worker that is down, or a
///   retry topic that nobody consumes while it holds messages, keeps the envelope waiting (it stays answered
///   `envelope.not_ready`), rather than offering shares a grab in the log already took.
/// - Marks are kept in memory for envelopes waiting to be reloaded only, and forgotten once caught up; another
///   API process asked later takes its own, later, marks (more waiting, never less).
actor GrabLogWatch {
    private let kafka: KafkaConfiguration
    private let registry: TopicRegistry
    private let logger: Logger
    private var probes: [String: ConsumerGroupLagProbe] = [:]
    /// Envelope → topic → the high watermark of the envelope's partition when it was first asked about.
    private var marks: [String: [String: Int64]] = [:]
    /// Envelopes whose wait was logged, so that it is logged once.
    private var noticed: Set<String> = []
    /// How many probe reads were made, for tests: a pass makes one per tier, not one per envelope.
    private(set) var progressReads = 0

    init(kafka: KafkaConfiguration, registry: TopicRegistry, logger: Logger) {
        self.kafka = kafka
        self.registry = registry
        self.logger = logger
    }

    /// Where an envelope stands.
    enum Standing: Equatable {
        /// Every grab Kafka held for it at the first question is committed.
        case caughtUp
        /// The worker has not committed them yet.
        case behind
        /// Kafka did not answer (down, slow): nothing is known.
        case unknown
    }

    /// Where each of `envelopeIDs` stands; an envelope absent from the answer is ``Standing/unknown``.
    ///
    /// The envelopes are asked about together, tier by tier: per tier one ``ConsumerGroupLagProbe`` read (one
    /// metadata request, one watermark query per partition concerned, one committed-offsets request) for all the
    /// envelopes still caught up on the tiers before, within `timeoutMilliseconds` each. A tier Kafka does not
    /// answer leaves its envelopes unknown, and the tiers after it are not asked.
    func standing(of envelopeIDs: [String], timeoutMilliseconds: Int = 5_000) async -> [String: Standing] {
        var answer: [String: Standing] = [:]
        // The envelopes of one route share its topics.
        var routes: [String: (tiers: [(topic: String, group: String)], envelopes: [String])] = [:]
        for envelopeID in Set(envelopeIDs).sorted() {
            do {
                let tiers = try tiers(for: envelopeID)
                routes[tiers[0].topic, default: (tiers, [])].envelopes.append(envelopeID)
            } catch {
                logger.error("envelope reload: no grabs topic", metadata: ["envelope_id": "\(envelopeID)", "error": "\(error)"])
            }
        }
        for (tiers, envelopes) in routes.values {
            var asked = envelopes
            var behind: [String: String] = [:]
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
                    asked = []
                    break
                }
                var next: [String] = []
                for (envelopeID, partition) in zip(asked, progress) {
                    let mark = marks[envelopeID, default: [:]][topic] ?? partition.high
                    marks[envelopeID, default: [:]][topic] = mark
                    if partition.consumedUpTo < mark {
                        behind[envelopeID] = "\(topic)[\(partition.partition)] \(partition.consumedUpTo)/\(mark)"
                        answer[envelopeID] = .behind
                    } else {
                        next.append(envelopeID)
                    }
                }
                asked = next
            }
            for envelopeID in asked {
                answer[envelopeID] = .caughtUp
                marks[envelopeID] = nil
                noticed.remove(envelopeID)
            }
            for (envelopeID, position) in behind where !noticed.contains(envelopeID) {
                noticed.insert(envelopeID)
                logger.notice(
                    "envelope reload waits for the worker to commit the grabs already in Kafka",
                    metadata: ["envelope_id": "\(envelopeID)", "behind": "\(position)"])
            }
        }
        return answer
    }

    /// Drops the marks of an envelope that will not be reloaded.
    func forget(envelopeID: String) {
        marks[envelopeID] = nil
        noticed.remove(envelopeID)
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
