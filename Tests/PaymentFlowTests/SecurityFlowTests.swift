import Cryptography
import Foundation
import PaystreamCore
import PaystreamRuntime
import Testing
import TestSupport

/// Attacks on the API, each with its expected refusal and no change to any balance or order: forged and
/// tampered signatures, a replayed nonce, an expired timestamp, the old identity headers, sessions forged,
/// expired or of the wrong role, brute-forced logins, injection strings, hostile amounts, another user's data.
@Suite(.serialized) struct SecurityFlowTests {
    /// A request signed by hand, so that each part can be broken on purpose.
    struct Forge {
        let h: FlowHarness
        let credentials: APIClients.Credentials
        var method = "POST"
        var path = "/v1/recharges"
        var query: String?
        var body = #"{"amountFen":100,"channel":"wechat"}"#
        /// Seconds added to the clock when the request is sent.
        var skew = 0
        var nonce = Hex.encode(SecureRandom.bytes(count: 16))
        var secret: [UInt8]?
        var appID: String?
        var sentBody: String?
        var sentPath: String?
        var drop: String?

        func send() async throws -> FlowHarness.Reply {
            var headers: [String: String] = [:]
            for (name, value) in RequestSignature.headers(
                appID: appID ?? credentials.appID, secret: secret ?? credentials.secret, method: method, path: path, query: query,
                body: Array(body.utf8), timestamp: Int(Date().timeIntervalSince1970) + skew, nonce: nonce)
            where name != drop {
                headers[name] = value
            }
            headers["X-Paystream-Unsigned"] = "1"
            let url = h.apiURL + (sentPath ?? path) + (query.map { "?" + $0 } ?? "")
            return try await h.send(method == "GET" ? .GET : .POST, url, json: method == "GET" ? nil : (sentBody ?? body), headers: headers)
        }
    }

    @Test func forgedReplayedAndStaleRequestsAreRefusedAndChangeNothing() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("sec", fen: 50_000)
            let account = try #require(AccountID(user))
            let credentials = try await h.identities.client(for: account)
            let before = try await h.balance(user)
            let ordersBefore = try await h.count("SELECT count(*) FROM orders WHERE owner_account = '\(user)'")

            // The honest request works, once.
            let honest = Forge(h: h, credentials: credentials)
            #expect(try await honest.send().status == 201)
            let ordersAfterHonest = try await h.count("SELECT count(*) FROM orders WHERE owner_account = '\(user)'")
            #expect(ordersAfterHonest == ordersBefore + 1)
            // Its nonce is remembered past the whole acceptance window (twice the 300 s skew) with a margin for API
            // processes whose clocks differ.
            let ttl = try await h.redis(["TTL", "\(h.prefix):nonce:\(credentials.appID):\(honest.nonce)"])
            guard case .integer(let seconds) = ttl else { Issue.record("no nonce key: \(ttl)"); return }
            #expect((660...720).contains(seconds), "\(seconds) s")

            let attacks: [(String, Forge, Int, String)] = [
                ("replayed nonce", honest, 401, "auth.nonce_reused"),
                ("tampered body", { var f = Forge(h: h, credentials: credentials); f.sentBody = #"{"amountFen":999,"channel":"wechat"}"#; return f }(), 401, "auth.signature_invalid"),
                ("wrong secret", { var f = Forge(h: h, credentials: credentials); f.secret = SecureRandom.bytes(count: 32); return f }(), 401, "auth.signature_invalid"),
                ("signed for another path", { var f = Forge(h: h, credentials: credentials); f.sentPath = "/v1/withdrawals"; return f }(), 401, "auth.signature_invalid"),
                // Well outside the 300 s window, so that a slow test machine cannot bring them back into it.
                ("timestamp 400 s old", { var f = Forge(h: h, credentials: credentials); f.skew = -400; return f }(), 401, "auth.timestamp_skew"),
                ("timestamp 400 s ahead", { var f = Forge(h: h, credentials: credentials); f.skew = 400; return f }(), 401, "auth.timestamp_skew"),
                ("unknown app", { var f = Forge(h: h, credentials: credentials); f.appID = "app_000000000000000000000000"; return f }(), 401, "auth.unknown_app"),
                ("no signature", { var f = Forge(h: h, credentials: credentials); f.drop = RequestSignature.signatureHeader; return f }(), 401, "auth.signature_missing"),
                ("no nonce", { var f = Forge(h: h, credentials: credentials); f.drop = RequestSignature.nonceHeader; return f }(), 401, "auth.signature_missing"),
                ("short nonce", { var f = Forge(h: h, credentials: credentials); f.nonce = "abc"; return f }(), 401, "auth.nonce_invalid"),
            ]
            for (name, forge, status, code) in attacks {
                let reply = try await forge.send()
                #expect(reply.status == status && reply.string("code") == code, "\(name): \(reply.status) \(reply.text)")
            }
            // Identity headers of earlier versions are refused, not trusted.
            let provisional = try await h.send(
                .POST, h.apiURL + "/v1/recharges", json: #"{"amountFen":100,"channel":"wechat"}"#,
                headers: ["X-Paystream-Account": user, "X-Paystream-Unsigned": "1"])
            #expect(provisional.status == 401 && provisional.string("code") == "auth.unsigned_identity")
            let unsigned = try await h.send(.POST, h.apiURL + "/v1/recharges", json: #"{"amountFen":100,"channel":"wechat"}"#)
            #expect(unsigned.status == 401 && unsigned.string("code") == "auth.missing")

            #expect(try await h.count("SELECT count(*) FROM orders WHERE owner_account = '\(user)'") == ordersAfterHonest)
            #expect(try await h.balance(user) == before)
            // The client's secret is stored sealed: neither its Base64 nor its hex is in the table.
            let sealed = try await h.database.client.query("SELECT secret_sealed FROM api_clients WHERE app_id = \(credentials.appID)")
            let text = try #require(try sealed.first?.decode(String.self, column: "secret_sealed"))
            #expect(text.hasPrefix("v1.") && !text.contains(Base64.encode(credentials.secret)) && !text.contains(Hex.encode(credentials.secret)))
        }
    }

    @Test func sessionsRolesAndLoginLockout() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("role", fen: 10_000)
            let shop = "merchant:sec\(h.prefix.suffix(6))"
            let otherShop = "merchant:other\(h.prefix.suffix(6))"

            // A user on a back-office route: 403. No identity: 401.
            let asUser = try await h.get("/v1/admin/withdrawals", as: user)
            #expect(asUser.status == 403 && asUser.string("code") == "auth.admin_required")
            let anonymous = try await h.send(.GET, h.apiURL + "/v1/admin/withdrawals")
            #expect(anonymous.status == 401 && anonymous.string("code") == "auth.admin_required")
            // An operator's session is not an account.
            let asAdmin = try await h.get("/v1/balance", admin: "ops-sec")
            #expect(asAdmin.status == 403 && asAdmin.string("code") == "auth.account_required")
            #expect(try await h.get("/v1/admin/withdrawals", admin: "ops-sec").status == 200)

            // A merchant needs its session as well as its signature.
            let shopAccount = try #require(AccountID(shop))
            let shopClient = try await h.identities.client(for: shopAccount)
            let body = #"{"description":"counter"}"#
            // The shop's signature alone, with `extra` headers, sent as is.
            func signedByShop(_ extra: [String: String]) -> [String: String] {
                var headers = extra.merging(["X-Paystream-Unsigned": "1"]) { a, _ in a }
                for (name, value) in ProvisionedIdentities.signatureHeaders(
                    shopClient, method: "POST", url: h.apiURL + "/v1/collect-codes", body: Array(body.utf8))
                {
                    headers[name] = value
                }
                return headers
            }
            var headers = signedByShop([:])
            let noSession = try await h.send(.POST, h.apiURL + "/v1/collect-codes", json: body, headers: headers)
            #expect(noSession.status == 401 && noSession.string("code") == "auth.session_required")
            // Another merchant's session with this merchant's signature: 403.
            let otherSession = try await h.identities.session(login: otherShop, role: .merchant, account: AccountID(otherShop))
            headers = signedByShop(["Authorization": "Bearer " + otherSession])
            let mismatch = try await h.send(.POST, h.apiURL + "/v1/collect-codes", json: body, headers: headers)
            #expect(mismatch.status == 403 && mismatch.string("code") == "auth.session_mismatch")
            let created = try await h.send(.POST, h.apiURL + "/v1/collect-codes", json: body, headers: ["X-Paystream-Account": shop, "Idempotency-Key": "cc-1"])
            #expect(created.status == 201)
            // The stored answer of that key is not replayed to the merchant's signature without its session.
            headers = signedByShop(["Idempotency-Key": "cc-1"])
            let replayWithoutSession = try await h.send(.POST, h.apiURL + "/v1/collect-codes", json: body, headers: headers)
            #expect(replayWithoutSession.status == 401 && replayWithoutSession.string("code") == "auth.session_required")

            // Forged and tampered sessions.
            let adminSession = try await h.identities.session(login: "ops-sec", role: .admin, account: nil)
            let parts = adminSession.split(separator: ".").map(String.init)
            let forgedClaims = Base64URL.encode(Array(#"{"exp":4102444800,"iat":0,"role":"admin","sid":"x","sub":"mallory"}"#.utf8))
            for token in [forgedClaims + "." + parts[1], parts[0] + "." + String(parts[1].reversed()), "garbage", parts[0]] {
                let reply = try await h.send(.GET, h.apiURL + "/v1/admin/withdrawals", headers: ["Authorization": "Bearer " + token])
                #expect(reply.status == 401 && reply.string("code") == "auth.session_invalid", "\(token.prefix(20)): \(reply.text)")
            }
            // A session signed with the right key but expired.
            let expired = try SessionToken.issue(
                for: Logins.Principal(login: "ops-sec", role: .admin, account: nil, generation: 0), key: h.identities.keys.sessionKey,
                now: Date().addingTimeInterval(-SessionToken.lifetime - 1)).token
            let stale = try await h.send(.GET, h.apiURL + "/v1/admin/withdrawals", headers: ["Authorization": "Bearer " + expired])
            #expect(stale.status == 401 && stale.string("code") == "auth.session_expired")

            // Brute force: five wrong passwords lock the login, also against the right one.
            for attempt in 1...5 {
                let wrong = try await h.send(.POST, h.apiURL + "/v1/auth/login", json: #"{"login":"ops-sec","password":"guess-\#(attempt)"}"#)
                #expect(wrong.status == (attempt < 5 ? 401 : 429), "attempt \(attempt): \(wrong.text)")
            }
            let right = try await h.send(
                .POST, h.apiURL + "/v1/auth/login", json: #"{"login":"ops-sec","password":"\#(ProvisionedIdentities.password)"}"#)
            #expect(right.status == 429 && right.string("code") == "auth.locked" && Int(right.headers["retry-after"] ?? "") ?? 0 > 0)
            // A login that does not exist is answered the same way, lockout included, so that neither the 401
            // nor the 429 tells which logins exist.
            for attempt in 1...6 {
                let unknown = try await h.send(.POST, h.apiURL + "/v1/auth/login", json: #"{"login":"nobody","password":"x-\#(attempt)"}"#)
                if attempt < 5 {
                    #expect(unknown.status == 401 && unknown.string("code") == "auth.login_failed", "attempt \(attempt): \(unknown.text)")
                } else {
                    #expect(unknown.status == 429 && unknown.string("code") == "auth.locked", "attempt \(attempt): \(unknown.text)")
                    #expect(Int(unknown.headers["retry-after"] ?? "") ?? 0 > 0)
                }
            }
            // A new password unlocks a login.
            let logins = Logins(postgres: h.database.client, hasher: try PasswordHasher(parameters: .pbkdf2SHA256(iterations: 10_000)))
            try await logins.create(login: "ops-sec", role: .admin, account: nil, password: ProvisionedIdentities.password)
            let afterReset = try await h.send(
                .POST, h.apiURL + "/v1/auth/login", json: #"{"login":"ops-sec","password":"\#(ProvisionedIdentities.password)"}"#)
            #expect(afterReset.status == 200, "\(afterReset.text)")
            // A login's answer is a bearer session: never kept with an idempotency key, so the key is ignored and each
            // login opens its own session.
            var sessions: [String] = []
            for _ in 0..<2 {
                let keyed = try await h.send(
                    .POST, h.apiURL + "/v1/auth/login", json: #"{"login":"ops-sec","password":"\#(ProvisionedIdentities.password)"}"#,
                    headers: ["Idempotency-Key": "login-once"])
                #expect(keyed.status == 200 && keyed.headers["idempotent-replayed"] == nil, "\(keyed.text)")
                sessions.append(keyed.string("token") ?? "")
            }
            #expect(Set(sessions).count == 2 && !sessions.contains(""), "\(sessions)")
            #expect(try await h.count("SELECT count(*) FROM api_idempotency WHERE key = 'login-once'") == 0)
            let slashed = try await h.send(
                .POST, h.apiURL + "/v1/auth/login/", json: #"{"login":"ops-sec","password":"\#(ProvisionedIdentities.password)"}"#,
                headers: ["Idempotency-Key": "login-slashed"])
            #expect([200, 404].contains(slashed.status), "\(slashed.text)")
            #expect(try await h.count("SELECT count(*) FROM api_idempotency WHERE key = 'login-slashed'") == 0)

            // Logging out ends a session at once, everywhere; the other session of the same login goes on.
            let queue = try await h.send(.GET, h.apiURL + "/v1/admin/withdrawals", headers: ["Authorization": "Bearer " + sessions[0]])
            #expect(queue.status == 200, "\(queue.text)")
            let out = try await h.send(.POST, h.apiURL + "/v1/auth/logout", headers: ["Authorization": "Bearer " + sessions[0]])
            #expect(out.status == 204, "\(out.text)")
            let after = try await h.send(.GET, h.apiURL + "/v1/admin/withdrawals", headers: ["Authorization": "Bearer " + sessions[0]])
            #expect(after.status == 401 && after.string("code") == "auth.session_revoked", "\(after.text)")
            let other = try await h.send(.GET, h.apiURL + "/v1/admin/withdrawals", headers: ["Authorization": "Bearer " + sessions[1]])
            #expect(other.status == 200, "\(other.text)")
            // A new password ends every session opened with the old one (the one still open above), everywhere; a
            // login with the new password opens one that works.
            try await logins.create(login: "ops-sec", role: .admin, account: nil, password: ProvisionedIdentities.password + "-2")
            let afterChange = try await h.send(.GET, h.apiURL + "/v1/admin/withdrawals", headers: ["Authorization": "Bearer " + sessions[1]])
            #expect(afterChange.status == 401 && afterChange.string("code") == "auth.session_revoked", "\(afterChange.text)")
            #expect(afterChange.string("detail")?.contains("password") == true, "\(afterChange.text)")
            let relogin = try await h.send(
                .POST, h.apiURL + "/v1/auth/login", json: #"{"login":"ops-sec","password":"\#(ProvisionedIdentities.password)-2"}"#)
            #expect(relogin.status == 200, "\(relogin.text)")
            let withNew = try await h.send(
                .GET, h.apiURL + "/v1/admin/withdrawals", headers: ["Authorization": "Bearer " + (relogin.string("token") ?? "")])
            #expect(withNew.status == 200, "\(withNew.text)")
            let logoutWithout = try await h.send(.POST, h.apiURL + "/v1/auth/logout")
            #expect(logoutWithout.status == 401 && logoutWithout.string("code") == "auth.session_required", "\(logoutWithout.text)")
            #expect(try await h.count("SELECT count(*) FROM logins WHERE password_hash LIKE '%\(ProvisionedIdentities.password)%'") == 0)
        }
    }

    /// Guesses sent all at once are counted before any is checked: the five first are checked, the name is locked at
    /// the fifth, and a right password in the same burst is refused with the lock instead of being checked too.
    @Test func aBurstOfParallelGuessesGetsFiveChecksThenTheLock() async throws {
        try await FlowHarness.run { h in
            // A slow hash, as scrypt is in production, so that the burst is all in before the first check ends.
            let logins = Logins(postgres: h.database.client, hasher: try PasswordHasher(parameters: .pbkdf2SHA256(iterations: 400_000)))
            let login = "ops-burst\(h.prefix.suffix(6))"
            try await logins.create(login: login, role: .admin, account: nil, password: "the-right-password")
            let guesses = Task {
                try await withThrowingTaskGroup(of: Logins.Outcome.self) { group in
                    for n in 0..<7 { group.addTask { try await logins.verify(login: login, password: "guess-\(n)") } }
                    return try await group.reduce(into: [Logins.Outcome]()) { $0.append($1) }
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            let right = try await logins.verify(login: login, password: "the-right-password")
            let outcomes = try await guesses.value
            guard case .locked = right else { Issue.record("the right password was checked during the burst: \(right)"); return }
            #expect(outcomes.count { $0 == .rejected } == 4, "\(outcomes)")
            #expect(outcomes.count { if case .locked = $0 { true } else { false } } == 3)
            #expect(try await h.count("SELECT failed_attempts FROM login_failures WHERE login = '\(login)'") == 5)

            // A flood: past 8 attempts in flight, the rest are refused at once (busy), neither hashed nor counted, so a
            // flood queues no more than 8 slow hashes ahead of a genuine sign-in.
            let flooded = "ops-flood\(h.prefix.suffix(6))"
            try await logins.create(login: flooded, role: .admin, account: nil, password: "the-right-password")
            let flood = try await withThrowingTaskGroup(of: Logins.Outcome.self) { group in
                for n in 0..<20 { group.addTask { try await logins.verify(login: flooded, password: "flood-\(n)") } }
                return try await group.reduce(into: [Logins.Outcome]()) { $0.append($1) }
            }
            let busy = flood.count { $0 == .busy }
            #expect(busy >= 10 && busy <= 20 - Logins.maxHashesInFlight, "\(flood)")
            #expect(try await h.count("SELECT failed_attempts FROM login_failures WHERE login = '\(flooded)'") == 5)
            #expect(try await logins.verify(login: "ops-other\(h.prefix.suffix(6))", password: "x") == .rejected, "the flood is over")
        }
    }

    @Test func hostileInputIsRefusedOrStoredVerbatimAndNothingElseMoves() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("evil", fen: 20_000)
            let victim = try await h.fundedUser("victim", fen: 20_000)
            let before = try await h.balance(user)
            let victimBefore = try await h.balance(victim)
            let injections = ["'; DROP TABLE orders; --", "\" OR 1=1 --", "Robert'); DELETE FROM accounts;--", "$$; TRUNCATE postings; $$", "\\x00'"]
            for text in injections {
                let json = String(decoding: try JSONSerialization.data(withJSONObject: ["amountFen": 100, "channel": "wechat", "description": text]), as: UTF8.self)
                let recharge = try await h.post("/v1/recharges", json, as: user)
                #expect([201, 400].contains(recharge.status), "\(text): \(recharge.text)")
                let grab = try await h.post("/v1/envelopes/\(text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "x")/grab", "{}", as: user)
                #expect(grab.status == 404, "\(text): \(grab.text)")
                let order = try await h.get("/v1/orders/\(text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "x")", as: user)
                #expect(order.status == 404)
                let withdraw = try await h.post(
                    "/v1/withdrawals", String(decoding: try JSONSerialization.data(withJSONObject: ["amountFen": 100, "channel": "wechat", "openId": text]), as: UTF8.self),
                    as: user)
                // Not an openid WeChat could take: refused before any money is frozen.
                #expect(withdraw.status == 400 && withdraw.string("code") == "request.invalid_field", "\(text): \(withdraw.text)")
            }
            // Amounts: negative, zero, over the maximum, overflowing, fractional, as strings.
            for amount in ["-100", "0", "5000001", "9223372036854775807", "9223372036854775808", "1.5", "1e3", "\"100\"", "null"] {
                let reply = try await h.post("/v1/withdrawals", #"{"amountFen":\#(amount),"channel":"wechat","openId":"o1"}"#, as: user)
                #expect(reply.status == 400, "amount \(amount): \(reply.text)")
            }
            // Bodies built to hurt the parser: nested 100 deep, over 256 KiB, a huge string.
            let deep = #"{"amountFen":100,"channel":"wechat","description":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
            let deepReply = try await h.post("/v1/recharges", deep, as: user)
            #expect(deepReply.status == 400 && deepReply.string("code") == "request.invalid_body", "\(deepReply.text)")
            let huge = try await h.post("/v1/recharges", #"{"amountFen":100,"channel":"wechat","description":""# + String(repeating: "x", count: 300_000) + #""}"#, as: user)
            #expect(huge.status == 413, "\(huge.status)")
            let long = try await h.post("/v1/recharges", #"{"amountFen":100,"channel":"wechat","description":""# + String(repeating: "长", count: 128) + #""}"#, as: user)
            #expect(long.status == 400 && long.string("code") == "request.invalid_field")
            // A value outside an enum is refused, not taken as the default (schemathesis found this one).
            let oddMode = try await h.post("/v1/recharges", #"{"amountFen":100,"channel":"wechat","mode":"__not_in_enum__"}"#, as: user)
            #expect(oddMode.status == 400 && oddMode.string("code") == "recharge.mode_unsupported")
            // Another user's order and envelope are not found, not shown.
            let victimOrder = try await h.post("/v1/recharges", #"{"amountFen":100,"channel":"wechat"}"#, as: victim)
            let victimOrderID = try #require(victimOrder.string("orderId"))
            #expect(try await h.get("/v1/orders/\(victimOrderID)", as: user).status == 404)
            let refund = try await h.post("/v1/refunds", #"{"orderId":"\#(victimOrderID)","amountFen":100}"#, as: user)
            #expect(refund.status == 404)
            // The tables are all there and the money did not move.
            #expect(try await h.count("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('orders','accounts','postings')") == 3)
            // No withdrawal to an injected openId was made, and the user's money is all there.
            let after = try await h.balance(user)
            #expect(after.available + after.frozen == before.available + before.frozen)
            let stored = try await h.database.client.query(
                "SELECT count(*) AS n FROM withdrawal_requests WHERE destination->>'openId' = \(injections[0])")
            #expect(try stored.first?.decode(Int64.self, column: "n") == 0)
            #expect(try await h.balance(victim) == victimBefore)
        }
    }

    @Test func keyRotationResealsEverythingAndPayoutsStillWork() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("rot", fen: 50_000)
            let card = try await h.bindCard(as: user)
            let withdrawal = try await h.post("/v1/withdrawals", #"{"amountFen":10000,"channel":"bill99","cardId":"\#(card)"}"#, as: user)
            let orderID = try #require(withdrawal.string("orderId"))
            #expect(await h.waitFor(orderID, status: "requested"))
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE destination->>'accountNumber' LIKE 'v1.%'") == 1)

            let rotated = try await h.paystream(["keys", "rotate"])
            #expect(rotated.status == 0, "\(rotated.output)")
            // Every sealed value is under version 2 now: the client secrets, the three card fields of the withdrawal
            // and the bound card's four elements.
            #expect(try await h.count("SELECT count(*) FROM api_clients WHERE secret_sealed NOT LIKE 'v2.%'") == 0)
            #expect(try await h.count(
                """
                SELECT count(*) FROM withdrawal_requests WHERE destination->>'accountNumber' LIKE 'v2.%'
                AND destination->>'holderName' LIKE 'v2.%' AND destination->>'mobile' LIKE 'v2.%'
                """) == 1)
            // The bound card's four elements too.
            #expect(try await h.count(
                """
                SELECT count(*) FROM bank_cards WHERE number_sealed LIKE 'v2.%' AND name_sealed LIKE 'v2.%'
                AND id_number_sealed LIKE 'v2.%' AND phone_sealed LIKE 'v2.%'
                """) == 1)
            // The API restarted with the rotated keys knows the same clients and pays the card out.
            await h.killAPI()
            try await h.restartAPI()
            #expect(try await h.post("/v1/admin/withdrawals/\(orderID)/approve", "{}", admin: "ops-rot").status == 202)
            #expect(await h.waitFor(orderID, status: "paidOut"))
        }
    }
}
