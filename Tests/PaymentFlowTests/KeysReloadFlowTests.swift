import Foundation
import PaystreamCore
import PaystreamRuntime
import Testing
import TestSupport

/// `paystream keys rotate` re-seals every value under a new key version. An API process takes the replaced keys file
/// without a restart (`--keys-reload-seconds`), so it opens what was re-sealed: before, until it was restarted, its
/// clients answered 500 and its payouts waited. A file that is not a successor of the keys in force is refused, and
/// the keys in force stay.
@Suite struct KeysReloadFlowTests {
    @Test func aRunningAPITakesTheRotatedKeysAndRefusesForeignOnes() async throws {
        try await FlowHarness.run(apiOptions: ["--keys-reload-seconds", "0.5"]) { h in
            let (user, cardID) = try await h.fundedUserWithCard("krl", fen: 50_000, holder: "周九")
            // A client the API has never used (nothing cached): its secret is opened from the database at its first request.
            let fresh = "user:krf\(h.prefix.suffix(6))"
            _ = try await h.identities.client(for: try #require(AccountID(fresh)))

            let rotated = try await h.paystream(["keys", "rotate"])
            #expect(rotated.status == 0, "\(rotated.output)")
            #expect(await eventually(timeoutSeconds: 15) {
                ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("keys file replaced; new keys in force")
            })
            // Without a restart: the re-sealed client signs, the re-sealed card pays out.
            let balance = try await h.get("/v1/balance", as: fresh)
            #expect(balance.status == 200, "\(balance.status) \(balance.text)")
            let request = try await h.post("/v1/withdrawals", #"{"amountFen":2500,"channel":"bill99","cardId":"\#(cardID)"}"#, as: user)
            #expect(request.status == 202, "\(request.status) \(request.text)")
            let order = try #require(request.string("orderId"))
            #expect(await h.waitFor(order, status: "requested"))
            #expect(try await h.post("/v1/admin/withdrawals/\(order)/approve", "{}", admin: "ops-lee").status == 202)
            #expect(await h.waitFor(order, status: "paidOut"))
            #expect(try await h.balance(user) == (47_500, 0))
            // What the API seals now is under the new version (2).
            let destination = try await h.database.client.query(
                "SELECT destination->>'accountNumber' AS n FROM withdrawal_requests WHERE order_id = \(order)")
            #expect(try destination.first?.decode(String.self, column: "n").hasPrefix("v2.") == true)

            // Another deployment's keys in the file: refused, logged; the keys in force stay.
            try SecurityKeys.generate().jsonRepresentation().write(to: h.keysFile, atomically: true, encoding: .utf8)
            #expect(await eventually(timeoutSeconds: 15) {
                ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("keys file replaced by keys that are not taken")
            })
            let still = try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","cardId":"\#(cardID)"}"#, as: user)
            #expect(still.status == 202, "\(still.status) \(still.text)")
            #expect(try await h.get("/v1/balance", as: fresh).status == 200)
        }
    }
}
