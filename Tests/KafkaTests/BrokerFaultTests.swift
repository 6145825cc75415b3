import Foundation
import Kafka
import Testing
import TestSupport

/// Broker faults injected into the shared embedded cluster. They change the cluster for every client on it,
/// so these run only in deploy/local/test's serial fault run (see TestEnvironment.brokerFaultTestsRunAlone).
@Suite(
    "Kafka client under broker faults (run alone)", .serialized,
    .enabled(if: TestEnvironment.brokerFaultTestsRunAlone, "changes the shared cluster: run alone by deploy/local/test"))
struct BrokerFaultTests {
    @Test func aProducerSurvivesABrokerGoingDownAndUp() async throws {
        let topic = try KafkaTestCluster.createTopic(partitions: 3)
        let producer = try KafkaTestCluster.producer()
        try KafkaTestCluster.control("DOWN 2")
        // Retriable request errors on Produce (apiKey 0): NOT_ENOUGH_REPLICAS (19) twice, then a dropped connection.
        try KafkaTestCluster.control("ERRORS 0 19,19,-195")
        let sending = Task { try await producer.sendAll((0..<300).map { KafkaOutgoingMessage(topic: topic, key: "k\($0)", value: "v\($0)") }) }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        try KafkaTestCluster.control("UP 2")
        let reports = try await sending.value
        #expect(reports.count == 300)
        await producer.shutdown()
        // Idempotence: exactly 300 messages in the log, none duplicated by the retries.
        let consumer = try KafkaTestCluster.consumer(group: TestEnvironment.uniqueName("g"), topics: [topic])
        let received = try await KafkaTestCluster.consume(consumer, count: 300)
        let extra = try await consumer.poll(maxMessages: 10, timeoutMilliseconds: 1_000)
        await consumer.close()
        #expect(received.count == 300)
        #expect(extra.isEmpty)
        #expect(Set(received.map(\.valueString)).count == 300)
    }
}
