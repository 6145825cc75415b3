import EventBus
import Foundation
import Kafka
import Logging
import Testing
import TestSupport

@testable import PaystreamAPI

/// The envelope reload's view of the worker, against the embedded broker: which envelopes' grabs are committed,
/// asked for many envelopes at once.
@Suite("Grab log watch", .serialized)
struct GrabLogWatchTests {
    /// A grabs family of its own (`<unique>.envelope.grabs`, 4 partitions, two retry tiers), its topics created.
    private func family() throws -> (registry: TopicRegistry, declaration: TopicDeclaration) {
        let name = TestEnvironment.uniqueName("glw") + ".envelope.grabs"
        let json = """
            {"name": "\(name)", "description": "grabs", "partitions": 4, "replicationFactor": 3, "config": {},
             "key": {"field": "envelopeOrderId", "meaning": "the envelope"},
             "schema": {"name": "EnvelopeGrabbed", "version": 1, "contentType": "application/json"},
             "consumerGroup": "\(TestEnvironment.uniqueName("glw-group"))", "retry": {"delaysMs": [1000, 2000]}}
            """
        let declaration = try JSONDecoder().decode(TopicDeclaration.self, from: Data(json.utf8))
        for topic in [declaration.name] + declaration.retryTopics.map(\.name) {
            try KafkaTestCluster.control("CREATE \(topic) 4 3")
        }
        return (try TopicRegistry(declarations: [declaration]), declaration)
    }

    private func message(_ topic: String, _ envelopeID: String, _ n: Int) -> KafkaOutgoingMessage {
        KafkaOutgoingMessage(topic: topic, key: envelopeID, value: "grab \(n) of \(envelopeID)")
    }

    /// Reads `topic` as `group` and commits the messages `keep` selects (all of them when nil).
    private func consumeAndCommit(
        _ topic: String, group: String, count: Int, keep: ((KafkaMessage) -> Bool)? = nil
    ) async throws {
        let consumer = try KafkaTestCluster.consumer(group: group, topics: [topic])
        let read = try await KafkaTestCluster.consume(consumer, count: count, commit: false)
        #expect(read.count == count)
        try await consumer.commit(read.filter { keep?($0) ?? true })
        await consumer.close()
    }

    @Test("many envelopes are asked about in one read per tier, and each waits for its own partition's mark")
    func envelopesAreAskedAboutTogether() async throws {
        let (registry, grabs) = try family()
        let envelopes = (0..<20).map { "ENV\($0)-\(UUID().uuidString.prefix(8))" }
        let producer = try KafkaTestCluster.producer()
        _ = try await producer.sendAll(envelopes.map { message(grabs.name, $0, 1) })
        let watch = GrabLogWatch(kafka: try KafkaTestCluster.configuration(clientID: "glw"), registry: registry, logger: Logger(label: "glw"))

        // Nothing committed: every envelope has a grab in Kafka the worker has not committed. One read answered all
        // twenty, and the retry tiers were not asked.
        let first = await watch.standing(of: envelopes)
        #expect(first == Dictionary(uniqueKeysWithValues: envelopes.map { ($0, GrabLogWatch.Standing.behind) }))
        #expect(await watch.progressReads == 1)

        // More grabs arrive after the marks were taken; the worker commits only the first ones. The marks stand:
        // every envelope is caught up, after one read of each of the three tiers (the retry topics are empty).
        _ = try await producer.sendAll(envelopes.map { message(grabs.name, $0, 2) })
        try await consumeAndCommit(grabs.name, group: grabs.consumerGroup, count: 40) { $0.valueString.hasPrefix("grab 1 ") }
        let second = await watch.standing(of: envelopes)
        #expect(second == Dictionary(uniqueKeysWithValues: envelopes.map { ($0, GrabLogWatch.Standing.caughtUp) }))
        #expect(await watch.progressReads == 4)

        // The worker commits the second grabs too, and one grab is forwarded to the first retry topic, where the
        // retry group has not committed it. The envelopes caught up took new marks (theirs were forgotten): the main
        // topic answers for them all, and on the retry topic the forwarded grab keeps its envelope waiting, with
        // those that share its partition there (the mark is a partition's), and no other.
        let retried = envelopes[7]
        let reports = try await producer.sendAll([message(grabs.retryTopics[0].name, retried, 1)])
        try await consumeAndCommit(grabs.name, group: grabs.consumerGroup, count: 20)
        let third = await watch.standing(of: envelopes)
        let sharing = Set(envelopes.filter { Murmur2.partition(forKey: Array($0.utf8), partitionCount: 4) == reports[0].partition })
        #expect(sharing.contains(retried))
        for envelope in envelopes {
            #expect(third[envelope] == (sharing.contains(envelope) ? .behind : .caughtUp), "\(envelope)")
        }
        #expect(await watch.progressReads == 7)

        try await consumeAndCommit(grabs.retryTopics[0].name, group: grabs.retryConsumerGroup, count: 1)
        #expect(await watch.standing(of: [retried]) == [retried: .caughtUp])
        await producer.shutdown()
        await watch.close()
    }

    @Test("when Kafka does not answer, nothing is known and the pass ends after one timed-out read")
    func anUnreachableBrokerLeavesEveryEnvelopeUnknown() async throws {
        let (registry, _) = try family()
        let nowhere = KafkaConfiguration(bootstrapServers: "127.0.0.1:\(try freePort())", clientID: "glw-nowhere")
        let watch = GrabLogWatch(kafka: nowhere, registry: registry, logger: Logger(label: "glw"))
        let envelopes = (0..<30).map { "ENV\($0)" }
        let answer = await watch.standing(of: envelopes, timeoutMilliseconds: 1_000)
        #expect(answer.isEmpty, "unknown envelopes are absent from the answer, never caught up")
        #expect(await watch.progressReads == 1)
        await watch.close()
    }
}
