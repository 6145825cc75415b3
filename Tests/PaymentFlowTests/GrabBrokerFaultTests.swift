import Foundation
import Testing
import TestSupport

/// A grab whose event Kafka does not take is kept in the outbox. Every broker of the shared embedded cluster goes down,
/// so this runs only in deploy/local/test's serial fault run (see TestEnvironment.brokerFaultTestsRunAlone).
@Suite(
    "Grabs while Kafka is down (run alone)", .serialized,
    .enabled(if: TestEnvironment.brokerFaultTestsRunAlone, "changes the shared cluster: run alone by deploy/local/test"))
struct GrabBrokerFaultTests {
    /// Kafka refuses the grab's event (here: no broker answers for the producer's 30 s). The grab was recorded in Redis
    /// only, as pending, and if Redis then lost it, it was in no place at all: the grabber had been told the amount and
    /// was never credited. Now it is kept in the outbox, and the worker publishes it once Kafka is back.
    @Test func aGrabKafkaDidNotTakeIsKeptInTheOutboxAndCredited() async throws {
        try await FlowHarness.run { h in
            let sender = "user:kd\(h.prefix.suffix(6))"
            let grabber = "user:kdg\(h.prefix.suffix(6))"
            let envelope = try await EnvelopeFlowTests.fundedEnvelope(h, sender: sender, totalFen: 2000, shares: 2, mode: "equal", grabbers: [grabber])
            // The request's credentials are taken first: the one-time tokens reach clients through Kafka.
            let path = "/v1/envelopes/\(envelope)/grab"
            var headers = ["X-Paystream-Unsigned": "1"]
            for (name, value) in try await h.authenticated(["X-Paystream-Account": grabber], method: "POST", url: h.apiURL + path, body: Array("{}".utf8)) {
                headers[name] = value
            }
            let brokers = ["1", "2", "3"]
            for id in brokers { _ = try KafkaTestCluster.control("DOWN \(id)") }
            // Whatever happens until the brokers are up again, they come up again: the cluster is every test's.
            let grab = try? await h.send(.POST, h.apiURL + path, json: "{}", headers: headers)
            let kept = try? await h.count(
                "SELECT count(*) FROM outbox WHERE message_key = '\(envelope)' AND sent_at IS NULL AND convert_from(payload, 'UTF8') LIKE '%\(grab?.string("grabId") ?? "?")%'")
            // Redis then loses the grab's pending record: only the outbox has it.
            let deleted = try? await h.redis(["DEL", "\(h.prefix):env:{\(envelope)}:pending"])
            for id in brokers { _ = try KafkaTestCluster.control("UP \(id)") }
            #expect(grab?.status == 200 && grab?.int("amountFen") == 1000 && grab?.string("credit") == "queued", "\(grab?.text ?? "no answer")")
            #expect(kept == 1)
            #expect(deleted?.int64 == 1)
            #expect(await eventually(timeoutSeconds: 120) { (try? await h.balance(grabber)).map { $0 == (1000, 0) } ?? false }, "\(h.worker.tail())")
            #expect(try await h.count("SELECT count(*) FROM envelope_grabbers WHERE envelope_order_id = '\(envelope)'") == 1)
        }
    }
}
