import EventBus
import Foundation
import Kafka
import Testing
import TestSupport

@Suite("topics/ registry")
struct TopicRegistryTests {
    var topicsDirectory: String { TestEnvironment.repositoryRoot.appendingPathComponent("topics").path }

    @Test func declaresEveryMoneyTopicWithRetriesAndDeadLetters() throws {
        let registry = try TopicRegistry.load(directory: topicsDirectory)
        let names = Set(registry.declarations.map(\.name))
        for family in ["paystream.payment.callbacks", "paystream.envelope.grabs", "paystream.transfer.requests",
                       "paystream.refunds", "paystream.withdrawals", "paystream.notifications.outbound"] {
            #expect(names.contains(family))
            let d = try #require(registry.declaration(named: family))
            #expect(d.retryTopics.count >= 1)
            #expect(d.deadLetterTopic == "\(family).dlq")
            #expect(d.replicationFactor == 3)
            #expect(d.config["min.insync.replicas"] == "2")
        }
    }

    @Test func theEmbeddedBrokerHoldsEveryDeclaredTopic() async throws {
        let registry = try TopicRegistry.load(directory: topicsDirectory)
        let admin = try KafkaAdmin(configuration: KafkaTestCluster.configuration())
        let existing = try await admin.listTopics()
        await admin.close()
        let plan = TopicReconciler(registry: registry).plan(existing: existing)
        #expect(plan.missing.isEmpty, "missing on the broker: \(plan.missing.map(\.name))")
        #expect(plan.results.allSatisfy { $0.status == .upToDate }, "\(plan.results.filter { $0.status != .upToDate })")
    }

    @Test func rejectsDuplicateNamesAndBadPartitionCounts() throws {
        let good = try TopicRegistry.load(directory: topicsDirectory).declarations[0]
        #expect(throws: TopicRegistry.InvalidDeclaration.self) { try TopicRegistry(declarations: [good, good]) }
        var bad = good
        bad.partitions = 0
        #expect(throws: TopicRegistry.InvalidDeclaration.self) { try TopicRegistry(declarations: [bad]) }
        bad = good
        bad.name = "bad name!"
        #expect(throws: TopicRegistry.InvalidDeclaration.self) { try TopicRegistry(declarations: [bad]) }
    }

    /// A pending dead letter (a payment not credited yet, say) must outlive any wait for an operator: Kafka never
    /// deletes it. Every shipped family keeps its dead letters for ever, and a declaration that would not is refused.
    @Test func deadLettersAreKeptUntilReplayedOrDropped() throws {
        let registry = try TopicRegistry.load(directory: topicsDirectory)
        let withDeadLetters = registry.declarations.filter { $0.deadLetter != nil }
        #expect(withDeadLetters.count >= 6)
        for d in withDeadLetters { #expect(d.deadLetter?.retentionMs == "-1", "\(d.name)") }
        var ninetyDays = try #require(withDeadLetters.first)
        ninetyDays.deadLetter?.retentionMs = "7776000000"
        #expect(throws: TopicRegistry.InvalidDeclaration.self) { try TopicRegistry(declarations: [ninetyDays]) }
    }

    @Test func planReportsMissingAndDriftingTopics() throws {
        let registry = try TopicRegistry.load(directory: topicsDirectory)
        let specs = registry.allTopics
        let existing = [TopicMetadata(name: specs[0].name, partitionCount: specs[0].partitions + 1, replicationFactor: 3)]
        let plan = TopicReconciler(registry: registry).plan(existing: existing)
        #expect(plan.missing.count == specs.count - 1)
        #expect(plan.results.count == 1)
        if case .drift = plan.results[0].status {} else { Issue.record("expected drift, got \(plan.results[0])") }
    }
}
