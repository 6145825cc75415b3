import EventBus
import Foundation
import Kafka

/// Where one message sits on a dead-letter topic. Its ``description`` (`<topic>/<partition>/<offset>`) is the
/// value of the `paystream-replayed-from` header of a replay and the key of `dead_letter_actions` rows.
public struct DeadLetterAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let topic: String
    public let partition: Int32
    public let offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var description: String { "\(topic)/\(partition)/\(offset)" }

    public static func < (a: DeadLetterAddress, b: DeadLetterAddress) -> Bool {
        (a.topic, a.partition, a.offset) < (b.topic, b.partition, b.offset)
    }
}

/// One operator decision about a dead letter, as recorded in `dead_letter_actions` (never deleted).
public struct DeadLetterAction: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable { case replayed, dropped }

    public let address: DeadLetterAddress
    public let kind: Kind
    public let reason: String
    public let actor: String
    public let createdAt: Date

    public init(address: DeadLetterAddress, kind: Kind, reason: String, actor: String, createdAt: Date) {
        self.address = address
        self.kind = kind
        self.reason = reason
        self.actor = actor
        self.createdAt = createdAt
    }
}

/// Where a dead letter stands: nothing decided yet, or the latest recorded decision.
public enum DeadLetterStatus: String, Sendable, Codable {
    case pending, replayed, dropped

    /// The status that `actions` (oldest first) lead to: the latest decision wins.
    public init(actions: [DeadLetterAction]) {
        switch actions.last?.kind {
        case nil: self = .pending
        case .replayed?: self = .replayed
        case .dropped?: self = .dropped
        }
    }
}

/// A message read from a dead-letter topic together with its recorded actions.
///
/// Guarantees: ``letter`` is nil exactly when the message lacks the pipeline headers that say where it came
/// from; such a message is shown but can never be replayed.
public struct DeadLetterEntry: Sendable {
    public let address: DeadLetterAddress
    public let message: KafkaMessage
    public let letter: DeadLetter?
    /// Oldest first.
    public let actions: [DeadLetterAction]

    public init(message: KafkaMessage, actions: [DeadLetterAction]) {
        self.address = DeadLetterAddress(topic: message.topic, partition: message.partition, offset: message.offset)
        self.message = message
        self.letter = DeadLetter(message: message)
        self.actions = actions
    }

    public var status: DeadLetterStatus { DeadLetterStatus(actions: actions) }

    /// The first failure time, when the letter carries a parseable one.
    public var firstFailure: Date? { letter.flatMap { DeadLetterTime.parse($0.firstFailureAt) } }
}

/// Which dead letters an operator means. Every condition given must hold.
public struct DeadLetterFilter: Sendable {
    /// Case-insensitive text that the error code or the error message must contain.
    public var errorText: String?
    /// Earliest first failure (inclusive).
    public var since: Date?
    /// Latest first failure (exclusive).
    public var until: Date?
    /// Also match letters already replayed or dropped.
    public var includeResolved: Bool

    public init(errorText: String? = nil, since: Date? = nil, until: Date? = nil, includeResolved: Bool = false) {
        self.errorText = errorText
        self.since = since
        self.until = until
        self.includeResolved = includeResolved
    }

    /// True when at least one condition narrows the selection.
    public var narrows: Bool { errorText != nil || since != nil || until != nil }

    public func matches(_ entry: DeadLetterEntry) -> Bool {
        if !includeResolved && entry.status != .pending { return false }
        if let errorText, !errorText.isEmpty {
            guard let letter = entry.letter,
                letter.errorCode.localizedCaseInsensitiveContains(errorText)
                    || letter.error.localizedCaseInsensitiveContains(errorText)
            else { return false }
        }
        if since != nil || until != nil {
            guard let first = entry.firstFailure else { return false }
            if let since, first < since { return false }
            if let until, first >= until { return false }
        }
        return true
    }
}

/// ISO-8601 times as operators type them and as the pipeline writes them.
public enum DeadLetterTime {
    /// Parses `2024-05-01T12:00:00Z`, with fractional seconds or a `+hh:mm` offset, or a plain date
    /// `2024-05-01` (midnight UTC). Nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate],
        ] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            formatter.timeZone = TimeZone(identifier: "UTC")
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }

    /// `2024-05-01T12:00:00.123Z`.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
