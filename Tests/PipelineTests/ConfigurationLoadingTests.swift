import Testing

@testable import PaystreamRuntime

/// The consumers' fetch wait, from the environment into every Kafka client of a process.
@Suite struct ConfigurationLoadingTests {
    @Test func theFetchWaitComesFromTheEnvironmentAndReachesTheKafkaClients() throws {
        let configuration = try PaystreamConfiguration.load(file: nil, environment: ["PAYSTREAM_KAFKA_FETCH_WAIT_MAX_MS": "20"])
        #expect(configuration.kafkaFetchWaitMaxMs == 20)
        #expect(configuration.kafka(clientID: "c").fetchWaitMaxMilliseconds == 20)
        let unset = try PaystreamConfiguration.load(file: nil, environment: [:])
        #expect(unset.kafka(clientID: "c").fetchWaitMaxMilliseconds == nil, "a real cluster keeps librdkafka's 500 ms")
    }

    @Test func aFetchWaitThatIsNotAPositiveNumberIsRefused() {
        for value in ["soon", "0", "-5", "300001"] {
            #expect(throws: PaystreamConfiguration.Invalid.self, "\(value)") {
                try PaystreamConfiguration.load(file: nil, environment: ["PAYSTREAM_KAFKA_FETCH_WAIT_MAX_MS": value])
            }
        }
    }

    @Test func theFetchWaitIsNotSetTwice() {
        #expect(throws: PaystreamConfiguration.Invalid.self) {
            try PaystreamConfiguration.load(
                file: nil,
                environment: ["PAYSTREAM_KAFKA_FETCH_WAIT_MAX_MS": "20", "PAYSTREAM_KAFKA_PROPERTIES": "fetch.wait.max.ms=30"])
        }
    }
}
