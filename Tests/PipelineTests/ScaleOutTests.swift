import Foundation
import Kafka
import Testing
import TestSupport

/// The worker fleet grows with the partitions: 1, 2 and 4 worker processes in one group split a topic's
/// partitions between them (each partition to exactly one), a departing worker's partitions go to the others,
/// and the money is applied exactly once throughout. Throughput per worker count is a benchmark, not a test
/// (`paystream-bench ledger --workers N`, docs/benchmarks.md).
@Suite("Worker fleet scale-out", .serialized)
struct ScaleOutTests {
    /// The partitions of `topic` a worker holds now, from its log's assignment events (JSON lines).
    static func assignment(_ worker: ManagedProcess, topic: String) -> Set<Int> {
        var held = Set<Int>()
        let pattern = try! Regex("\(NSRegularExpression.escapedPattern(for: topic))\\[(\\d+)\\]")
        for line in worker.log.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let message = object["msg"] as? String, message == "partitions assigned" || message == "partitions revoked",
                  let text = object["partitions"] as? String
            else { continue }
            let partitions = text.matches(of: pattern).compactMap { Int($0.output[1].substring ?? "") }
            if message == "partitions assigned" { held.formUnion(partitions) } else { held.subtract(partitions) }
        }
        return held
    }

    /// Waits until the workers hold disjoint, non-empty shares that together are every partition of `topic`.
    static func waitForSplit(_ workers: [ManagedProcess], topic: String, partitions: Int) async -> [Set<Int>] {
        var shares: [Set<Int>] = []
        _ = await eventually(timeoutSeconds: 90, every: 250) {
            shares = workers.map { assignment($0, topic: topic) }
            let total = shares.reduce(0) { $0 + $1.count }
            return total == partitions && Set(shares.flatMap { $0 }).count == partitions && shares.allSatisfy { !$0.isEmpty }
        }
        return shares
    }

    @Test func oneTwoAndFourWorkersSplitThePartitionsAndApplyEverythingOnce() async throws {
        let partitions = 12
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "transfer.requests"], partitions: partitions)
        let topic = h.family("transfer.requests")
        let producer = try KafkaTestCluster.producer()
        var workers = [try h.startWorker()]

        // One worker holds all twelve.
        var shares = await Self.waitForSplit(workers, topic: topic, partitions: partitions)
        #expect(shares.map(\.count) == [12], "\(shares)\n\(workers[0].tail())")

        // Money flows while the fleet grows to two, then four: every share is disjoint, together all twelve.
        let streaming = Task { try await ExactlyOnceTests.transferStream(h, producer: producer, count: 3_000, senders: 20, tag: "so", pauseEvery: 150) }
        workers.append(try h.startWorker())
        shares = await Self.waitForSplit(workers, topic: topic, partitions: partitions)
        #expect(shares.map(\.count).sorted() == [6, 6], "\(shares)")
        workers.append(try h.startWorker())
        workers.append(try h.startWorker())
        shares = await Self.waitForSplit(workers, topic: topic, partitions: partitions)
        #expect(shares.map(\.count).sorted() == [3, 3, 3, 3], "\(shares)")

        // One of the four leaves: its partitions go to the other three.
        #expect(await workers.removeLast().terminate() == 0)
        shares = await Self.waitForSplit(workers, topic: topic, partitions: partitions)
        #expect(shares.map(\.count).sorted() == [4, 4, 4], "\(shares)")

        let expected = try await streaming.value
        try await ExactlyOnceTests.expectAllAppliedOnce(h, tag: "so", count: 3_000, expected: expected, log: workers.map { $0.tail(10) }.joined(separator: "\n---\n"))
        for worker in workers { await worker.terminate() }
        await producer.shutdown()
        await h.close()
    }
}
