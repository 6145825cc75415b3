import EventBus
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// One consumer-group member for one topic family (its main topic, or its retry topics): poll up to
/// ``WorkerSettings/batchesPerPoll`` batches, apply them, and only then commit their offsets. A poll whose
/// processing fails is processed again from the start (every effect is idempotent) until it succeeds or the
/// process shuts down, in which case its offsets are not committed and the partition's next owner processes it.
struct FamilyConsumer: Sendable {
    let family: TopicDeclaration
    let retryTier: Bool
    let kafka: KafkaConfiguration
    let processor: BatchProcessor
    let settings: WorkerSettings
    let logger: Logger

    var topics: [String] { retryTier ? family.retryTopics.map(\.name) : [family.name] }
    var groupID: String { retryTier ? family.retryConsumerGroup : family.consumerGroup }

    func run() async throws {
        if topics.isEmpty { return }
        let longestDelay = family.retryTopics.map(\.delayMs).max() ?? 0
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: kafka, groupID: groupID, topics: topics,
                // A retry lane may wait for a message's due time before polling again.
                maxPollIntervalMilliseconds: retryTier ? max(300_000, longestDelay + 120_000) : 300_000),
            logger: logger)
        let shuttingDown: @Sendable () -> Bool = { Task.isShuttingDownGracefully || Task.isCancelled }
        logger.info("consuming", metadata: ["topics": "\(topics)", "group": "\(groupID)"])
        defer { logger.info("stopped consuming", metadata: ["group": "\(groupID)"]) }
        do {
            while !shuttingDown() {
                let batch = try await consumer.poll(maxMessages: settings.pollMaxMessages, timeoutMilliseconds: settings.batchWaitMilliseconds)
                if batch.isEmpty { continue }
                var attempt = 0
                while true {
                    do {
                        try await processor.process(batch, isShuttingDown: shuttingDown)
                        break
                    } catch {
                        if shuttingDown() {
                            logger.warning("shutting down with an unfinished batch; its offsets stay uncommitted")
                            await consumer.close()
                            return
                        }
                        attempt += 1
                        let backoff = min(settings.maxBackoffMilliseconds, 100 << min(attempt, 6))
                        logger.error("batch failed; processing it again", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                        try? await Task.sleep(nanoseconds: UInt64(backoff) * 1_000_000)
                    }
                }
                try await commitRetrying(consumer, batch)
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }

    /// A failed commit is retried; if the partitions were revoked meanwhile, their next owner re-reads
    /// the batch and the idempotency keys turn it into duplicates.
    private func commitRetrying(_ consumer: KafkaConsumer, _ batch: [KafkaMessage]) async throws {
        for attempt in 1...5 {
            do {
                try await consumer.commit(batch)
                return
            } catch let error as KafkaError {
                logger.warning("offset commit failed", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                if !error.isRetriable { return }
                try? await Task.sleep(nanoseconds: UInt64(100 * attempt) * 1_000_000)
            }
        }
    }
}
