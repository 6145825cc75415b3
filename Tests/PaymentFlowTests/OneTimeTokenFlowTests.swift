import Cryptography
import Foundation
import PaystreamCore
import PaystreamRuntime
import Testing
import TestSupport

/// One-time tokens against replayed money-moving requests, against the real API, Redis and push relay: a
/// money-moving request needs one (428), the token comes only over the caller's event stream (never in an HTTP
/// answer, never in Redis), spends once (409 after), is the caller's own (403 for anyone else), and the money
/// moves once whatever is replayed.
@Suite(.serialized) struct OneTimeTokenFlowTests {
    @Test func aMoneyMovingRequestSpendsOneTokenDeliveredOnlyByPush() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("token", fen: 10_000)
            let other = "user:tokenother\(h.prefix.suffix(6))"
            let account = try #require(AccountID(user)), otherAccount = try #require(AccountID(other))
            // Each account withdraws to a WeChat account of its own (one WeChat user is bound to one account).
            let second = try await h.fundedUser("token2", fen: 10_000)
            let secondAccount = try #require(AccountID(second))
            var bound: [AccountID: String] = [:]
            for who in [account, otherAccount, secondAccount] { bound[who] = try await h.bindWeChat(as: who.description) }
            let openIDs = bound
            func bodyOf(_ who: AccountID) -> String { #"{"amountFen":100,"channel":"wechat","openId":"\#(openIDs[who] ?? "")"}"# }
            let body = bodyOf(account)
            /// A withdrawal signed by `who`, with `token` (none: no header) and `extra` headers, sent as is.
            func withdraw(_ token: String?, as who: AccountID = account, extra: [String: String] = [:]) async throws -> FlowHarness.Reply {
                var headers = extra.merging(["X-Paystream-Unsigned": "1"]) { a, _ in a }
                let body = bodyOf(who)
                for (name, value) in ProvisionedIdentities.signatureHeaders(
                    try await h.identities.client(for: who), method: "POST", url: h.apiURL + "/v1/withdrawals", body: Array(body.utf8))
                {
                    headers[name] = value
                }
                if let token { headers[OneTimeTokenRule.header] = token }
                return try await h.send(.POST, h.apiURL + "/v1/withdrawals", json: body, headers: headers)
            }
            func token(for who: AccountID) async throws -> String {
                try await h.identities.tokens.token(for: who) { method, url, body in
                    try await h.identities.headers(account: who, admin: nil, method: method, url: url, body: body)
                }
            }
            let before = try await h.balance(user)

            // Without a token: 428, nothing moves; also by the same routes spelled with extra slashes, which the
            // router takes as the same routes.
            let none = try await withdraw(nil)
            #expect(none.status == 428 && none.string("code") == "token.required", "\(none.text)")
            for path in ["/v1/withdrawals/", "//v1/withdrawals", "/v1/envelopes/EV20260101000000AAAAAAAAAA/grab/"] {
                var headers = ["X-Paystream-Unsigned": "1"]
                for (name, value) in ProvisionedIdentities.signatureHeaders(
                    try await h.identities.client(for: account), method: "POST", url: h.apiURL + path, body: Array(body.utf8))
                {
                    headers[name] = value
                }
                let slashed = try await h.send(.POST, h.apiURL + path, json: body, headers: headers)
                #expect(slashed.status == 428 && slashed.string("code") == "token.required", "\(path): \(slashed.status) \(slashed.text)")
            }

            // Asking answers where the tokens go, not the tokens.
            let asked = try await h.post("/v1/tokens", #"{"count":3}"#, as: user)
            #expect(asked.status == 202, "\(asked.text)")
            #expect(Set(asked.json.keys) == ["delivery", "event", "count", "expiresInSeconds"] && asked.string("delivery") == "push")
            #expect(try await h.post("/v1/tokens", #"{"count":51}"#, as: user).status == 400)
            #expect(try await h.post("/v1/tokens", #"{"count":null}"#, as: user).status == 400)
            #expect(try await h.send(.POST, h.apiURL + "/v1/tokens", body: [], headers: ["X-Paystream-Account": user]).int("count") == 1)
            #expect(try await h.post("/v1/tokens", "{}", admin: "ops-token").status == 403)

            // A token made up, or another account's: 403, and the other account's token is still good for it.
            let madeUp = try await withdraw(Base64URL.encode(SecureRandom.bytes(count: 16)))
            #expect(madeUp.status == 403 && madeUp.string("code") == "token.invalid", "\(madeUp.text)")
            let othersToken = try await token(for: otherAccount)
            let stolen = try await withdraw(othersToken)
            #expect(stolen.status == 403 && stolen.string("code") == "token.invalid", "\(stolen.text)")
            let ownUse = try await withdraw(othersToken, as: otherAccount)
            // Accepted by the token check; refused for want of money (the other account has none).
            #expect(ownUse.status == 409 && ownUse.string("code") == "balance.insufficient_available", "\(ownUse.text)")

            // A token from the event stream: spent once; the same token again is 409; two at once, one passes.
            let first = try await token(for: account)
            let accepted = try await withdraw(first, extra: ["Idempotency-Key": "tok-1"])
            #expect(accepted.status == 202, "\(accepted.text)")
            let replayed = try await withdraw(first, extra: ["Idempotency-Key": "tok-1"])
            #expect(replayed.status == 409 && replayed.string("code") == "token.reused", "\(replayed.text)")
            // A retry with the same Idempotency-Key and a fresh token gets the stored answer, and nothing more.
            let retried = try await withdraw(try await token(for: account), extra: ["Idempotency-Key": "tok-1"])
            #expect(retried.status == 202 && retried.headers["idempotent-replayed"] == "true", "\(retried.status) \(retried.headers)")
            let shared = try await token(for: account)
            async let a = withdraw(shared)
            async let b = withdraw(shared)
            let statuses = [try await a.status, try await b.status].sorted()
            #expect(statuses == [202, 409], "\(statuses)")

            // Two withdrawals of 100 happened: the first and one of the pair.
            #expect(await eventually { (try? await h.balance(user).frozen) == before.frozen + 200 })
            try await Task.sleep(for: .seconds(1))
            #expect(try await h.balance(user) == (before.available - 200, before.frozen + 200))
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE account_id = '\(user)'") == 2)

            // A request whose nonce was used before is refused as a replay before its token is looked at: the
            // token stays unspent, good for the next request. (Another account: the risk rules allow three
            // withdrawals a day.)
            let secondBody = bodyOf(secondAccount)
            var signed = ["X-Paystream-Unsigned": "1"]
            for (name, value) in ProvisionedIdentities.signatureHeaders(
                try await h.identities.client(for: secondAccount), method: "POST", url: h.apiURL + "/v1/withdrawals", body: Array(secondBody.utf8))
            {
                signed[name] = value
            }
            signed[OneTimeTokenRule.header] = try await token(for: secondAccount)
            let once = try await h.send(.POST, h.apiURL + "/v1/withdrawals", json: secondBody, headers: signed)
            #expect(once.status == 202, "\(once.text)")
            let unspent = try await token(for: secondAccount)
            signed[OneTimeTokenRule.header] = unspent
            let replayedNonce = try await h.send(.POST, h.apiURL + "/v1/withdrawals", json: secondBody, headers: signed)
            #expect(replayedNonce.status == 401 && replayedNonce.string("code") == "auth.nonce_reused", "\(replayedNonce.text)")
            let spentLater = try await withdraw(unspent, as: secondAccount)
            #expect(spentLater.status == 202, "\(spentLater.text)")
            #expect(await eventually { (try? await h.balance(second).frozen) == 200 })

            // Redis holds digests of the tokens, never a token.
            let keys = try await h.redis(["KEYS", "\(h.prefix):ott*"])
            guard case .array(let items) = keys else { Issue.record("KEYS answered \(keys)"); return }
            #expect(!items.isEmpty)
            for item in items {
                guard case .bulkString(let bytes) = item else { continue }
                let key = String(decoding: bytes, as: UTF8.self)
                for spent in [first, shared, othersToken, unspent] { #expect(!key.contains(spent)) }
            }
        }
    }

    /// Tokens are issued at most ``OneTimeTokenRule/issueLimit`` per account per window: a client asking for more
    /// gets 429 with `Retry-After` and nothing is issued; another account is not affected.
    @Test func anAccountIsIssuedAtMostTheLimitPerWindow() async throws {
        try await FlowHarness.run { h in
            let user = "user:tokenlimit\(h.prefix.suffix(6))", other = "user:tokenlimitother\(h.prefix.suffix(6))"
            let batch = OneTimeTokenRule.maxBatch
            let batches = OneTimeTokenRule.issueLimit / batch
            // Eight callers at a time, the whole allowance.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<8 {
                    group.addTask {
                        for _ in stride(from: lane, to: batches, by: 8) {
                            let asked = try await h.post("/v1/tokens", #"{"count":\#(batch)}"#, as: user)
                            #expect(asked.status == 202, "\(asked.status) \(asked.text)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let counter = try await h.redis(["GET", "\(h.prefix):ott-issued:\(user)"])
            #expect(counter.string == String(batches * batch), "issued so far: \(counter)")

            let refused = try await h.post("/v1/tokens", #"{"count":1}"#, as: user)
            #expect(refused.status == 429 && refused.string("code") == "token.rate_limited", "\(refused.status) \(refused.text)")
            let retryAfter = Int(refused.headers["retry-after"] ?? "") ?? 0
            #expect((1...OneTimeTokenRule.lifetimeSeconds).contains(retryAfter), "Retry-After \(refused.headers["retry-after"] ?? "none")")
            // The refused request issued nothing; the window is the tokens' lifetime.
            #expect(try await h.redis(["GET", "\(h.prefix):ott-issued:\(user)"]).string == String(batches * batch))
            let ttl = try await h.redis(["TTL", "\(h.prefix):ott-issued:\(user)"]).int64 ?? -1
            #expect((1...Int64(OneTimeTokenRule.lifetimeSeconds)).contains(ttl), "TTL \(ttl)")

            #expect(try await h.post("/v1/tokens", #"{"count":\#(batch)}"#, as: other).status == 202)
        }
    }
}
