import Foundation
import Kafka
import Postgres
import Redis
import Testing
import TestSupport

/// Bank cards: Bill99 four-element verification and an SMS code bind a card (sealed at rest, never logged);
/// Bill99 withdrawals pay only to a bound card of the caller.
@Suite(.serialized) struct CardFlowTests {
    @Test func aCardIsBoundWithItsSMSCodeAndWithdrawnTo() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("cb", fen: 50_000)
            let card = FlowHarness.builtInCard
            let binding = try await h.post("/v1/cards", card.json, as: user)
            #expect(binding.status == 202, "\(binding.text)")
            let bindingID = try #require(binding.string("bindingId"))
            #expect(binding.string("cardNumber") == "***************3445" && binding.string("phone") == "138****0000")
            #expect(binding.string("bankName") == "ICBC" && binding.string("status") == "pending")
            // Pending: not listed, not usable.
            #expect((try await h.get("/v1/cards", as: user).json["cards"] as? [Any])?.isEmpty == true)
            let early = try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","cardId":"\#(bindingID)"}"#, as: user)
            #expect(early.status == 404 && early.string("code") == "card.not_found", "\(early.text)")

            // The sandbox's SMS gateway recorded one message; Redis holds only the code's digest.
            let texts = try await h.smsTexts(to: card.phone)
            #expect(texts.count == 1)
            let code = try await h.lastCode(to: card.phone)
            let stored = try await h.redis(["HGETALL", "\(h.prefix):sms:code:bind-card:\(bindingID)"])
            let storedText = (stored.elements ?? []).compactMap(\.string).joined(separator: " ")
            #expect(storedText.contains("mac") && !storedText.contains(code), "\(storedText)")

            let confirmed = try await h.post("/v1/cards/\(bindingID)/confirm", #"{"code":"\#(code)"}"#, as: user)
            #expect(confirmed.status == 201, "\(confirmed.text)")
            #expect(confirmed.string("cardId") == bindingID && confirmed.string("status") == "bound")
            #expect(confirmed.string("cardNumber") == "***************3445")
            // The code is used up; the card cannot be bound twice.
            let again = try await h.post("/v1/cards/\(bindingID)/confirm", #"{"code":"\#(code)"}"#, as: user)
            #expect(again.status == 409 && again.string("code") == "card.already_bound", "\(again.text)")
            let twice = try await h.post("/v1/cards", card.json, as: user)
            #expect(twice.status == 409 && twice.string("code") == "card.already_bound", "\(twice.text)")
            let listed = try await h.get("/v1/cards", as: user)
            let cards = try #require(listed.json["cards"] as? [[String: Any]])
            #expect(cards.count == 1 && cards.first?["cardId"] as? String == bindingID, "\(listed.text)")
            #expect(!listed.text.contains(card.name) && !listed.text.contains(card.idNumber) && !listed.text.contains(card.phone))

            // A withdrawal to it is paid out to that card.
            let withdrawal = try await h.post("/v1/withdrawals", #"{"amountFen":20000,"channel":"bill99","cardId":"\#(bindingID)"}"#, as: user)
            #expect(withdrawal.status == 202, "\(withdrawal.text)")
            let orderID = try #require(withdrawal.string("orderId"))
            let destination = try #require(withdrawal.json["destination"] as? [String: Any])
            #expect(destination["cardId"] as? String == bindingID && destination["accountNumber"] as? String == "***************3445")
            #expect(await h.waitFor(orderID, status: "requested"))
            #expect(try await h.post("/v1/admin/withdrawals/\(orderID)/approve", "{}", admin: "ops-lee").status == 202)
            #expect(await h.waitFor(orderID, status: "paidOut"))
            #expect(try await h.balance(user) == (30_000, 0))
            let payouts = try await h.sandbox(.GET, "/sandbox/payouts")
            let payout = try #require(
                (try JSONSerialization.jsonObject(with: Data(payouts.body)) as? [[String: Any]])?.first { $0["outBillNo"] as? String == orderID })
            #expect(payout["payee"] as? String == card.number && payout["payeeName"] as? String == card.name, "\(payout)")

            // At rest: no element in plain, nor any 4-digit run of the card number but the last four (the times are
            // left out: their microseconds are digits too, and once held "0112", a run of the test card's number).
            let rows = try await h.database.client.query(
                "SELECT (to_jsonb(c) - 'created_at' - 'bound_at' - 'removed_at')::text AS r FROM bank_cards c WHERE card_id = \(bindingID)")
            let row = try #require(try rows.first?.decode(String.self, column: "r"))
            let digits = Array(card.number)
            let runs = (0...(digits.count - 4)).map { String(digits[$0..<$0 + 4]) }.filter { $0 != "3445" }
            for secret in [card.number, card.name, card.idNumber, card.phone] {
                #expect(!row.contains(secret), "\(secret) in \(row)")
            }
            #expect(runs.allSatisfy { !row.contains($0) }, "\(row)")
            #expect(try await h.count("SELECT count(*) FROM bank_cards WHERE number_sealed LIKE 'v1.%' AND name_sealed LIKE 'v1.%' AND id_number_sealed LIKE 'v1.%' AND phone_sealed LIKE 'v1.%'") == 1)

            // The API's log holds none of the four elements, nor the code.
            let log = h.api.log
            #expect(log.contains(bindingID))
            for secret in [card.number, card.name, card.idNumber, card.phone] {
                #expect(!log.contains(secret), "the API log contains \(secret)")
            }
            #expect(log.range(of: "(?<![0-9])\(code)(?![0-9])", options: .regularExpression) == nil, "the API log contains the code")

            // Removed: gone from the list and from withdrawals.
            #expect(try await h.delete("/v1/cards/\(bindingID)", as: user).status == 204)
            #expect((try await h.get("/v1/cards", as: user).json["cards"] as? [Any])?.isEmpty == true)
            let removed = try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","cardId":"\#(bindingID)"}"#, as: user)
            #expect(removed.status == 404 && removed.string("code") == "card.not_found")
            let inline = try await h.post(
                "/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","bankAccount":{"accountNumber":"6222020200112233445","holderName":"x","bankName":"y"}}"#, as: user)
            #expect(inline.status == 400 && inline.string("code") == "request.missing_field", "\(inline.text)")
        }
    }

    @Test func wrongFourElementsAreRefusedAndNothingIsBound() async throws {
        try await FlowHarness.run { h in
            let user = "user:fe\(h.prefix.suffix(6))"
            var card = FlowHarness.newCard()
            try await h.register(card)
            var wrongName = card
            wrongName.name = "赵六"
            var wrongID = card
            wrongID.idNumber = FlowHarness.newCard().idNumber
            var wrongPhone = card
            wrongPhone.phone = "13700000000"
            var unknown = FlowHarness.newCard()
            unknown.phone = card.phone
            for wrong in [wrongName, wrongID, wrongPhone, unknown] {
                let reply = try await h.post("/v1/cards", wrong.json, as: user)
                #expect(reply.status == 422 && reply.string("code") == "card.verification_failed", "\(reply.text)")
            }
            // Malformed elements are refused before the bank is asked.
            card.idNumber = String(card.idNumber.dropLast()) + (card.idNumber.last == "0" ? "1" : "0")
            let badID = try await h.post("/v1/cards", card.json, as: user)
            #expect(badID.status == 400 && badID.string("code") == "card.invalid_id_number", "\(badID.text)")
            var badPhone = FlowHarness.newCard()
            badPhone.phone = "12345"
            #expect(try await h.post("/v1/cards", badPhone.json, as: user).string("code") == "card.invalid_phone")
            #expect(try await h.count("SELECT count(*) FROM bank_cards") == 0)
            #expect(try await h.smsTexts(to: card.phone).isEmpty)
            #expect(try await h.smsTexts(to: "13700000000").isEmpty)
            // The refusals did not use up the phone's code: the right elements get one at once.
            card.idNumber = wrongName.idNumber
            let right = try await h.post("/v1/cards", card.json, as: user)
            #expect(right.status == 202, "\(right.text)")
            #expect(try await h.smsTexts(to: card.phone).count == 1)
            // Ten verifications an hour per account (five so far): the eleventh is refused before the bank is asked.
            for n in 6...11 {
                let reply = try await h.post("/v1/cards", FlowHarness.newCard().json, as: user)
                if n <= 10 {
                    #expect(reply.status == 422 && reply.string("code") == "card.verification_failed", "ask \(n): \(reply.text)")
                } else {
                    #expect(reply.status == 429 && reply.string("code") == "card.verification_rate_limited", "ask \(n): \(reply.text)")
                    #expect((Int(reply.headers["retry-after"] ?? "") ?? 0) > 0)
                }
            }
            // Another account is not affected.
            let other = try await h.post("/v1/cards", FlowHarness.newCard().json, as: "user:fo\(h.prefix.suffix(6))")
            #expect(other.status == 422, "\(other.text)")
        }
    }

    @Test func codesCountAttemptsExpireAndAreRateLimitedPerPhone() async throws {
        try await FlowHarness.run { h in
            let user = "user:sc\(h.prefix.suffix(6))"
            let card = FlowHarness.newCard()
            try await h.register(card)
            let binding = try await h.post("/v1/cards", card.json, as: user)
            let bindingID = try #require(binding.string("bindingId"), "\(binding.text)")
            let code = try await h.lastCode(to: card.phone)
            let wrong = code == "000000" ? "000001" : "000000"
            // Five wrong codes are counted; the sixth attempt is refused even with the right code.
            for left in (0..<5).reversed() {
                let reply = try await h.post("/v1/cards/\(bindingID)/confirm", #"{"code":"\#(wrong)"}"#, as: user)
                #expect(reply.status == 400 && reply.string("code") == "sms.code_invalid", "\(reply.text)")
                #expect(reply.string("detail")?.contains("\(left) attempt") == true, "\(reply.text)")
            }
            let sixth = try await h.post("/v1/cards/\(bindingID)/confirm", #"{"code":"\#(code)"}"#, as: user)
            #expect(sixth.status == 403 && sixth.string("code") == "sms.too_many_attempts", "\(sixth.text)")
            #expect(try await h.count("SELECT count(*) FROM bank_cards WHERE status = 'bound'") == 0)

            // The same phone again within 60 s: 429 with Retry-After, nothing sent.
            let tooSoon = try await h.post("/v1/cards", card.json, as: user)
            #expect(tooSoon.status == 429 && tooSoon.string("code") == "sms.rate_limited", "\(tooSoon.text)")
            let retryAfter = Int(tooSoon.headers["retry-after"] ?? "") ?? 0
            #expect((1...60).contains(retryAfter), "\(tooSoon.headers)")
            #expect(try await h.smsTexts(to: card.phone).count == 1)

            // An expired code (its Redis key gone, as after 5 minutes) is refused.
            let interval = "\(h.prefix):sms:rate:"
            let keys = try await h.redis(["KEYS", "\(interval)*:interval"])
            for key in (keys.elements ?? []).compactMap(\.string) { _ = try await h.redis(["DEL", key]) }
            let second = try await h.post("/v1/cards", card.json, as: user)
            let secondID = try #require(second.string("bindingId"), "\(second.text)")
            let ttl = try await h.redis(["TTL", "\(h.prefix):sms:code:bind-card:\(secondID)"])
            #expect((290...300).contains(ttl.int64 ?? 0), "the code lives 5 minutes: \(ttl)")
            _ = try await h.redis(["DEL", "\(h.prefix):sms:code:bind-card:\(secondID)"])
            let expired = try await h.post("/v1/cards/\(secondID)/confirm", #"{"code":"\#(try await h.lastCode(to: card.phone))"}"#, as: user)
            #expect(expired.status == 410 && expired.string("code") == "sms.code_expired", "\(expired.text)")

            // Five codes an hour per phone: with the 60 s spacing waived, the sixth of the hour is still refused.
            for n in 3...6 {
                for key in (try await h.redis(["KEYS", "\(interval)*:interval"]).elements ?? []).compactMap(\.string) {
                    _ = try await h.redis(["DEL", key])
                }
                let reply = try await h.post("/v1/cards", card.json, as: user)
                if n <= 5 {
                    #expect(reply.status == 202, "code \(n): \(reply.text)")
                } else {
                    #expect(reply.status == 429 && reply.string("code") == "sms.rate_limited", "code \(n): \(reply.text)")
                    #expect((Int(reply.headers["retry-after"] ?? "") ?? 0) > 60)
                }
            }
            #expect(try await h.smsTexts(to: card.phone).count == 5)
            // Redis keys name the phone only by its blind index.
            let all = try await h.redis(["KEYS", "\(h.prefix):sms:*"])
            #expect((all.elements ?? []).compactMap(\.string).allSatisfy { !$0.contains(card.phone) })
        }
    }

    @Test func anotherAccountCannotSeeUseOrRemoveACard() async throws {
        try await FlowHarness.run { h in
            let owner = try await h.fundedUser("co", fen: 20_000)
            let other = try await h.fundedUser("ct", fen: 20_000)
            let cardID = try await h.bindCard(as: owner)
            #expect((try await h.get("/v1/cards", as: other).json["cards"] as? [Any])?.isEmpty == true)
            let use = try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","cardId":"\#(cardID)"}"#, as: other)
            #expect(use.status == 404 && use.string("code") == "card.not_found", "\(use.text)")
            let remove = try await h.delete("/v1/cards/\(cardID)", as: other)
            #expect(remove.status == 404 && remove.string("code") == "card.not_found", "\(remove.text)")
            // A pending binding of another account cannot be confirmed either.
            let card = FlowHarness.newCard(heldLike: FlowHarness.builtInCard)
            try await h.register(card)
            let pending = try await h.post("/v1/cards", card.json, as: owner)
            let pendingID = try #require(pending.string("bindingId"), "\(pending.text)")
            let steal = try await h.post("/v1/cards/\(pendingID)/confirm", #"{"code":"\#(try await h.lastCode(to: card.phone))"}"#, as: other)
            #expect(steal.status == 404 && steal.string("code") == "card.not_found", "\(steal.text)")
            // Unsigned, nobody.
            let anonymous = try await h.send(.GET, h.apiURL + "/v1/cards")
            #expect(anonymous.status == 401)
            // The owner still has it and may use it.
            #expect((try await h.get("/v1/cards", as: owner).json["cards"] as? [Any])?.count == 1)
            #expect(try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","cardId":"\#(cardID)"}"#, as: owner).status == 202)
        }
    }

    @Test func anAccountBindsAndWithdrawsToItsHoldersCardsOnly() async throws {
        try await FlowHarness.run { h in
            // The first card confirmed makes the account's holder (张三, the built-in card).
            let user = try await h.fundedUser("ch", fen: 30_000)
            let first = try await h.bindCard(as: user)
            #expect(try await h.count("SELECT count(*) FROM account_holders WHERE account_id = '\(user)' AND first_card_id = '\(first)'") == 1)

            // Another person's card, real at the bank: refused before the bank is asked, no code sent, nothing stored.
            let stranger = FlowHarness.newCard(name: "李四")
            try await h.register(stranger)
            let refused = try await h.post("/v1/cards", stranger.json, as: user)
            #expect(refused.status == 409 && refused.string("code") == "card.holder_mismatch", "\(refused.text)")
            #expect(try await h.smsTexts(to: stranger.phone).isEmpty)
            #expect(try await h.count("SELECT count(*) FROM bank_cards WHERE account_id = '\(user)'") == 1)

            // The holder's second card is bound as before.
            let second = FlowHarness.newCard(heldLike: FlowHarness.builtInCard)
            try await h.register(second)
            #expect(try await h.bindCard(second, as: user).hasPrefix("BC"))
            #expect((try await h.get("/v1/cards", as: user).json["cards"] as? [Any])?.count == 2)

            // An account without a holder yet starts two bindings of two people; the first confirmed makes the
            // holder, the other is refused before its code is spent and stays unbound.
            let fresh = try await h.fundedUser("cf", fen: 30_000)
            let a = FlowHarness.newCard(name: "周七")
            let b = FlowHarness.newCard(name: "吴八")
            try await h.register(a)
            try await h.register(b)
            let bindingA = try #require(try await h.post("/v1/cards", a.json, as: fresh).string("bindingId"))
            let bindingB = try #require(try await h.post("/v1/cards", b.json, as: fresh).string("bindingId"))
            let confirmedA = try await h.post("/v1/cards/\(bindingA)/confirm", #"{"code":"\#(try await h.lastCode(to: a.phone))"}"#, as: fresh)
            #expect(confirmedA.status == 201, "\(confirmedA.text)")
            let codeB = try await h.lastCode(to: b.phone)
            let confirmedB = try await h.post("/v1/cards/\(bindingB)/confirm", #"{"code":"\#(codeB)"}"#, as: fresh)
            #expect(confirmedB.status == 409 && confirmedB.string("code") == "card.holder_mismatch", "\(confirmedB.text)")
            #expect(try await h.count("SELECT count(*) FROM bank_cards WHERE card_id = '\(bindingB)' AND status = 'pending'") == 1)
            let stored = try await h.redis(["EXISTS", "\(h.prefix):sms:code:bind-card:\(bindingB)"])
            #expect(stored.int64 == 1, "the refused confirmation did not spend the code")

            // A card of another person bound before holders were kept (made so here by hand) is listed, but a
            // withdrawal to it is refused before anything is frozen; the holder's card still takes one.
            _ = try await h.count("WITH b AS (UPDATE bank_cards SET status = 'bound', bound_at = now() WHERE card_id = '\(bindingB)' RETURNING 1) SELECT count(*) FROM b")
            #expect((try await h.get("/v1/cards", as: fresh).json["cards"] as? [Any])?.count == 2)
            let before = try await h.balance(fresh)
            let toB = try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","cardId":"\#(bindingB)"}"#, as: fresh)
            #expect(toB.status == 403 && toB.string("code") == "withdraw.card_not_holders", "\(toB.text)")
            #expect(try await h.balance(fresh) == before)
            let toA = try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","cardId":"\#(bindingA)"}"#, as: fresh)
            #expect(toA.status == 202, "\(toA.text)")

            // A withdrawal requested before holders were kept, to a card of someone else than the holder (made so here
            // by giving the account B's person as its holder after the request): not approved, and rejecting it unfreezes.
            let older = try #require(toA.string("orderId"))
            #expect(await h.waitFor(older, status: "requested"))
            _ = try await h.count(
                """
                WITH h AS (UPDATE account_holders SET id_number_index = (SELECT id_number_index FROM bank_cards WHERE card_id = '\(bindingB)')
                           WHERE account_id = '\(fresh)' RETURNING 1) SELECT count(*) FROM h
                """)
            let approval = try await h.post("/v1/admin/withdrawals/\(older)/approve", "{}", admin: "ops-lee")
            #expect(approval.status == 409 && approval.string("code") == "withdraw.card_not_holders", "\(approval.text)")
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE order_id = '\(older)' AND reviewed_by IS NULL") == 1)
            let rejection = try await h.post("/v1/admin/withdrawals/\(older)/reject", #"{"reason":"not the holder's card"}"#, admin: "ops-lee")
            #expect(rejection.status == 202, "\(rejection.text)")
            #expect(await h.waitFor(older, status: "invalid"))
            #expect(try await h.balance(fresh) == before)
            #expect(try await h.verify().isClean)
        }
    }

    /// The limit of bound cards is counted where a binding is confirmed too: bindings started while the account had
    /// room (nine cards) cannot all be confirmed past ten.
    @Test func bindingsStartedWithRoomForOneAreNotAllConfirmed() async throws {
        try await FlowHarness.run { h in
            let user = "user:tencards\(h.prefix.suffix(6))"
            // Verifications are limited to ten an hour per account: the count is cleared between binds here.
            let verifications = "\(h.prefix):card:verifications:\(user)"
            _ = try await h.bindCard(as: user)
            for _ in 0..<8 {
                let card = FlowHarness.newCard(heldLike: FlowHarness.builtInCard)
                try await h.register(card)
                _ = try await h.redis(["DEL", verifications])
                _ = try await h.bindCard(card, as: user)
            }
            #expect(try await h.count("SELECT count(*) FROM bank_cards WHERE account_id = '\(user)' AND status = 'bound'") == 9)
            var started: [(binding: String, phone: String)] = []
            for _ in 0..<2 {
                let card = FlowHarness.newCard(heldLike: FlowHarness.builtInCard)
                try await h.register(card)
                _ = try await h.redis(["DEL", verifications])
                let binding = try await h.post("/v1/cards", card.json, as: user)
                #expect(binding.status == 202, "\(binding.text)")
                started.append((try #require(binding.string("bindingId")), card.phone))
            }
            var statuses: [Int] = []
            var codes: [String?] = []
            for (binding, phone) in started {
                let reply = try await h.post("/v1/cards/\(binding)/confirm", #"{"code":"\#(try await h.lastCode(to: phone))"}"#, as: user)
                statuses.append(reply.status)
                codes.append(reply.string("code"))
            }
            #expect(statuses == [201, 409] && codes.last == "card.limit_reached", "\(statuses) \(codes)")
            #expect(try await h.count("SELECT count(*) FROM bank_cards WHERE account_id = '\(user)' AND status = 'bound'") == 10)
        }
    }

    /// Removing a card stops every withdrawal to it that has not been sent to Bill99: one waiting for review is
    /// rejected at once, one approved and not sent yet fails once Bill99 says it holds no such payout, one the worker
    /// freezes after the removal cannot be approved. Each comes back to the available balance once, nothing is paid,
    /// and nothing is dead-lettered. The API's sweep of those frozen after the removal is off here, so that the
    /// approval's own guard is seen (`WeChatAccountFlowTests` has the sweep reject one).
    @Test func removingACardStopsTheWithdrawalsToItThatWereNotSent() async throws {
        try await FlowHarness.run(apiOptions: ["--removed-destination-sweep-seconds", "0"]) { h in
            let (user, cardID) = try await h.fundedUserWithCard("rm", fen: 50_000, holder: "赵六")
            func withdraw(_ fen: Int) async throws -> String {
                let reply = try await h.post("/v1/withdrawals", #"{"amountFen":\#(fen),"channel":"bill99","cardId":"\#(cardID)"}"#, as: user)
                #expect(reply.status == 202, "\(reply.text)")
                return try #require(reply.string("orderId"))
            }

            // Waiting for review.
            let waiting = try await withdraw(1_000)
            #expect(await h.waitFor(waiting, status: "requested"))
            // Approved, not sent yet.
            let approved = try await withdraw(2_000)
            try await h.approveWithoutSending(approved)
            // Requested while the worker is down: not frozen yet when the card goes.
            await h.killWorker()
            let late = try await withdraw(3_000)
            #expect(try await h.balance(user) == (47_000, 3_000), "the first two frozen, the last not yet")

            #expect(try await h.delete("/v1/cards/\(cardID)", as: user).status == 204)
            // The waiting one is rejected in the removal's transaction, reviewed by the account itself.
            let record = try await h.get("/v1/withdrawals/\(waiting)", as: user)
            #expect(record.string("reviewedBy") == user && record.string("reviewReason") == "the card was removed by its holder", "\(record.text)")
            let approveAfter = try await h.post("/v1/admin/withdrawals/\(waiting)/approve", "{}", admin: "ops-lee")
            #expect(approveAfter.status == 409 && approveAfter.string("code") == "withdraw.already_reviewed", "\(approveAfter.text)")

            try h.startWorker()
            #expect(await h.waitFor(waiting, status: "invalid"))
            // Frozen after the removal: an approval is refused, a rejection goes through.
            #expect(await h.waitFor(late, status: "requested"))
            #expect((try await h.get("/v1/withdrawals/\(late)", as: user)).json["destinationRemoved"] as? Bool == true)
            let refused = try await h.post("/v1/admin/withdrawals/\(late)/approve", "{}", admin: "ops-lee")
            #expect(refused.status == 409 && refused.string("code") == "withdraw.destination_removed", "\(refused.text)")
            #expect(try await h.post("/v1/admin/withdrawals/\(late)/reject", #"{"reason":"card removed"}"#, admin: "ops-lee").status == 202)
            #expect(await h.waitFor(late, status: "invalid"))
            // The approved one: once the dispatcher gets to it, it fails instead of being sent.
            try await h.releaseToDispatcher(approved)
            #expect(await h.waitFor(approved, status: "invalid"))
            let failed = try await h.get("/v1/withdrawals/\(approved)", as: user)
            #expect(failed.string("failureReason")?.contains("the card was removed by its holder before the payout was sent") == true, "\(failed.text)")

            // Every fen is back, none was paid, and the card is not listed.
            #expect(await eventually { (try? await h.balance(user)).map { $0 == (50_000, 0) } == true }, "all 6,000 fen back in the available balance")
            let payouts = try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/payouts").body)) as? [[String: Any]] ?? []
            #expect(payouts.allSatisfy { ![waiting, approved, late].contains($0["outBillNo"] as? String ?? "") }, "\(payouts)")
            #expect((try await h.get("/v1/cards", as: user).json["cards"] as? [Any])?.isEmpty == true)
            // No event of these was refused by the worker (a second unfreeze would be, and dead-lettered).
            let reader = try KafkaTopicReader(configuration: KafkaTestCluster.configuration())
            let letters = try await reader.readAll(topic: "\(h.prefix).withdrawals.dlq", timeoutMilliseconds: 5_000)
            await reader.close()
            #expect(letters.isEmpty, "\(letters.count) withdrawal event(s) dead-lettered")
        }
    }

    /// The API's sweep rejects the withdrawals to a removed card that the worker froze after the removal, as the removal
    /// would have. One whose rejection fails (here a trigger refuses its review) is rolled back alone and put off, and
    /// the sweep goes on to the next, even one batch of a single row at a time: without the put-off, the failing row
    /// would be taken first every round and the other would never be rejected. Once the cause is gone, it is
    /// rejected too, and every fen comes back.
    @Test func theSweepRejectsLateWithdrawalsToARemovedCardPastOneThatFails() async throws {
        try await FlowHarness.run(apiOptions: ["--removed-destination-sweep-seconds", "0.5", "--removed-destination-sweep-batch", "1"]) { h in
            let (user, cardID) = try await h.fundedUserWithCard("rs", fen: 50_000, holder: "孙八")
            // Requested while the worker is down: frozen only after the card is gone.
            await h.killWorker()
            var orders: [String] = []
            for fen in [1_000, 2_000] {
                let reply = try await h.post("/v1/withdrawals", #"{"amountFen":\#(fen),"channel":"bill99","cardId":"\#(cardID)"}"#, as: user)
                #expect(reply.status == 202, "\(reply.text)")
                orders.append(try #require(reply.string("orderId")))
            }
            // The one the sweep takes first (order-id order) cannot be reviewed until the trigger goes.
            let failing = orders.min()!, other = orders.max()!
            for sql in [
                """
                CREATE FUNCTION refuse_review() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'review of % refused by the test', OLD.order_id; END $$
                """,
                """
                CREATE TRIGGER refuse_review BEFORE UPDATE ON withdrawal_requests FOR EACH ROW
                WHEN (OLD.order_id = '\(failing)' AND NEW.reviewed_by IS NOT NULL) EXECUTE FUNCTION refuse_review()
                """,
            ] {
                _ = try await h.database.client.execute(PostgresQuery(sql: sql, bindings: []))
            }
            #expect(try await h.delete("/v1/cards/\(cardID)", as: user).status == 204)
            try h.startWorker()

            #expect(await h.waitFor(other, status: "invalid"), "rejected past the one that fails")
            let record = try await h.get("/v1/withdrawals/\(other)", as: user)
            #expect(record.string("reviewedBy") == user && record.string("reviewReason") == "the card was removed by its holder", "\(record.text)")
            #expect(try await h.orderStatus(failing) == "requested")
            #expect(((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("refused by the test"))

            // The cause fixed: the put-off one is rejected at its next turn.
            _ = try await h.database.client.execute(PostgresQuery(sql: "DROP TRIGGER refuse_review ON withdrawal_requests", bindings: []))
            #expect(await eventually(timeoutSeconds: 90) { (try? await h.orderStatus(failing)) == "invalid" })
            #expect(await eventually { (try? await h.balance(user)).map { $0 == (50_000, 0) } == true }, "all 3,000 fen back in the available balance")
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE payout_state IS NOT NULL") == 0, "nothing sent")
            #expect(try await h.verify().isClean)
        }
    }

    /// A payout whose send reached Bill99 but whose answer was lost (a 504) is not marked sent, so removing its card
    /// must not unfreeze it: Bill99 pays it. The dispatcher asks Bill99, finds the payout, and follows it to its end
    /// (no notify comes: the sandbox drops them). Paid once, nothing given back.
    @Test func aPayoutWhoseAnswerWasLostGoesOnWhenItsCardIsRemoved() async throws {
        try await FlowHarness.run { h in
            let (user, cardID) = try await h.fundedUserWithCard("rl", fen: 10_000, holder: "钱七")
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"payouts":{"dropAnswer":true},"notify":{"drop":true}}"#).status == 200)
            let reply = try await h.post("/v1/withdrawals", #"{"amountFen":4000,"channel":"bill99","cardId":"\#(cardID)"}"#, as: user)
            let orderID = try #require(reply.string("orderId"), "\(reply.text)")
            #expect(await h.waitFor(orderID, status: "requested"))
            #expect(try await h.post("/v1/admin/withdrawals/\(orderID)/approve", "{}", admin: "ops-lee").status == 202)
            @Sendable func payouts() async throws -> [[String: Any]] {
                let all = try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/payouts").body)) as? [[String: Any]] ?? []
                return all.filter { $0["outBillNo"] as? String == orderID }
            }
            // Bill99 made the payout; the dispatcher got no answer, and its row does not say it was sent.
            #expect(await eventually { (try? await payouts().count) == 1 })
            #expect(await eventually {
                (try? await h.count(
                    "SELECT count(*) FROM withdrawal_requests WHERE order_id = '\(orderID)' AND payout_state IS NULL AND payout_attempts >= 1")) == 1
            })

            #expect(try await h.delete("/v1/cards/\(cardID)", as: user).status == 204)
            #expect(await h.waitFor(orderID, status: "paidOut"))
            #expect(try await h.balance(user) == (6_000, 0))
            #expect(try await payouts().count == 1)
            let record = try await h.get("/v1/withdrawals/\(orderID)", as: user)
            #expect(record.string("payoutState") == "succeeded", "\(record.text)")
        }
    }
}
