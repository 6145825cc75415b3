import Foundation
import Kafka
import Testing
import TestSupport

/// An envelope paid from the wallet: the API creates its order and checks the balance without a lock, so the money
/// can be gone by the time the worker applies the funding (another envelope, a withdrawal). Such an envelope fails,
/// with its reason, instead of staying `created` for ever with its funding in the dead-letter topic.
@Suite("Wallet-funded envelopes", .serialized)
struct WalletEnvelopeFundingTests {
    @Test func anEnvelopeWhoseWalletNoLongerHoldsTheMoneyFailsInsteadOfWaiting() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "envelope.grabs"])
        let producer = try KafkaTestCluster.producer()
        let worker = try h.startWorker()
        try await h.produce([try EventFactory.payment(order: "r-1", user: "bob", fen: 1_000, purpose: .recharge)], to: "payment.callbacks", producer: producer)
        #expect(await eventually { (try? await h.balance("user:bob").available) == 1_000 }, "\(worker.tail())")
        // Both envelopes were accepted by the API while 1,000 fen were there.
        for (envelope, fen) in [("e-first", 600), ("e-second", 500)] {
            _ = try await h.database.client.execute(
                "INSERT INTO orders (order_id, kind, status, owner_account, amount_fen) VALUES (\(envelope), 'envelope', 'created', 'user:bob', \(Int64(fen)))")
        }
        try await h.produce([try EventFactory.walletFunded(envelope: "e-first", user: "bob", fen: 600)], to: "envelope.grabs", producer: producer)
        #expect(await eventually { (try? await h.status("e-first")) == "funded" })
        try await h.produce([try EventFactory.walletFunded(envelope: "e-second", user: "bob", fen: 500)], to: "envelope.grabs", producer: producer)
        #expect(await eventually { (try? await h.status("e-second")) == "failed" }, "\(worker.tail())")

        let reason = try await h.database.client.query("SELECT status_reason FROM orders WHERE order_id = 'e-second'")
        #expect(try reason.first?.decode(String?.self, column: "status_reason")?.hasPrefix("balance.insufficient_available") == true)
        #expect(try await h.balance("user:bob") == (400, 600))
        #expect(try await h.deadLetters("envelope.grabs").isEmpty)
        #expect(try await h.verify().isClean)
        #expect(await worker.terminate() == 0)
        await h.close()
    }
}
