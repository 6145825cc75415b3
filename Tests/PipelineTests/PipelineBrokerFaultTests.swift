import EventBus
import Foundation
import Kafka
import PaystreamCore
import Testing
import TestSupport

/// The worker applies every money message exactly once while brokers fail under it. The faults are injected
/// into the shared embedded cluster, so this runs only in deploy/local/test's serial fault run (see
/// TestEnvironment.brokerFaultTestsRunAlone).
@Suite(
    "Worker pipeline under broker faults (run alone)", .serialized,
    .enabled(if: TestEnvironment.brokerFaultTestsRunAlone, "changes the shared cluster: run alone by deploy/local/test"))
struct PipelineBrokerFaultTests {
    @Test func brokerFaultsLoseNothingAndDoubleNothing() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "transfer.requests"])
        let producer = try KafkaTestCluster.producer()
        let worker = try h.startWorker()
        let streaming = Task { try await ExactlyOnceTests.transferStream(h, producer: producer, count: 2_000, senders: 10, tag: "bf", pauseEvery: 200) }
        try await Task.sleep(nanoseconds: 1_500_000_000)
        // OffsetCommit (8) fails twice: the worker re-reads what it already applied; Fetch (1) errors and a
        // dropped connection; then a broker goes down for a while.
        try KafkaTestCluster.control("ERRORS 8 16,16")
        try KafkaTestCluster.control("ERRORS 1 6,-195")
        try KafkaTestCluster.control("DOWN 3")
        try await Task.sleep(nanoseconds: 2_000_000_000)
        try KafkaTestCluster.control("UP 3")
        let expected = try await streaming.value
        try await ExactlyOnceTests.expectAllAppliedOnce(h, tag: "bf", count: 2_000, expected: expected, log: worker.tail())
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }
}
