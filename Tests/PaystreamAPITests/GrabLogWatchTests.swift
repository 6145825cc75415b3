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

    /// Asks about `envelopes` as the reloader does: with the marks kept for each loss, keeping the marks answered,
    /// and dropping those of an envelope caught up (its loss ends with its reload).
    private func ask(_ watch: GrabLogWatch, _ envelopes: [String], marks: inout [String: GrabLogWatch.Marks], timeout: Int = 5_000)
        async -> [String: GrabLogWatch.Standing]
    {
        let answer = await watch.standing(
            of: Dictionary(uniqueKeysWithValues: envelopes.map { ($0, marks[$0] ?? [:]) }), timeoutMilliseconds: timeout)
        for (envelopeID, standing) in answer {
            marks[envelopeID] = standing.standing == .caughtUp ? nil : standing.marks
        }
        return answer.mapValues(\.standing)
    }

    private func all(_ envelopes: [String], _ standing: GrabLogWatch.Standing) -> [String: GrabLogWatch.Standing] {
        Dictionary(uniqueKeysWithValues: envelopes.map { ($0, standing) })
    }

    @Test("many envelopes are asked about in one read per tier, and each waits for its own partition's mark")
    func envelopesAreAskedAboutTogether() async throws {
        let (registry, grabs) = try family()
        let envelopes = (0..<20).map { "ENV\($0)-\(UUID().uuidString.prefix(8))" }
        let producer = try KafkaTestCluster.producer()
        _ = try await producer.sendAll(envelopes.map { message(grabs.name, $0, 1) })
        let watch = GrabLogWatch(kafka: try KafkaTestCluster.configuration(clientID: "glw"), registry: registry, logger: Logger(label: "glw"))
        var marks: [String: GrabLogWatch.Marks] = [:]

        // Nothing committed: every envelope has a grab in Kafka the worker has not committed. One read answered all
        // twenty, and the retry tiers were not asked: only the main topic's marks were taken.
        #expect(await ask(watch, envelopes, marks: &marks) == all(envelopes, .behind))
        #expect(await watch.progressReads == 1)
        #expect(marks.values.allSatisfy { Array($0.keys) == [grabs.name] && $0[grabs.name] ?? 0 >= 1 })

        // More grabs arrive after the marks were taken; the worker commits only the first ones. The marks stand:
        // every envelope is caught up, after one read of each of the three tiers (the retry topics are empty).
        _ = try await producer.sendAll(envelopes.map { message(grabs.name, $0, 2) })
        try await consumeAndCommit(grabs.name, group: grabs.consumerGroup, count: 40) { $0.valueString.hasPrefix("grab 1 ") }
        #expect(await ask(watch, envelopes, marks: &marks) == all(envelopes, .caughtUp))
        #expect(await watch.progressReads == 4)
        #expect(marks.isEmpty)

        // A new loss of them all (no marks). The worker commits the second grabs too, and one grab is forwarded to the
        // first retry topic, where the retry group has not committed it. The main topic answers for them all, and
        // on the retry topic the forwarded grab keeps its envelope waiting, with those that share its partition
        // there (the mark is a partition's), and no other.
        let retried = envelopes[7]
        let reports = try await producer.sendAll([message(grabs.retryTopics[0].name, retried, 1)])
        try await consumeAndCommit(grabs.name, group: grabs.consumerGroup, count: 20)
        let third = await ask(watch, envelopes, marks: &marks)
        let sharing = Set(envelopes.filter { Murmur2.partition(forKey: Array($0.utf8), partitionCount: 4) == reports[0].partition })
        #expect(sharing.contains(retried))
        #expect(third == Dictionary(uniqueKeysWithValues: envelopes.map { ($0, sharing.contains($0) ? GrabLogWatch.Standing.behind : .caughtUp) }))
        #expect(await watch.progressReads == 7)

        try await consumeAndCommit(grabs.retryTopics[0].name, group: grabs.retryConsumerGroup, count: 1)
        #expect(await ask(watch, Array(sharing), marks: &marks) == all(Array(sharing), .caughtUp))
        await producer.shutdown()
        await watch.close()
    }

    @Test("a retry topic's mark is taken only once the tier before it is caught up")
    func aGrabForwardedBeforeTheCommitIsWaitedFor() async throws {
        let (registry, grabs) = try family()
        let envelope = "ENVT-\(UUID().uuidString.prefix(8))"
        let producer = try KafkaTestCluster.producer()
        _ = try await producer.sendAll([message(grabs.name, envelope, 1)])
        let watch = GrabLogWatch(kafka: try KafkaTestCluster.configuration(clientID: "glw"), registry: registry, logger: Logger(label: "glw"))
        var marks: [String: GrabLogWatch.Marks] = [:]
        #expect(await ask(watch, [envelope], marks: &marks) == [envelope: .behind])

        // The worker fails the grab, forwards it to the first retry topic, then commits the main topic's offset:
        // the forwarded grab came after the first question, and still holds the envelope back.
        _ = try await producer.sendAll([message(grabs.retryTopics[0].name, envelope, 1)])
        try await consumeAndCommit(grabs.name, group: grabs.consumerGroup, count: 1)
        #expect(await ask(watch, [envelope], marks: &marks) == [envelope: .behind])
        #expect(marks[envelope]?[grabs.retryTopics[0].name] == 1)

        try await consumeAndCommit(grabs.retryTopics[0].name, group: grabs.retryConsumerGroup, count: 1)
        #expect(await ask(watch, [envelope], marks: &marks) == [envelope: .caughtUp])
        await producer.shutdown()
        await watch.close()
    }

    @Test("a tier Kafka cannot read leaves unknown the envelopes caught up before it, and the others behind")
    func aTierThatCannotBeReadIsNotPassed() async throws {
        let name = TestEnvironment.uniqueName("glw") + ".envelope.grabs"
        let json = """
            {"name": "\(name)", "description": "grabs", "partitions": 4, "replicationFactor": 3, "config": {},
             "key": {"field": "envelopeOrderId", "meaning": "the envelope"},
             "schema": {"name": "EnvelopeGrabbed", "version": 1, "contentType": "application/json"},
             "consumerGroup": "\(TestEnvironment.uniqueName("glw-group"))", "retry": {"delaysMs": [1000]}}
            """
        // The main topic only: its retry topic was never created, so reading it fails.
        try KafkaTestCluster.control("CREATE \(name) 4 3")
        let registry = try TopicRegistry(declarations: [try JSONDecoder().decode(TopicDeclaration.self, from: Data(json.utf8))])
        let envelopes = (0..<12).map { "ENVU\($0)-\(UUID().uuidString.prefix(8))" }
        let holding = envelopes[0]
        let producer = try KafkaTestCluster.producer()
        let report = try await producer.sendAll([message(name, holding, 1)])[0]
        await producer.shutdown()
        let onHoldingsPartition = Set(envelopes.filter { Murmur2.partition(forKey: Array($0.utf8), partitionCount: 4) == report.partition })
        let watch = GrabLogWatch(kafka: try KafkaTestCluster.configuration(clientID: "glw"), registry: registry, logger: Logger(label: "glw"))
        var marks: [String: GrabLogWatch.Marks] = [:]
        let answer = await ask(watch, envelopes, marks: &marks, timeout: 3_000)
        #expect(answer == Dictionary(uniqueKeysWithValues: envelopes.map { ($0, onHoldingsPartition.contains($0) ? GrabLogWatch.Standing.behind : .unknown) }))
        #expect(envelopes.allSatisfy { marks[$0]?[name] != nil }, "the main topic's marks are kept for the next question")
        await watch.close()
    }

    @Test("when Kafka does not answer, nothing is known and the pass ends after one timed-out read")
    func anUnreachableBrokerLeavesEveryEnvelopeUnknown() async throws {
        let (registry, _) = try family()
        let nowhere = KafkaConfiguration(bootstrapServers: "127.0.0.1:\(try freePort())", clientID: "glw-nowhere")
        let watch = GrabLogWatch(kafka: nowhere, registry: registry, logger: Logger(label: "glw"))
        let envelopes = (0..<30).map { "ENV\($0)" }
        var marks: [String: GrabLogWatch.Marks] = [:]
        #expect(await ask(watch, envelopes, marks: &marks, timeout: 1_000) == all(envelopes, .unknown))
        #expect(marks.values.allSatisfy { $0.isEmpty })
        #expect(await watch.progressReads == 1)
        await watch.close()
    }
}
