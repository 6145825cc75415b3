import Foundation
import Kafka
import Testing
import TestSupport

@Suite("A consumer group's lag, read without joining the group", .serialized)
struct ConsumerGroupLagTests {
    @Test func lagIsWhatIsStoredAfterTheGroupsCommittedOffsets() async throws {
        let topic = try KafkaTestCluster.createTopic(partitions: 3)
        let group = TestEnvironment.uniqueName("g")
        let producer = try KafkaTestCluster.producer()
        _ = try await producer.sendAll((0..<300).map { KafkaOutgoingMessage(topic: topic, key: "k\($0 % 11)", value: "m\($0)") })
        await producer.shutdown()

        let probe = try ConsumerGroupLagProbe(configuration: try KafkaTestCluster.configuration(clientID: "lag-probe"), group: group)
        // Nothing committed yet: everything stored is lag.
        let before = try await probe.lag(topic: topic)
        #expect(before.total == 300)
        #expect(before.partitions.count == 3)
        #expect(before.committedPartitions.isEmpty)

        // A member reads everything and commits only the first 100 messages it saw.
        let member = try KafkaTestCluster.consumer(group: group, topics: [topic])
        let all = try await KafkaTestCluster.consume(member, count: 300, commit: false)
        let committed = Array(all.prefix(100))
        try await member.commit(committed)
        await member.close()

        var next: [Int32: Int64] = [:]
        for m in committed { next[m.partition] = max(next[m.partition] ?? 0, m.offset + 1) }
        let stored = Dictionary(grouping: all, by: \.partition).mapValues { Int64($0.count) }
        let after = try await probe.lag(topic: topic)
        #expect(after.total == 200)
        #expect(after.committedPartitions == Set(next.keys))
        for partition in Int32(0)..<3 {
            #expect(after.partitions[partition] == (stored[partition] ?? 0) - (next[partition] ?? 0), "partition \(partition)")
        }

        // The probe took no part in the group: a new member resumes exactly after the commit, with all 200.
        let resumed = try KafkaTestCluster.consumer(group: group, topics: [topic])
        let rest = try await KafkaTestCluster.consume(resumed, count: 200)
        await resumed.close()
        #expect(Set(rest.map(\.valueString)) == Set(all.filter { m in m.offset >= (next[m.partition] ?? 0) }.map(\.valueString)))
        #expect(try await probe.lag(topic: topic).total == 0)

        do {
            _ = try await probe.lag(topic: TestEnvironment.uniqueName("absent"), timeoutMilliseconds: 3_000)
            Issue.record("a topic that does not exist has no lag")
        } catch let error as KafkaError {
            #expect(KafkaTopicReader.isUnknownTopic(error))
        }
        await probe.close()
    }

    @Test func progressIsReadOnTheKeysPartition() async throws {
        let topic = try KafkaTestCluster.createTopic(partitions: 4)
        let group = TestEnvironment.uniqueName("g")
        let producer = try KafkaTestCluster.producer()
        let reports = try await producer.sendAll((0..<40).map { KafkaOutgoingMessage(topic: topic, key: "k\($0 % 5)", value: "m\($0)") })
        await producer.shutdown()
        let probe = try ConsumerGroupLagProbe(configuration: try KafkaTestCluster.configuration(clientID: "progress-probe"), group: group)

        // Key k3's partition: where the producer put its messages; nothing committed yet.
        let key = Array("k3".utf8)
        let partition = Murmur2.partition(forKey: key, partitionCount: 4)
        let stored = reports.filter { $0.partition == partition }.count
        let before = try await probe.progress(topic: topic, key: key)
        #expect(before.partition == partition && before.topic == topic)
        #expect(before.low == 0 && before.high == Int64(stored))
        #expect(before.committed == nil && before.consumedUpTo == 0)

        // A member commits what it read: the probe sees the group's offset on that partition, and no more.
        let member = try KafkaTestCluster.consumer(group: group, topics: [topic])
        let all = try await KafkaTestCluster.consume(member, count: 40, commit: false)
        let onPartition = all.filter { $0.partition == partition }.sorted { $0.offset < $1.offset }
        try await member.commit(Array(onPartition.prefix(2)))
        await member.close()
        let after = try await probe.progress(topic: topic, key: key)
        #expect(after.committed == 2 && after.consumedUpTo == 2 && after.high == Int64(stored))

        // Several keys read together answer, in their order, what each read alone answers.
        let keys = (0..<5).map { Array("k\($0)".utf8) } + [key]
        let together = try await probe.progress(topic: topic, keys: keys)
        var alone: [PartitionProgress] = []
        for each in keys { alone.append(try await probe.progress(topic: topic, key: each)) }
        #expect(together == alone)
        #expect(together.last == after)
        await probe.close()
    }
}
