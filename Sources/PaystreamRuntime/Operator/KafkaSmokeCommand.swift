import ArgumentParser
import EventBus
import Foundation
import Kafka
import Logging

/// `paystream kafka smoke`: proves a cluster end to end with messages that carry no money — keyed
/// messages through the idempotent producer to `paystream.diagnostics`, read back by a fresh consumer
/// group that commits after each batch, each key checked to be on its murmur2 partition and in order.
struct KafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka", abstract: "Kafka diagnostics.", subcommands: [Smoke.self])

    struct Smoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Produce and consume a keyed batch; verify partitioning and order.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "How many messages.") var count = 1_000
        @Option(help: "How many distinct keys.") var keys = 50
        @Option(help: "The topic (declared in topics/).") var topic = "paystream.diagnostics"

        func run() async throws {
            let configuration = try runtime.resolve()
            Observability.bootstrap(configuration)
            let logger = Logger(label: "paystream.kafka.smoke")
            let registry = try TopicRegistry.load(directory: configuration.topicsDirectory)
            guard let declaration = registry.declaration(named: topic) else {
                throw ValidationError("\(topic) is not declared in \(configuration.topicsDirectory)")
            }
            let run = "\(Int(Date().timeIntervalSince1970 * 1000))"
            let producer = try KafkaProducer(
                configuration: KafkaProducerConfiguration(client: configuration.kafka(clientID: "paystream-smoke")), logger: logger)
            let messages = (0..<count).map { i in
                KafkaOutgoingMessage(
                    topic: topic, key: "probe-\(run)-\(i % keys)", value: "{\"run\":\"\(run)\",\"seq\":\(i)}",
                    headers: [KafkaHeader(name: "smoke-run", string: run), KafkaHeader(name: "seq", string: "\(i)")])
            }
            let started = Date()
            let reports: [KafkaDeliveryReport]
            do { reports = try await producer.sendAll(messages) } catch {
                await producer.shutdown(timeoutMilliseconds: 1_000)
                throw error
            }
            let produceSeconds = Date().timeIntervalSince(started)
            await producer.shutdown()
            var misplaced = 0
            for (message, report) in zip(messages, reports)
            where report.partition != Murmur2.partition(forKey: message.key!, partitionCount: Int32(declaration.partitions)) {
                misplaced += 1
            }
            print("produced \(count) messages over \(keys) keys in \(String(format: "%.2f", produceSeconds)) s, all acknowledged (acks=all, idempotent)")

            let consumer = try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(
                    client: configuration.kafka(clientID: "paystream-smoke"), groupID: "paystream-smoke-\(run)", topics: [topic]),
                logger: logger)
            var received = 0
            var outOfOrder = 0
            var lastSeq: [String: Int] = [:]
            var partitionsSeen: Set<Int32> = []
            let deadline = Date().addingTimeInterval(60)
            let consumeStarted = Date()
            while received < count && Date() < deadline {
                let batch = try await consumer.poll(maxMessages: 500, timeoutMilliseconds: 200)
                for m in batch where m.header("smoke-run")?.stringValue == run {
                    received += 1
                    partitionsSeen.insert(m.partition)
                    let seq = Int(m.header("seq")?.stringValue ?? "") ?? -1
                    let key = m.keyString ?? ""
                    if seq <= lastSeq[key, default: -1] { outOfOrder += 1 }
                    lastSeq[key] = seq
                }
                try await consumer.commit(batch)
            }
            await consumer.close()
            print("consumed \(received) in \(String(format: "%.2f", Date().timeIntervalSince(consumeStarted))) s from \(partitionsSeen.count) partitions; committed after each batch")
            print("keys on their murmur2 partition: \(count - misplaced)/\(count); out of order: \(outOfOrder)")
            guard received == count, misplaced == 0, outOfOrder == 0 else {
                print("SMOKE FAILED")
                throw ExitCode(1)
            }
            print("SMOKE OK")
        }
    }
}
