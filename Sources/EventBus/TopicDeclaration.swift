/// One file of `topics/`: a topic family as Paystream declares it — the main topic, its retry topics and
/// its dead-letter topic, what the key is, the message schema and the consumer group that owns it.
public struct TopicDeclaration: Codable, Sendable, Equatable {
    public struct Key: Codable, Sendable, Equatable {
        /// The message field whose value is the key (the order that owns the money).
        public var field: String
        public var meaning: String
    }

    public struct Schema: Codable, Sendable, Equatable {
        public var name: String
        public var version: Int
        public var contentType: String
    }

    public struct Retry: Codable, Sendable, Equatable {
        /// One retry topic per delay, tried in order; after the last, the dead-letter topic.
        public var delaysMs: [Int]

        public init(delaysMs: [Int]) { self.delaysMs = delaysMs }
    }

    public struct DeadLetter: Codable, Sendable, Equatable {
        public var retentionMs: String
    }

    public var name: String
    public var description: String
    public var partitions: Int
    public var replicationFactor: Int
    public var config: [String: String]
    public var key: Key
    public var schema: Schema
    public var consumerGroup: String
    public var retry: Retry?
    public var deadLetter: DeadLetter?
    /// True when the family has a gray (canary) twin: `<name>.gray` with its own retry and dead-letter topics,
    /// consumed by the canary worker group `<consumerGroup>.gray` (see ``TrafficRoute``).
    public var gray: Bool?

    /// True for a twin made by ``grayTwin`` (its name ends in `.gray` and it declares no twin of its own).
    public var isGrayTwin: Bool { gray == nil && name.hasSuffix(TrafficRoute.grayTopicSuffix) }

    /// The gray twin of a family declared with `gray: true`: the same settings under `<name>.gray`, consumed by
    /// `<consumerGroup>.gray`.
    public var grayTwin: TopicDeclaration? {
        guard gray == true else { return nil }
        var twin = self
        twin.name = name + TrafficRoute.grayTopicSuffix
        twin.consumerGroup = consumerGroup + TrafficRoute.grayTopicSuffix
        twin.description = "Gray (canary) traffic of \(name): " + description
        twin.gray = nil
        return twin
    }

    /// The retry topics, first to last: `<name>.retry.<n>` with the delay a message waits there.
    public var retryTopics: [(name: String, delayMs: Int)] {
        (retry?.delaysMs ?? []).enumerated().map { ("\(name).retry.\($0.offset + 1)", $0.element) }
    }

    /// The consumer group of the retry topics (one group for all of them): `<consumerGroup>.retry`.
    public var retryConsumerGroup: String { consumerGroup + ".retry" }

    /// `<name>.dlq`, when the family has a dead-letter topic.
    public var deadLetterTopic: String? { deadLetter == nil ? nil : "\(name).dlq" }
}
