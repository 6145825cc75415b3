import Foundation
import Kafka

/// A message that could not be applied, as it sits on a `<topic>.dlq` (or `<topic>.retry.<n>`) topic:
/// the original key, value and headers, plus where it came from and why it failed.
///
/// Guarantees: ``replayMessage()`` rebuilds the original message exactly (topic, key, value, the
/// original headers) and marks it as replayed, so replay goes to the original partition and every
/// consumer's idempotency key deduplicates it.
public struct DeadLetter: Sendable, Equatable {
    public let originalTopic: String
    public let originalPartition: Int32
    public let originalOffset: Int64
    public let errorCode: String
    public let error: String
    public let attempts: Int
    public let firstFailureAt: String
    public let key: [UInt8]?
    public let value: [UInt8]
    /// The original message's own headers (pipeline headers removed).
    public let originalHeaders: [KafkaHeader]
    /// For the letter of a message that was itself a replay: the dead letter it was replayed from
    /// (`<dlq topic>/<partition>/<offset>`); that letter holds the failures before this one.
    public let replayOf: String?

    public init(
        originalTopic: String, originalPartition: Int32, originalOffset: Int64, errorCode: String, error: String,
        attempts: Int, firstFailureAt: String, key: [UInt8]?, value: [UInt8], originalHeaders: [KafkaHeader],
        replayOf: String? = nil
    ) {
        self.originalTopic = originalTopic
        self.originalPartition = originalPartition
        self.originalOffset = originalOffset
        self.errorCode = errorCode
        self.error = error
        self.attempts = attempts
        self.firstFailureAt = firstFailureAt
        self.key = key
        self.value = value
        self.originalHeaders = originalHeaders
        self.replayOf = replayOf
    }

    /// The dead letter of a consumed message. If the message itself came from a retry topic, its origin
    /// and first failure time are kept; if it was a replay (on the main topic or, after failing again, on a retry
    /// topic), the letter it was replayed from is kept as ``replayOf``.
    public static func of(
        _ message: KafkaMessage, errorCode: String, error: String, attempts: Int, now: Date = Date()
    ) -> DeadLetter {
        let origin = message.header(PipelineHeaders.originalTopic)?.stringValue
        return DeadLetter(
            originalTopic: origin ?? message.topic,
            originalPartition: origin == nil ? message.partition : Int32(message.header(PipelineHeaders.originalPartition)?.stringValue ?? "") ?? message.partition,
            originalOffset: origin == nil ? message.offset : Int64(message.header(PipelineHeaders.originalOffset)?.stringValue ?? "") ?? message.offset,
            errorCode: errorCode, error: error, attempts: attempts,
            firstFailureAt: message.header(PipelineHeaders.firstFailureAt)?.stringValue ?? Self.timestamp(now),
            key: message.key, value: message.value,
            originalHeaders: message.headers.filter { !PipelineHeaders.pipelineOwned.contains($0.name) },
            replayOf: message.header(PipelineHeaders.replayedFrom)?.stringValue ?? message.header(PipelineHeaders.replayOf)?.stringValue)
    }

    /// Parses a message read from a dead-letter or retry topic; nil if it lacks the pipeline headers.
    public init?(message: KafkaMessage) {
        guard let topic = message.header(PipelineHeaders.originalTopic)?.stringValue,
            let partition = Int32(message.header(PipelineHeaders.originalPartition)?.stringValue ?? ""),
            let offset = Int64(message.header(PipelineHeaders.originalOffset)?.stringValue ?? "")
        else { return nil }
        self.init(
            originalTopic: topic, originalPartition: partition, originalOffset: offset,
            errorCode: message.header(PipelineHeaders.errorCode)?.stringValue ?? "",
            error: message.header(PipelineHeaders.error)?.stringValue ?? "",
            attempts: Int(message.header(PipelineHeaders.attempts)?.stringValue ?? "") ?? 1,
            firstFailureAt: message.header(PipelineHeaders.firstFailureAt)?.stringValue ?? "",
            key: message.key, value: message.value,
            originalHeaders: message.headers.filter { !PipelineHeaders.pipelineOwned.contains($0.name) },
            replayOf: message.header(PipelineHeaders.replayOf)?.stringValue)
    }

    /// The message to produce on `topic` (a `.dlq` or `.retry.<n>` topic), keyed like the original so
    /// that one order's failures stay in order. `notBeforeMilliseconds` is set for retry topics.
    public func message(to topic: String, notBeforeMilliseconds: Int64? = nil) -> KafkaOutgoingMessage {
        var headers = originalHeaders
        headers.append(KafkaHeader(name: PipelineHeaders.originalTopic, string: originalTopic))
        headers.append(KafkaHeader(name: PipelineHeaders.originalPartition, string: "\(originalPartition)"))
        headers.append(KafkaHeader(name: PipelineHeaders.originalOffset, string: "\(originalOffset)"))
        headers.append(KafkaHeader(name: PipelineHeaders.errorCode, string: errorCode))
        headers.append(KafkaHeader(name: PipelineHeaders.error, string: String(error.prefix(2_000))))
        headers.append(KafkaHeader(name: PipelineHeaders.attempts, string: "\(attempts)"))
        headers.append(KafkaHeader(name: PipelineHeaders.firstFailureAt, string: firstFailureAt))
        if let notBeforeMilliseconds {
            headers.append(KafkaHeader(name: PipelineHeaders.notBefore, string: "\(notBeforeMilliseconds)"))
        }
        if let replayOf { headers.append(KafkaHeader(name: PipelineHeaders.replayOf, string: replayOf)) }
        return KafkaOutgoingMessage(topic: topic, key: key, value: value, headers: headers)
    }

    /// The original message, to produce again on its original topic with its original key.
    /// `source` names the dead letter (`<dlq topic>/<partition>/<offset>`).
    public func replayMessage(source: String) -> KafkaOutgoingMessage {
        KafkaOutgoingMessage(
            topic: originalTopic, key: key, value: value,
            headers: originalHeaders + [KafkaHeader(name: PipelineHeaders.replayedFrom, string: source)])
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
