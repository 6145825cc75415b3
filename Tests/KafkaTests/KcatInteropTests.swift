import Foundation
import BlockingIO
import Kafka
import Testing
import TestSupport

struct KcatFailed: Error, CustomStringConvertible {
    let description: String
}

/// kcat is an independent Kafka client (its own build of librdkafka's CLI): it must read what Paystream
/// writes and Paystream must read what it writes.
@Suite("Interoperability with kcat", .serialized)
struct KcatInteropTests {
    /// Runs kcat on a thread of its own: waiting for a process must not block the cooperative pool.
    private func kcat(_ arguments: [String], input: String? = nil) async throws -> String {
        try await BlockingExecutor(label: "kcat").run { try Self.runKcat(arguments, input: input) }
    }

    private static func runKcat(_ arguments: [String], input: String?) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw KcatFailed(description: "kcat \(arguments) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    @Test func kcatProducesAndPaystreamConsumes() async throws {
        let topic = try KafkaTestCluster.createTopic(partitions: 4)
        let lines = (0..<200).map { "key-\($0 % 13)|value-\($0)" }.joined(separator: "\n") + "\n"
        // kcat with the Java-compatible partitioner, as Paystream's producers use.
        _ = try await kcat(["-P", "-b", try KafkaTestCluster.bootstrap(), "-t", topic, "-K", "|", "-X", "partitioner=murmur2_random"], input: lines)
        let consumer = try KafkaTestCluster.consumer(group: TestEnvironment.uniqueName("g"), topics: [topic])
        let received = try await KafkaTestCluster.consume(consumer, count: 200)
        await consumer.close()
        #expect(received.count == 200)
        #expect(Set(received.map(\.valueString)) == Set((0..<200).map { "value-\($0)" }))
        for message in received {
            let key = try #require(message.key)
            #expect(message.partition == Murmur2.partition(forKey: key, partitionCount: 4))
        }
    }

    @Test func paystreamProducesAndKcatConsumes() async throws {
        let topic = try KafkaTestCluster.createTopic(partitions: 3)
        let producer = try KafkaTestCluster.producer()
        let reports = try await producer.sendAll((0..<150).map {
            KafkaOutgoingMessage(topic: topic, key: "order-\($0 % 11)", value: "v\($0)", headers: [KafkaHeader(name: "h", string: "x\($0)")])
        })
        await producer.shutdown()
        let output = try await kcat(["-C", "-b", try KafkaTestCluster.bootstrap(), "-t", topic, "-o", "beginning", "-e", "-q",
                               "-f", "%k|%s|%p|%o|%h\n"])
        let rows = output.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 150)
        var byValue: [String: [String]] = [:]
        for row in rows { byValue[row[1]] = row }
        for (i, report) in reports.enumerated() {
            let row = try #require(byValue["v\(i)"])
            #expect(row[0] == "order-\(i % 11)")
            #expect(row[2] == "\(report.partition)")
            #expect(row[3] == "\(report.offset)")
            #expect(row[4] == "h=x\(i)")
        }
    }
}
