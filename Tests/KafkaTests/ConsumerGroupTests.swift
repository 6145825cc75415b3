import Foundation
import Kafka
import Synchronization
import Testing
import TestSupport

/// What the members of a group processed, by position (topic/partition/offset) and whether their commit of it
/// succeeded, and the distinct payloads seen. Redelivery is a position seen twice; a payload stored twice by
/// the broker (the mock cluster may keep a produce retry twice) is two positions, not a redelivery.
private final class Ledger: Sendable {
    private struct State {
        var committed: [String: Int] = [:]
        var uncommitted: [String: Int] = [:]
        var values: Set<String> = []
    }
    private let state = Mutex(State())
    func record(_ batch: [KafkaMessage], committed: Bool) {
        state.withLock { s in
            for m in batch {
                let position = "\(m.topic)/\(m.partition)/\(m.offset)"
                if committed { s.committed[position, default: 0] += 1 } else { s.uncommitted[position, default: 0] += 1 }
                s.values.insert(m.valueString)
            }
        }
    }
    var snapshot: (committed: [String: Int], uncommitted: [String: Int]) { state.withLock { ($0.committed, $0.uncommitted) } }
    var distinct: Int { state.withLock { $0.values.count } }
}

@Suite("Kafka consumer groups", .serialized)
struct ConsumerGroupTests {
    private func member(_ consumer: KafkaConsumer, ledger: Ledger, until stop: @escaping @Sendable () -> Bool) -> Task<Void, any Error> {
        Task {
            while !stop() {
                let batch = try await consumer.poll(maxMessages: 200, timeoutMilliseconds: 100)
                if batch.isEmpty { continue }
                do {
                    try await consumer.commit(batch)
                    ledger.record(batch, committed: true)
                } catch {
                    ledger.record(batch, committed: false)
                }
            }
        }
    }

    @Test func twoMembersSplitPartitionsAndARebalanceLosesAndRepeatsNothingCommitted() async throws {
        let topic = try KafkaTestCluster.createTopic(partitions: 6)
        let group = TestEnvironment.uniqueName("g")
        let total = 3_000
        let producer = try KafkaTestCluster.producer()
        let ledger = Ledger()
        let done = Mutex(false)
        let stop: @Sendable () -> Bool = { done.withLock { $0 } }

        // A long session: the rebalance under test is B joining, not A expelled because a loaded machine (the
        // whole suite runs in parallel on two cores) starved its heartbeat for the default 6 s; the mock cluster
        // accepts an expelled member's commit, which a real broker refuses with UNKNOWN_MEMBER_ID. The price: the
        // mock coordinator holds a join to a stable group open for the session timeout less one second, even
        // once every member has rejoined, so the split below settles about 19 s after B joins.
        let session = 20_000
        let a = try KafkaTestCluster.consumer(group: group, topics: [topic], sessionTimeoutMilliseconds: session)
        let memberA = member(a, ledger: ledger, until: stop)
        // A stream of messages; the second member joins in the middle of it.
        var b: KafkaConsumer?
        var memberB: Task<Void, any Error>?
        for chunk in 0..<30 {
            _ = try await producer.sendAll((0..<100).map { i in
                KafkaOutgoingMessage(topic: topic, key: "order-\((chunk * 100 + i) % 97)", value: "m\(chunk * 100 + i)")
            })
            if chunk == 10 {
                b = try KafkaTestCluster.consumer(group: group, topics: [topic], sessionTimeoutMilliseconds: session)
                memberB = member(b!, ledger: ledger, until: stop)
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let deadline = Date().addingTimeInterval(60)
        while ledger.distinct < total && Date() < deadline { try await Task.sleep(nanoseconds: 100_000_000) }
        // Both members own partitions once the group is stable: the held join (session - 1 s), then a sync, with
        // room for a loaded machine.
        let splitDeadline = Date().addingTimeInterval(Double(session) / 1000 + 40)
        while (a.assignment.isEmpty || b!.assignment.isEmpty) && Date() < splitDeadline {
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let assignmentA = a.assignment
        let assignmentB = b!.assignment
        done.withLock { $0 = true }
        try await memberA.value
        try await memberB!.value
        await a.close()
        await b!.close()
        await producer.shutdown()

        #expect(assignmentA.isDisjoint(with: assignmentB))
        #expect(assignmentA.union(assignmentB).count == 6)
        #expect(!assignmentA.isEmpty && !assignmentB.isEmpty)
        #expect(a.rebalanceEvents.contains { $0.kind == .revoked }, "the join of B revoked A's partitions")
        let (committed, uncommitted) = ledger.snapshot
        // Nothing lost: every message was processed.
        #expect(ledger.distinct == total)
        // Nothing committed was processed again: a message seen twice must have failed its first commit.
        let repeatedAfterCommit = committed.filter { $0.value > 1 }
        #expect(repeatedAfterCommit.isEmpty, "re-delivered after a successful commit: \(repeatedAfterCommit.keys.prefix(5))")
        if !uncommitted.isEmpty {
            print("rebalance: \(uncommitted.count) message(s) whose commit failed were processed again by the new owner")
        }
    }

    @Test func closingCommitsNothingImplicitly() async throws {
        let topic = try KafkaTestCluster.createTopic(partitions: 2)
        let group = TestEnvironment.uniqueName("g")
        let producer = try KafkaTestCluster.producer()
        _ = try await producer.sendAll((0..<20).map { KafkaOutgoingMessage(topic: topic, key: "k\($0)", value: "v\($0)") })
        await producer.shutdown()
        let first = try KafkaTestCluster.consumer(group: group, topics: [topic])
        let seen = try await KafkaTestCluster.consume(first, count: 20, commit: false)
        #expect(seen.count == 20)
        await first.close()  // no commit: auto-commit is off
        let second = try KafkaTestCluster.consumer(group: group, topics: [topic])
        let again = try await KafkaTestCluster.consume(second, count: 20)
        await second.close()
        #expect(Set(again.map(\.valueString)) == Set(seen.map(\.valueString)))
    }
}
