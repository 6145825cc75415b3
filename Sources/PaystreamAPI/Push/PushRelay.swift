import Cryptography
import EventBus
import Foundation
import Kafka
import Logging
import PaystreamCore
import PaystreamRuntime
import ServiceLifecycle

/// Brings `paystream.notifications.outbound` to the clients connected to this process: every API process reads
/// the whole topic in a consumer group of its own (starting at the latest message) and pushes each message to
/// its own connections of the recipient (or group). A client that was not connected misses the push; what
/// happened stays readable through the API.
struct PushRelay: Service {
    let hub: PushHub
    let registry: TopicRegistry
    let kafka: KafkaConfiguration
    let logger: Logger
    /// Opens the one-time tokens of ``TokenPush`` messages, with the keys in force when each arrives (nil: tokens are
    /// not relayed).
    var security: APISecurity?

    func run() async throws {
        guard let family = registry.resolve(family: OutboundNotification.topicFamily) else {
            logger.error("no notifications topic declared; push is off")
            return
        }
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: kafka, groupID: "\(family.consumerGroup)-push-\(UUID().uuidString.prefix(8))", topics: [family.name],
                offsetReset: .latest),
            logger: logger)
        var polledAfterAssignment = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let messages: [KafkaMessage]
            do { messages = try await consumer.poll(maxMessages: 500, timeoutMilliseconds: 100) } catch {
                logger.warning("push relay poll failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if !consumer.assignment.isEmpty {
                if polledAfterAssignment { hub.markReady() }
                polledAfterAssignment = true
            }
            for message in messages { deliver(message.value) }
        }
        await consumer.close()
    }

    /// Issued one-time tokens: opened here, pushed to the audience's own connections only.
    func deliver(_ push: TokenPush) {
        guard let cipher = security?.cipher, let json = try? cipher.open(push.sealed, field: TokenPush.label),
            let tokens = try? JSONDecoder().decode([String].self, from: Data(json.utf8))
        else {
            logger.warning("unreadable token push skipped", metadata: ["to": "\(push.audience)"])
            return
        }
        let data = TokenPush.Delivered(tokens: tokens, expiresInSeconds: OneTimeTokenRule.lifetimeSeconds)
        let count = hub.deliver(
            PushHub.Event(name: OneTimeTokenRule.pushEvent, data: String(decoding: APIJSON.encode(data), as: UTF8.self)), toAccount: push.audience)
        logger.debug("tokens pushed", metadata: ["to": "\(push.audience)", "connections": "\(count)"])
    }

    func deliver(_ bytes: [UInt8]) {
        if let notification = try? OutboundNotification.decode(bytes) {
            let event = PushHub.Event(notification: notification)
            let count = hub.deliver(event, toAccount: notification.recipient.description)
            logger.debug("push", metadata: ["event": "\(event.name)", "to": "\(notification.recipient)", "connections": "\(count)"])
            return
        }
        if let tokens = try? JSONDecoder().decode(TokenPush.self, from: Data(bytes)), tokens.event == OneTimeTokenRule.pushEvent {
            deliver(tokens)
            return
        }
        guard let message = try? JSONDecoder().decode(PushMessage.self, from: Data(bytes)) else {
            logger.warning("unreadable push message skipped")
            return
        }
        let event = PushHub.Event(name: message.event, data: String(decoding: APIJSON.encode(message), as: UTF8.self))
        if message.event == PushMessage.groupLeft, let group = message.groupId {
            // Every API process relays it: the account's streams stop hearing the group wherever they are open.
            hub.leave(account: message.audience, group: group)
        }
        if message.audience.hasPrefix("group:") {
            hub.deliver(event, toGroup: String(message.audience.dropFirst("group:".count)))
        } else {
            hub.deliver(event, toAccount: message.audience)
        }
    }
}
