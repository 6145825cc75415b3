/// A message to publish after the effects of an event commit (written to the outbox in the same transaction).
///
/// Guarantees: `topicFamily` names a family of `topics/`; `key` is the Kafka key; `payload` is JSON.
public struct FollowUp: Sendable, Equatable {
    public var topicFamily: String
    public var key: String
    public var payload: [UInt8]

    public init(topicFamily: String, key: String, payload: [UInt8]) {
        self.topicFamily = topicFamily
        self.key = key
        self.payload = payload
    }
}
