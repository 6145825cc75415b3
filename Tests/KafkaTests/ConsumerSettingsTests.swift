import Testing

@testable import Kafka

/// What a consumer asks librdkafka for: the fetch wait, and raw properties applied after everything else.
@Suite struct ConsumerSettingsTests {
    static func consumerProperties(_ client: KafkaConfiguration) -> [String: String] {
        KafkaConsumerConfiguration(client: client, groupID: "g", topics: ["t"]).librdkafkaProperties
    }

    @Test func aConfiguredFetchWaitReachesEveryConsumer() {
        let client = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", fetchWaitMaxMilliseconds: 20)
        #expect(Self.consumerProperties(client)["fetch.wait.max.ms"] == "20")
        #expect(client.consumerProperties == ["fetch.wait.max.ms": "20"], "the topic reader merges the same")
    }

    @Test func withoutOneLibrdkafkasDefaultStands() {
        let client = KafkaConfiguration(bootstrapServers: "127.0.0.1:1")
        #expect(Self.consumerProperties(client)["fetch.wait.max.ms"] == nil)
    }

    @Test func producersAreNotGivenTheConsumerOnlyProperty() {
        // librdkafka warns for every consumer property a producer is given.
        let client = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", fetchWaitMaxMilliseconds: 20)
        #expect(KafkaProducerConfiguration(client: client).librdkafkaProperties["fetch.wait.max.ms"] == nil)
    }

    @Test func rawPropertiesStillWinOverIt() {
        let client = KafkaConfiguration(bootstrapServers: "127.0.0.1:1", properties: ["fetch.wait.max.ms": "100"], fetchWaitMaxMilliseconds: 20)
        #expect(Self.consumerProperties(client)["fetch.wait.max.ms"] == "100")
    }
}
