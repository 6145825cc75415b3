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

    init(kafka: KafkaConfiguration, registry: TopicRegistry, logger: Logger) {
        self.kafka = kafka
        self.registry = registry
        self.logger = logger
    }

    /// True once every grab of `envelopeID` in Kafka at the first call was committed by the worker.
    func caughtUp(envelopeID: String) async throws -> Bool {
        let key = Array(envelopeID.utf8)
        var envelopeMarks = marks[envelopeID] ?? [:]
        let first = envelopeMarks.isEmpty
        var behind: [String] = []
        // Tier by tier: a retry topic's mark is taken only once every earlier tier has committed up to its own, as
        // the worker forwards a failing grab to the next tier before it commits the offset it came from.
        for (topic, group) in try topics(for: envelopeID) {
            let progress = try await probe(group).progress(topic: topic, key: key, timeoutMilliseconds: 5_000)
            let mark = envelopeMarks[topic] ?? progress.high
            envelopeMarks[topic] = mark
            if progress.consumedUpTo < mark {
                behind.append("\(topic)[\(progress.partition)] \(progress.consumedUpTo)/\(mark)")
                break
            }
        }
        if behind.isEmpty {
            marks[envelopeID] = nil
            return true
        }
        marks[envelopeID] = envelopeMarks
        if first {
            logger.notice(
                "envelope reload waits for the worker to commit the grabs already in Kafka",
                metadata: ["envelope_id": "\(envelopeID)", "behind": "\(behind.joined(separator: ", "))"])
        }
        return false
    }

    /// Drops the marks of an envelope that will not be reloaded.
    func forget(envelopeID: String) {
        marks[envelopeID] = nil
    }

    /// Releases the probes' clients.
    func close() async {
        for probe in probes.values { await probe.close() }
        probes = [:]
    }

    /// The grabs topic of the envelope's route and its retry topics, each with the group that consumes it.
    private func topics(for envelopeID: String) throws -> [(topic: String, group: String)] {
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
