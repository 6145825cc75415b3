import Foundation
import Kafka
import Testing
import TestSupport

@Suite("Kafka produce and consume against the embedded broker", .serialized)
struct ProduceConsumeTests {
    @Test func tenThousandKeyedMessagesThroughAGroup() async throws {
        let partitions: Int32 = 6
        let topic = try KafkaTestCluster.createTopic(partitions: Int(partitions))
        let producer = try KafkaTestCluster.producer()
        let messages = (0..<10_000).map { i in
            KafkaOutgoingMessage(
                topic: topic, key: "order-\(i % 500)", value: "payload-\(i)",
                headers: [KafkaHeader(name: "seq", string: "\(i)")])
        }
        let reports = try await producer.sendAll(messages)
        #expect(reports.count == 10_000)
        // Every key went where the Java client would have put it.
        for (message, report) in zip(messages, reports) {
            #expect(report.partition == Murmur2.partition(forKey: message.key!, partitionCount: partitions))
        }
        await producer.shutdown()

        // A long session: this consumer commits nothing, so if a loaded machine starved its heartbeat past the
        // default 6 s, the group would expel it and it would start over from the beginning.
        let consumer = try KafkaTestCluster.consumer(group: TestEnvironment.uniqueName("g"), topics: [topic], sessionTimeoutMilliseconds: 30_000)
        let received = try await KafkaTestCluster.consume(consumer, count: 10_000)
        await consumer.close()

        #expect(received.count == 10_000)
        #expect(Set(received.map(\.valueString)).count == 10_000)
        // Order per key is the produce order, and one key never spans two partitions.
        var lastSeq: [String: Int] = [:]
        var partitionOfKey: [String: Int32] = [:]
        for message in received {
            let key = try #require(message.keyString)
            let seq = try #require(Int(message.header("seq")?.stringValue ?? ""))
            #expect(seq > lastSeq[key, default: -1], "key \(key) out of order")
            lastSeq[key] = seq
            #expect(partitionOfKey[key, default: message.partition] == message.partition)
            partitionOfKey[key] = message.partition
        }
    }

    @Test func restartedConsumerResumesExactlyAfterTheCommit() async throws {
        let topic = try KafkaTestCluster.createTopic(partitions: 3)
        let group = TestEnvironment.uniqueName("g")
        let producer = try KafkaTestCluster.producer()
        _ = try await producer.sendAll((0..<300).map { KafkaOutgoingMessage(topic: topic, key: "k\($0 % 7)", value: "m\($0)") })

        // First member: read everything, but commit only the first 100 messages it saw.
        let first = try KafkaTestCluster.consumer(group: group, topics: [topic])
        let all = try await KafkaTestCluster.consume(first, count: 300, commit: false)
        #expect(all.count == 300)
        let committed = Array(all.prefix(100))
        try await first.commit(committed)
        await first.close()

        // The restarted member gets exactly the messages after the committed offset of each partition.
        var nextOffset: [TopicPartition: Int64] = [:]
        for m in committed { nextOffset[TopicPartition(topic: m.topic, partition: m.partition)] = m.offset + 1 }
        let expected = all.filter { m in m.offset >= (nextOffset[TopicPartition(topic: m.topic, partition: m.partition)] ?? 0) }
        let second = try KafkaTestCluster.consumer(group: group, topics: [topic])
        let resumed = try await KafkaTestCluster.consume(second, count: expected.count)
        // Nothing more arrives after that.
        let extra = try await second.poll(maxMessages: 100, timeoutMilliseconds: 1_000)
        await second.close()
        #expect(resumed.count == expected.count)
        #expect(Set(resumed.map(\.valueString)) == Set(expected.map(\.valueString)))
        #expect(extra.isEmpty)
        await producer.shutdown()
    }

    @Test func headersAndBinaryPayloadsRoundTrip() async throws {
        let topic = try KafkaTestCluster.createTopic(partitions: 1)
        let producer = try KafkaTestCluster.producer()
        let payload: [UInt8] = [0, 1, 2, 255, 0, 128]
        let report = try await producer.send(
            KafkaOutgoingMessage(
                topic: topic, key: [0, 0, 7], value: payload,
                headers: [KafkaHeader(name: "correlation-id", string: "req-1"), KafkaHeader(name: "empty", value: nil)]))
        await producer.shutdown()
        let consumer = try KafkaTestCluster.consumer(group: TestEnvironment.uniqueName("g"), topics: [topic])
        let received = try await KafkaTestCluster.consume(consumer, count: 1)
        await consumer.close()
        let message = try #require(received.first)
        #expect(message.value == payload)
        #expect(message.key == [0, 0, 7])
        #expect(message.offset == report.offset)
        #expect(message.header("correlation-id")?.stringValue == "req-1")
        #expect(message.headers.contains(KafkaHeader(name: "empty", value: nil)))
    }

    @Test func pausedPartitionsDeliverNothingUntilResumed() async throws {
        let topic = try KafkaTestCluster.createTopic(partitions: 2)
        let producer = try KafkaTestCluster.producer()
        let consumer = try KafkaTestCluster.consumer(group: TestEnvironment.uniqueName("g"), topics: [topic])
        // Join the group first.
        var waited = 0
        while consumer.assignment.count < 2 && waited < 100 {
            _ = try await consumer.poll(maxMessages: 10, timeoutMilliseconds: 100)
            waited += 1
        }
        let partition0 = TopicPartition(topic: topic, partition: 0)
        try await consumer.pause([partition0])
        _ = try await producer.sendAll((0..<50).map { KafkaOutgoingMessage(topic: topic, key: nil, value: Array("p0-\($0)".utf8), partition: 0) })
        _ = try await producer.sendAll((0..<50).map { KafkaOutgoingMessage(topic: topic, key: nil, value: Array("p1-\($0)".utf8), partition: 1) })
        let whilePaused = try await KafkaTestCluster.consume(consumer, count: 50, timeoutSeconds: 20)
        #expect(whilePaused.count == 50)
        #expect(whilePaused.allSatisfy { $0.partition == 1 })
        try await consumer.resume([partition0])
        let afterResume = try await KafkaTestCluster.consume(consumer, count: 50, timeoutSeconds: 20)
        #expect(afterResume.count == 50)
        #expect(afterResume.allSatisfy { $0.partition == 0 })
        await consumer.close()
        await producer.shutdown()
    }
}
