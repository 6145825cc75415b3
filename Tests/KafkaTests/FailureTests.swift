import Foundation
import Kafka
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A port on 127.0.0.1 where nothing listens (bound, read, closed).
func closedLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

@Suite("Kafka failures are clear and bounded")
struct KafkaFailureTests {
    let deadBroker = "127.0.0.1:\(closedLoopbackPort())"

    @Test func sendToAnUnreachableBrokerFailsWithinTheDeliveryTimeout() async throws {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(
                client: KafkaConfiguration(bootstrapServers: deadBroker), deliveryTimeoutMilliseconds: 1_500))
        let started = Date()
        await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaOutgoingMessage(topic: "paystream.diagnostics", key: "k", value: "v"))
        }
        #expect(Date().timeIntervalSince(started) < 60)  // not a hang; a loaded machine's scheduling delay is included
        await producer.shutdown(timeoutMilliseconds: 100)
    }

    @Test func metadataFromAnUnreachableBrokerFailsWithinItsTimeout() async throws {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: deadBroker))
        let started = Date()
        do {
            _ = try await admin.listTopics(timeoutMilliseconds: 1_000)
            Issue.record("listing topics of an unreachable cluster succeeded")
        } catch let error as KafkaError {
            #expect(error.isRetriable)
            #expect(error.message.contains(deadBroker), "the error names the address: \(error)")
        }
        // Bounded (the 1 s timeout plus scheduling on a loaded machine), not a hang.
        #expect(Date().timeIntervalSince(started) < 60)  // not a hang; a loaded machine's scheduling delay is included
        await admin.close()

        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: KafkaConfiguration(bootstrapServers: deadBroker), groupID: "g", topics: ["paystream.diagnostics"]))
        await #expect(throws: KafkaError.self) { try await consumer.checkConnection(timeoutMilliseconds: 1_000) }
        await consumer.close()
    }

    @Test func anInvalidPropertyIsRefusedWithItsName() throws {
        #expect {
            _ = try KafkaProducer(
                configuration: KafkaProducerConfiguration(
                    client: KafkaConfiguration(bootstrapServers: deadBroker, properties: ["no.such.property": "1"])))
        } throws: { error in
            (error as? KafkaError)?.message.contains("no.such.property") == true
        }
    }
}
