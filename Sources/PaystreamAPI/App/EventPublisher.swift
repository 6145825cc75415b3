import EventBus
import Foundation
import Kafka
import PaystreamCore
import Postgres

/// Puts money events on their topics, keyed by the order that owns the money.
///
/// Two ways, with different guarantees:
/// - ``publish(_:family:)`` returns only after Kafka acknowledged the message (idempotent producer, acks=all):
///   for channel notifies, which are acknowledged to the channel only after this returns.
/// - ``enqueue(_:family:on:)`` writes the event to the outbox inside the caller's PostgreSQL transaction, so the
///   event exists if and only if the command's rows do; the outbox relay (in paystream-worker) publishes it.
struct EventPublisher: Sendable {
    let producer: KafkaProducer
    let registry: TopicRegistry

    /// Topic families, by the names used in topics/ (resolved under a test or bench prefix).
    enum Family: String {
        case paymentCallbacks = "paystream.payment.callbacks"
        case withdrawals = "paystream.withdrawals"
        case refunds = "paystream.refunds"
        case transfers = "paystream.transfer.requests"
        case envelopeGrabs = "paystream.envelope.grabs"
    }

    /// The topic of `family` for the order `orderKey` names: its gray twin for a gray order (``TrafficRoute``).
    func topic(_ family: Family, orderKey: String) throws -> String {
        guard let topic = registry.topic(family: family.rawValue, route: TrafficRoute.of(orderKey: orderKey)) else {
            throw APIError(.internalServerError, "config.topic_missing", "topic family \(family.rawValue) is not declared")
        }
        return topic
    }

    /// `traceparent`: the trace to continue when it is not the current request's (a notify continues the
    /// payment order's trace).
    func publish(_ event: MoneyEvent, family: Family, traceparent: String? = nil) async throws {
        var headers: [KafkaHeader] = []
        if let correlationID = event.correlationID { headers.append(KafkaHeader(name: PipelineHeaders.correlationID, string: correlationID)) }
        if let traceparent = traceparent ?? TraceContext.traceparent { headers.append(KafkaHeader(name: PipelineHeaders.traceparent, string: traceparent)) }
        _ = try await producer.send(
            KafkaOutgoingMessage(topic: try topic(family, orderKey: event.orderKey), key: Array(event.orderKey.utf8), value: event.encode(), headers: headers))
    }

    /// Puts a push message (not a money event) on the notifications topic, keyed by its audience.
    func publish(push message: PushMessage) async throws {
        try await publish(push: message, audience: message.audience)
    }

    /// Puts issued one-time tokens (sealed) on the notifications topic for the audience's connections.
    func publish(tokens message: TokenPush) async throws {
        try await publish(push: message, audience: message.audience)
    }

    private func publish(push message: some Encodable, audience: String) async throws {
        guard let declaration = registry.resolve(family: OutboundNotification.topicFamily) else {
            throw APIError(.serviceUnavailable, "push.unavailable", "no notifications topic is declared: nothing can be pushed")
        }
        _ = try await producer.send(KafkaOutgoingMessage(topic: declaration.name, key: Array(audience.utf8), value: APIJSON.encode(message)))
    }

    func enqueue(_ event: MoneyEvent, family: Family, on connection: PostgresConnection) async throws {
        var headers: [String: String] = ["paystream-cause": "api"]
        if let correlationID = event.correlationID { headers[PipelineHeaders.correlationID] = correlationID }
        if let traceparent = TraceContext.traceparent { headers[PipelineHeaders.traceparent] = traceparent }
        let headerJSON = String(decoding: APIJSON.encode(headers), as: UTF8.self)
        let payload = String(decoding: event.encode(), as: UTF8.self)
        try await connection.execute(
            """
            INSERT INTO outbox (topic, message_key, payload, headers)
            VALUES (\(family.rawValue), \(event.orderKey), convert_to(\(payload), 'UTF8'), \(headerJSON)::jsonb)
            """)
    }
}
