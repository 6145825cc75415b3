import Foundation
import Testing
import TestSupport

/// paystream-api killed with SIGKILL while notifies and requests are in flight: every payment is credited
/// exactly once after it restarts (a notify not acknowledged is retried by the channel; one whose retries ran
/// out is found by the payment poller; one acknowledged was on Kafka first).
@Suite(.serialized) struct CrashFlowTests {
    @Test func killingTheAPIMidStreamLosesAndDoublesNothing() async throws {
        try await FlowHarness.run(paymentQueryAfterSeconds: 5) { h in
            let user = "user:crash\(h.prefix.suffix(6))"
            var orders: [(id: String, channel: String, fen: Int64)] = []
            for n in 0..<24 {
                let channel = n % 3 == 0 ? "alipay" : "wechat"
                let fen = Int64(100 + n * 37)
                let reply = try await h.post("/v1/recharges", #"{"amountFen":\#(fen),"channel":"\#(channel)"}"#, as: user)
                orders.append((try #require(reply.string("orderId"), "\(reply.text)"), channel, fen))
            }
            // The payers pay one after another; once the API has acknowledged a few notifies (so they are
            // flowing), it is killed in the middle of the stream and started again a second later.
            let toPay = orders
            let payers = Task {
                for order in toPay {
                    try await h.pay(order.channel, order.id)
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            func acknowledged() async throws -> Int {
                let records = try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/notifies").body)) as? [[String: Any]] ?? []
                return records.filter { $0["state"] as? String == "delivered" }.count
            }
            #expect(await eventually(timeoutSeconds: 60, every: 5) { (try? await acknowledged()) ?? 0 >= 4 })
            await h.killAPI()
            let acknowledgedAtKill = try await acknowledged()
            try await Task.sleep(for: .seconds(1))  // notifies meet a closed port meanwhile
            try await h.restartAPI()
            try await payers.value
            #expect(acknowledgedAtKill < orders.count, "the kill came after every notify was acknowledged: it proved nothing")
            for order in orders { #expect(await h.waitFor(order.id, status: "paid"), "order \(order.id)") }
            try await Task.sleep(for: .seconds(2))  // any late duplicate has arrived by now
            #expect(try await h.balance(user) == (orders.reduce(0) { $0 + $1.fen }, 0))
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'rechargePaid'") == Int64(orders.count))
            // The restarted API serves requests as before.
            #expect(try await h.get("/v1/balance", as: user).int("availableFen") == orders.reduce(0) { $0 + $1.fen })
        }
    }
}
