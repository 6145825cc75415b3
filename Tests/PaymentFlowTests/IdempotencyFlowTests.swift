import Foundation
import Testing
import TestSupport

/// Client idempotency keys: a retried POST never acts twice.
@Suite(.serialized) struct IdempotencyFlowTests {
    @Test func retriesWithTheSameKeyActOnceAndAnswerTheSame() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("idem", fen: 100_000)
            func post(_ path: String, _ json: String, key: String, as account: String) async throws -> FlowHarness.Reply {
                try await h.send(.POST, h.apiURL + path, json: json, headers: ["X-Paystream-Account": account, "Idempotency-Key": key])
            }

            // A recharge retried: one order, the same answer, marked as replayed.
            let first = try await post("/v1/recharges", #"{"amountFen":1234,"channel":"wechat"}"#, key: "rc-1", as: user)
            let again = try await post("/v1/recharges", #"{"amountFen":1234,"channel":"wechat"}"#, key: "rc-1", as: user)
            #expect(first.status == 201 && again.status == 201)
            #expect(first.text == again.text)
            #expect(again.headers["idempotent-replayed"] == "true" && first.headers["idempotent-replayed"] == nil)
            #expect(try await h.count("SELECT count(*) FROM orders WHERE kind = 'recharge' AND amount_fen = 1234") == 1)
            // The same key for another request is refused; another caller's key is its own.
            let other = try await post("/v1/recharges", #"{"amountFen":999,"channel":"wechat"}"#, key: "rc-1", as: user)
            #expect(other.status == 422 && other.string("code") == "idempotency.key_reused")
            let someoneElse = try await post("/v1/recharges", #"{"amountFen":999,"channel":"wechat"}"#, key: "rc-1", as: "user:else\(h.prefix.suffix(6))")
            #expect(someoneElse.status == 201)

            // A first request whose process stopped before it answered (killed between its claim and its answer: here the
            // answer is taken away again) is "in progress" while young; from five minutes on its outcome is unknown, a
            // stored 500 answered to every retry, and never a second order.
            let crashBody = #"{"amountFen":4321,"channel":"wechat"}"#
            #expect(try await post("/v1/recharges", crashBody, key: "rc-crash", as: user).status == 201)
            _ = try await h.database.client.execute(
                "UPDATE api_idempotency SET status = NULL, content_type = NULL, body = NULL, completed_at = NULL WHERE key = 'rc-crash'")
            let young = try await post("/v1/recharges", crashBody, key: "rc-crash", as: user)
            #expect(young.status == 409 && young.string("code") == "idempotency.in_progress", "\(young.text)")
            _ = try await h.database.client.execute("UPDATE api_idempotency SET created_at = now() - interval '301 seconds' WHERE key = 'rc-crash'")
            for _ in 0..<2 {
                let unknown = try await post("/v1/recharges", crashBody, key: "rc-crash", as: user)
                #expect(unknown.status == 500 && unknown.string("code") == "idempotency.outcome_unknown", "\(unknown.text)")
                #expect(unknown.headers["idempotent-replayed"] == "true")
            }
            #expect(try await h.count("SELECT count(*) FROM orders WHERE kind = 'recharge' AND amount_fen = 4321") == 1)

            // A refusal is an answer too: replayed, not re-evaluated.
            let refused = try await post("/v1/withdrawals", #"{"amountFen":999999999,"channel":"wechat","openId":"o1"}"#, key: "wd-big", as: user)
            let refusedAgain = try await post("/v1/withdrawals", #"{"amountFen":999999999,"channel":"wechat","openId":"o1"}"#, key: "wd-big", as: user)
            #expect(refused.status == 400 && refusedAgain.status == 400 && refused.string("code") == refusedAgain.string("code"))

            let openID = try await h.bindWeChat(as: user)
            // Ten concurrent copies of one withdrawal: one withdrawal, frozen once; every answer is the first
            // one's (202) or "in progress" (409).
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        let reply = try await post("/v1/withdrawals", #"{"amountFen":5000,"channel":"wechat","openId":"\#(openID)"}"#, key: "wd-1", as: user)
                        return (reply.status, reply.string("orderId"))
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0.0 == 202 || $0.0 == 409 }, "\(statuses.map(\.0))")
            #expect(Set(statuses.compactMap(\.1)).count == 1)
            let replay = try await post("/v1/withdrawals", #"{"amountFen":5000,"channel":"wechat","openId":"\#(openID)"}"#, key: "wd-1", as: user)
            #expect(replay.status == 202 && replay.headers["idempotent-replayed"] == "true")
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests") == 1)
            let orderID = try #require(statuses.compactMap(\.1).first)
            #expect(await h.waitFor(orderID, status: "requested"))
            #expect(try await h.balance(user) == (95_000, 5_000))

            // A grab retried over a bad network: the same share, once.
            let sender = "user:idemsender\(h.prefix.suffix(6))"
            let envelope = try await EnvelopeFlowTests.fundedEnvelope(h, sender: sender, totalFen: 1000, shares: 5, grabbers: [user])
            let grab = try await post("/v1/envelopes/\(envelope)/grab", "{}", key: "g-1", as: user)
            let grabAgain = try await post("/v1/envelopes/\(envelope)/grab", "{}", key: "g-1", as: user)
            #expect(grab.status == 200 && grabAgain.status == 200 && grab.string("grabId") == grabAgain.string("grabId"))
            // Without a key a second grab is refused as a second grab: that is the envelope's own rule.
            #expect(try await h.post("/v1/envelopes/\(envelope)/grab", "{}", as: user).status == 409)
            let badKey = try await post("/v1/recharges", #"{"amountFen":1,"channel":"wechat"}"#, key: String(repeating: "k", count: 300), as: user)
            #expect(badKey.status == 400 && badKey.string("code") == "idempotency.invalid_key")
        }
    }

    /// A first request so slow that a retry found its claim abandoned and was told its outcome is unknown: when the
    /// first answers after all, its caller gets that answer, but the key keeps the stored 500 that retries were
    /// already told, so that no two retries are told different things (one "unknown", one "created").
    @Test func aFirstAnswerAfterTheOutcomeWasSettledAsUnknownDoesNotReplaceIt() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("idemlate", fen: 1_000)
            // The first request's order insert takes 4 s (a database stalled under it).
            _ = try await h.database.client.execute(
                "CREATE FUNCTION stall_order() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(4); RETURN NULL; END $$")
            _ = try await h.database.client.execute(
                "CREATE TRIGGER stall_order AFTER INSERT ON orders FOR EACH ROW WHEN (NEW.amount_fen = 6543) EXECUTE FUNCTION stall_order()")
            let body = #"{"amountFen":6543,"channel":"wechat"}"#
            func post() async throws -> FlowHarness.Reply {
                try await h.send(.POST, h.apiURL + "/v1/recharges", json: body, headers: ["X-Paystream-Account": user, "Idempotency-Key": "rc-late"])
            }
            let first = Task { try await post() }
            // Its claim is made at once; aged past the abandonment limit while the request still runs.
            #expect(await eventually { (try? await h.count("SELECT count(*) FROM api_idempotency WHERE key = 'rc-late'")) == 1 })
            _ = try await h.database.client.execute("UPDATE api_idempotency SET created_at = now() - interval '301 seconds' WHERE key = 'rc-late'")
            let retry = try await post()
            #expect(retry.status == 500 && retry.string("code") == "idempotency.outcome_unknown", "\(retry.text)")
            let answered = try await first.value
            #expect(answered.status == 201, "\(answered.text)")
            let later = try await post()
            #expect(later.status == 500 && later.string("code") == "idempotency.outcome_unknown", "\(later.text)")
            #expect(later.headers["idempotent-replayed"] == "true")
            #expect(try await h.count("SELECT count(*) FROM orders WHERE kind = 'recharge' AND amount_fen = 6543") == 1)
            // orders is partitioned: a bare DROP TRIGGER locks the partitions in another order than queries do and
            // can deadlock with the API's sweeps; the table lock first takes the parent before any partition.
            _ = try await h.database.client.execute(
                "DO $$ BEGIN LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; DROP TRIGGER stall_order ON orders; END $$")
        }
    }
}
