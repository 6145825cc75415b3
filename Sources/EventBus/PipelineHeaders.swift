/// Kafka header names that Paystream's pipeline writes and reads. Values are UTF-8 text.
public enum PipelineHeaders {
    /// The request's correlation id, carried from the HTTP request through every hop.
    public static let correlationID = "paystream-correlation-id"
    /// W3C trace context, passed through unchanged when a request brought one.
    public static let traceparent = "traceparent"
    /// Where a retried or dead-lettered message was first consumed.
    public static let originalTopic = "paystream-original-topic"
    public static let originalPartition = "paystream-original-partition"
    public static let originalOffset = "paystream-original-offset"
    /// A stable machine-readable reason (e.g. `balance.insufficient_frozen`, `event.malformed_json`).
    public static let errorCode = "paystream-error-code"
    /// The human-readable reason.
    public static let error = "paystream-error"
    /// How many times processing was attempted (1 for a message dead-lettered at first sight).
    public static let attempts = "paystream-attempts"
    /// ISO-8601 time of the first failure.
    public static let firstFailureAt = "paystream-first-failure-at"
    /// On retry topics: milliseconds since the epoch before which the message must not be processed.
    public static let notBefore = "paystream-not-before"
    /// On a replayed message: `<dlq topic>/<partition>/<offset>` it was replayed from.
    public static let replayedFrom = "paystream-replayed-from"
    /// On a dead letter of a replayed message: the dead letter it was replayed from (`<dlq topic>/<partition>/<offset>`),
    /// so that a letter refused again still names the one before it.
    public static let replayOf = "paystream-replay-of"

    /// The headers the pipeline adds; a replay strips them to restore the original message.
    public static let pipelineOwned: Set<String> = [
        originalTopic, originalPartition, originalOffset, errorCode, error, attempts, firstFailureAt, notBefore,
        replayedFrom, replayOf,
    ]
}
