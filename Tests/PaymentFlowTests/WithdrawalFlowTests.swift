import Foundation
import PaystreamCore
import Postgres
import Testing
import TestSupport

/// Withdrawals: request → risk → freeze → back-office review → payout through Bill99 or WeChat → settled, or
/// unfrozen and INVALID on rejection or payout failure.
@Suite(.serialized) struct WithdrawalFlowTests {

    @Test func approvedWithdrawalsArePaidOutAndRejectedOnesUnfrozen() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("wd", fen: 100_000)
            let card = try await h.bindCard(as: user)

            // Bill99 to a bank card, approved.
            let toCard = try await h.post("/v1/withdrawals", #"{"amountFen":30000,"channel":"bill99","cardId":"\#(card)"}"#, as: user)
            #expect(toCard.status == 202, "\(toCard.text)")
            let cardOrder = try #require(toCard.string("orderId"))
            #expect((toCard.json["destination"] as? [String: Any])?["accountNumber"] as? String == "***************3445")
            // At rest the card number, the holder's name and the phone are sealed: none of them, nor any 4-digit run
            // of the card number, is in the stored row.
            let stored = try await h.database.client.query("SELECT destination::text AS d FROM withdrawal_requests WHERE order_id = \(cardOrder)")
            let row = try #require(try stored.first?.decode(String.self, column: "d"))
            let digits = Array("6222020200112233445")
            let runs = (0...(digits.count - 4)).map { String(digits[$0..<$0 + 4]) }.filter { $0 != "3445" }
            #expect(!row.contains("6222020200112233445") && !row.contains("张三") && !row.contains("13800000000"), "\(row)")
            #expect(runs.allSatisfy { !row.contains($0) }, "\(row)")
            #expect(await h.waitFor(cardOrder, status: "requested"))
            #expect(try await h.balance(user) == (70_000, 30_000))

            // WeChat balance (a WeChat account the user bound), approved; a third one rejected.
            let openID = try await h.bindWeChat(as: user)
            let toWeChat = try await h.post("/v1/withdrawals", #"{"amountFen":20000,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
            #expect(toWeChat.status == 202, "\(toWeChat.text)")
            let wechatOrder = try #require(toWeChat.string("orderId"))
            let rejected = try await h.post("/v1/withdrawals", #"{"amountFen":10000,"channel":"bill99","cardId":"\#(card)"}"#, as: user)
            let rejectedOrder = try #require(rejected.string("orderId"))
            #expect(await h.waitFor(wechatOrder, status: "requested"))
            #expect(await h.waitFor(rejectedOrder, status: "requested"))
            #expect(try await h.balance(user) == (40_000, 60_000))

            // The review queue lists them; only an admin may act.
            let queue = try await h.get("/v1/admin/withdrawals?status=requested", admin: "ops-lee")
            #expect((queue.json["withdrawals"] as? [[String: Any]])?.count == 3)
            // A user's signed request is authenticated, but not an operator: 403.
            let byUser = try await h.post("/v1/admin/withdrawals/\(cardOrder)/approve", "{}", as: user)
            #expect(byUser.status == 403 && byUser.string("code") == "auth.admin_required")

            #expect(try await h.post("/v1/admin/withdrawals/\(cardOrder)/approve", "{}", admin: "ops-lee").status == 202)
            #expect(try await h.post("/v1/admin/withdrawals/\(wechatOrder)/approve", "{}", admin: "ops-lee").status == 202)
            let reject = try await h.post("/v1/admin/withdrawals/\(rejectedOrder)/reject", #"{"reason":"name does not match the card"}"#, admin: "ops-kim")
            #expect(reject.status == 202, "\(reject.text)")
            // A second review of the same withdrawal is refused.
            let again = try await h.post("/v1/admin/withdrawals/\(cardOrder)/reject", #"{"reason":"late"}"#, admin: "ops-kim")
            #expect(again.status == 409 && again.string("code") == "withdraw.already_reviewed")
            // Each decision made through the JSON API is in the operators' audit trail, the refused one included.
            func audited(_ login: String, _ action: String, _ order: String, _ outcome: String) async throws -> Int64 {
                try await h.count(
                    """
                    SELECT count(*) FROM console_audit WHERE admin_login = '\(login)' AND action = '\(action)' AND subject = '\(order)'
                      AND outcome = '\(outcome)' AND detail LIKE 'JSON API: %'
                    """)
            }
            #expect(try await audited("ops-lee", "withdrawal.approve", cardOrder, "done") == 1)
            #expect(try await audited("ops-lee", "withdrawal.approve", wechatOrder, "done") == 1)
            #expect(try await audited("ops-kim", "withdrawal.reject", rejectedOrder, "done") == 1)
            #expect(try await audited("ops-kim", "withdrawal.reject", cardOrder, "refused") == 1)

            #expect(await h.waitFor(cardOrder, status: "paidOut"))
            #expect(await h.waitFor(wechatOrder, status: "paidOut"))
            #expect(await h.waitFor(rejectedOrder, status: "invalid"))
            #expect(try await h.balance(user) == (50_000, 0))
            #expect(try await h.balance("clearing:bill99") == (30_000, 0))
            #expect(try await h.balance("clearing:wechat") == (-100_000 + 20_000, 0))

            let paid = try await h.get("/v1/withdrawals/\(cardOrder)", as: user)
            #expect(paid.string("status") == "paidOut" && paid.string("payoutState") == "succeeded" && paid.string("channelPayoutId") != nil)
            let payouts = try await h.sandbox(.GET, "/sandbox/payouts")
            #expect(payouts.text.contains(cardOrder) && payouts.text.contains(wechatOrder) && !payouts.text.contains(rejectedOrder))

        }
    }

    /// With the sandbox's `faults` in force, Bill99 withdrawals of `amounts` by a user funded with 50,000 fen and
    /// a bound card, each requested, frozen and approved.
    static func approvedCardWithdrawals(
        _ h: FlowHarness, user tag: String, faults: String, amounts: [Int64] = [12_000]
    ) async throws -> (user: String, orders: [String]) {
        let user = try await h.fundedUser(tag, fen: 50_000)
        let card = try await h.bindCard(as: user)
        let set = try await h.sandbox(.POST, "/sandbox/faults", faults)
        #expect(set.status == 200, "\(set.text)")
        var orders: [String] = []
        for amount in amounts {
            let request = try await h.post("/v1/withdrawals", #"{"amountFen":\#(amount),"channel":"bill99","cardId":"\#(card)"}"#, as: user)
            let orderID = try #require(request.string("orderId"))
            #expect(await h.waitFor(orderID, status: "requested"))
            #expect(try await h.post("/v1/admin/withdrawals/\(orderID)/approve", "{}", admin: "ops-lee").status == 202)
            orders.append(orderID)
        }
        return (user, orders)
    }

    @Test func aFailedPayoutUnfreezesTheMoneyAndMarksTheOrderInvalid() async throws {
        try await FlowHarness.run { h in
            let (user, orders) = try await Self.approvedCardWithdrawals(h, user: "wf", faults: #"{"payouts":{"fail":true,"failReason":"ACCOUNT_FROZEN"}}"#)
            let orderID = orders[0]
            #expect(await h.waitFor(orderID, status: "invalid"))
            #expect(try await h.balance(user) == (50_000, 0))
            let record = try await h.get("/v1/withdrawals/\(orderID)", as: user)
            #expect(record.string("payoutState") == "failed")
            #expect(try await h.balance("clearing:bill99") == (0, 0))
        }
    }

    /// Bill99 made the payout but answered the request with an unsigned refusal (as a retried request can be
    /// answered after a lost first answer). Unfreezing on that answer would pay the user twice: the money would
    /// be back in the wallet and in the bank. The dispatcher asks Bill99 first and follows the payout it reports.
    @Test func aRefusedAnswerForAPayoutTheChannelMadeUnfreezesNothing() async throws {
        try await FlowHarness.run { h in
            let (user, orders) = try await Self.approvedCardWithdrawals(h, user: "wra", faults: #"{"payouts":{"refuseAnswer":true}}"#)
            let orderID = orders[0]
            let paidOut = await h.waitFor(orderID, status: "paidOut")
            let shown = try await h.get("/v1/withdrawals/\(orderID)", as: user).text
            #expect(paidOut, "\(shown)")
            #expect(try await h.balance(user) == (38_000, 0))
            #expect(try await h.balance("clearing:bill99") == (12_000, 0))
            let record = try await h.get("/v1/withdrawals/\(orderID)", as: user)
            #expect(record.string("payoutState") == "succeeded" && record.string("failureReason") == nil, "\(record.text)")
            #expect(try await h.sandbox(.GET, "/sandbox/payouts").text.contains(orderID))
        }
    }

    /// A refused answer for a payout Bill99 made, for another amount: the query that finds it holds it frozen and
    /// forgets the refusal, so no later "no such payout" could fail, and unfreeze, a withdrawal the channel paid.
    @Test func aRefusedPayoutFoundForAnotherAmountForgetsTheRefusal() async throws {
        try await FlowHarness.run { h in
            let (user, orders) = try await Self.approvedCardWithdrawals(
                h, user: "wro", faults: #"{"payouts":{"refuseAnswer":true,"amountOffsetFen":1}}"#)
            let orderID = orders[0]
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.get("/v1/withdrawals/\(orderID)", as: user).string("failureReason"))?.contains("reports 12001 fen") == true
            })
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE order_id = '\(orderID)' AND refused_at IS NULL") == 1)
            #expect(try await h.orderStatus(orderID) == "approved")
            #expect(try await h.balance(user) == (38_000, 12_000))
        }
    }

    /// Bill99 accepted the payout (a signed answer), then its queries say it holds no such order and a second
    /// request of the same order is refused as a duplicate (both unsigned). Believing the queries used to send the
    /// payout again, note the refusal and, once it settled, unfreeze the money Bill99 went on to pay: the user was
    /// paid twice. The withdrawal now stays frozen with the contradiction shown, until Bill99's answers agree again.
    @Test func aPayoutTheChannelAcknowledgedIsNeitherResentNorFailedOnANoSuchOrder() async throws {
        try await FlowHarness.run { h in
            let (user, orders) = try await Self.approvedCardWithdrawals(
                h, user: "wak", faults: #"{"notify":{"drop":true},"payouts":{"unknownToQueries":true,"refuseDuplicates":true}}"#)
            let orderID = orders[0]
            let held = "SELECT count(*) FROM withdrawal_requests WHERE order_id = '\(orderID)' AND acknowledged_at IS NOT NULL AND failure_reason LIKE '%holds no such payout%'"
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.count(held)) == 1 })
            // Well past the 3 s refusal settle period: still approved, still frozen, never refused, made once.
            try await Task.sleep(for: .seconds(6))
            #expect(try await h.orderStatus(orderID) == "approved")
            #expect(try await h.balance(user) == (38_000, 12_000))
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE order_id = '\(orderID)' AND refused_at IS NULL AND payout_state = 'processing'") == 1)
            #expect(try await h.count("SELECT count(*) FROM processed_keys WHERE idempotency_key = 'withdraw-fail:\(orderID)'") == 0)
            let record = try await h.get("/v1/withdrawals/\(orderID)", as: user)
            #expect(record.string("failureReason")?.contains("holds no such payout") == true, "\(record.text)")
            #expect(((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("held frozen for an operator"))

            // Bill99's queries agree again: the payout it made is found and settled, once.
            #expect(try await h.sandbox(.POST, "/sandbox/faults", "{}").status == 200)
            #expect(await h.waitFor(orderID, status: "paidOut"))
            #expect(try await h.balance(user) == (38_000, 0))
            #expect(try await h.balance("clearing:bill99") == (12_000, 0))
            #expect(try await h.get("/v1/withdrawals/\(orderID)", as: user).string("failureReason") == nil)
        }
    }

    /// Held payouts have a way out: an operator, having checked with the channel, settles one as paid out or fails
    /// it, once, with their name and reason kept; the dispatcher leaves it alone after that, whatever the channel
    /// says next. A withdrawal nothing holds cannot be resolved.
    @Test func anOperatorResolvesAHeldPayoutOnce() async throws {
        try await FlowHarness.run { h in
            let (user, orders) = try await Self.approvedCardWithdrawals(
                h, user: "wrs", faults: #"{"notify":{"drop":true},"payouts":{"unknownToQueries":true,"refuseDuplicates":true}}"#,
                amounts: [12_000, 3_000])
            let (paid, failed) = (orders[0], orders[1])
            for order in orders {
                #expect(await eventually(timeoutSeconds: 60) {
                    (try? await h.get("/v1/withdrawals/\(order)", as: user).string("failureReason"))?.contains("holds no such payout") == true
                })
            }
            #expect(try await h.balance(user) == (35_000, 15_000))

            let badOutcome = try await h.post("/v1/admin/withdrawals/\(paid)/resolve", #"{"outcome":"maybe","reason":"x"}"#, admin: "ops-lee")
            #expect(badOutcome.status == 400 && badOutcome.string("code") == "request.invalid_field", "\(badOutcome.text)")
            let noReason = try await h.post("/v1/admin/withdrawals/\(paid)/resolve", #"{"outcome":"paidOut"}"#, admin: "ops-lee")
            #expect(noReason.status == 400, "\(noReason.text)")
            let byUser = try await h.post("/v1/admin/withdrawals/\(paid)/resolve", #"{"outcome":"failed","reason":"mine"}"#, as: user)
            #expect(byUser.status == 403 || byUser.status == 401, "\(byUser.text)")

            let resolved = try await h.post(
                "/v1/admin/withdrawals/\(paid)/resolve",
                #"{"outcome":"paidOut","reason":"Bill99 statement shows it paid","channelReference":"D99000001"}"#, admin: "ops-lee")
            #expect(resolved.status == 200, "\(resolved.text)")
            #expect(resolved.string("resolvedBy") == "ops-lee" && resolved.string("resolutionReason") == "Bill99 statement shows it paid")
            let unfrozen = try await h.post(
                "/v1/admin/withdrawals/\(failed)/resolve", #"{"outcome":"failed","reason":"Bill99 confirmed no payout"}"#, admin: "ops-lee")
            #expect(unfrozen.status == 200, "\(unfrozen.text)")
            #expect(await h.waitFor(paid, status: "paidOut"))
            #expect(await h.waitFor(failed, status: "invalid"))
            #expect(try await h.balance(user) == (38_000, 0))
            #expect(try await h.balance("clearing:bill99") == (12_000, 0))

            // Once: a second resolution of either is refused, and so is one of a withdrawal nothing holds.
            for order in orders {
                let again = try await h.post("/v1/admin/withdrawals/\(order)/resolve", #"{"outcome":"failed","reason":"again"}"#, admin: "ops-lee")
                #expect(again.status == 409 && again.string("code") == "withdraw.not_resolvable", "\(again.text)")
            }
            #expect(try await h.sandbox(.POST, "/sandbox/faults", "{}").status == 200)
            let plain = try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"bill99","cardId":"\#(try await h.firstCard(of: user))"}"#, as: user)
            let plainID = try #require(plain.string("orderId"), "\(plain.text)")
            #expect(await h.waitFor(plainID, status: "requested"))
            let notHeld = try await h.post("/v1/admin/withdrawals/\(plainID)/resolve", #"{"outcome":"failed","reason":"x"}"#, admin: "ops-lee")
            #expect(notHeld.status == 409 && notHeld.string("code") == "withdraw.not_resolvable", "\(notHeld.text)")

            #expect(try await h.orderStatus(failed) == "invalid")
            #expect(try await h.balance(user) == (37_000, 1_000))
        }
    }

    /// A refusal the channel has not confirmed is not an operator's to resolve: the first request may still be on its
    /// way, and failing it could pay twice. The dispatcher settles it (here: Bill99 holds none, so it fails).
    @Test func anUnconfirmedRefusalCannotBeResolvedByAnOperator() async throws {
        try await FlowHarness.run { h in
            let (user, orders) = try await Self.approvedCardWithdrawals(h, user: "wur", faults: #"{"payouts":{"refuse":true}}"#)
            let order = orders[0]
            let noted = "SELECT count(*) FROM withdrawal_requests WHERE order_id = '\(order)' AND refused_at IS NOT NULL AND acknowledged_at IS NULL"
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.count(noted)) == 1 })
            let resolve = try await h.post("/v1/admin/withdrawals/\(order)/resolve", #"{"outcome":"failed","reason":"looks refused"}"#, admin: "ops-lee")
            #expect(resolve.status == 409 && resolve.string("code") == "withdraw.not_resolvable", "\(resolve.text)")
            #expect(await h.waitFor(order, status: "invalid"))
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE order_id = '\(order)' AND resolved_by IS NULL") == 1)
            #expect(try await h.balance(user) == (50_000, 0))
        }
    }

    /// A refusal for a payout the channel never made: once the query confirms Bill99 holds none, the money is
    /// unfrozen with the refusal as the reason.
    @Test func aRefusedPayoutTheChannelNeverMadeIsUnfrozenAfterTheQuery() async throws {
        try await FlowHarness.run { h in
            let (user, orders) = try await Self.approvedCardWithdrawals(h, user: "wrr", faults: #"{"payouts":{"refuse":true}}"#)
            let orderID = orders[0]
            #expect(await h.waitFor(orderID, status: "invalid"))
            #expect(try await h.balance(user) == (50_000, 0))
            #expect(try await h.balance("clearing:bill99") == (0, 0))
            let record = try await h.get("/v1/withdrawals/\(orderID)", as: user)
            #expect(record.string("payoutState") == "failed" && record.string("failureReason")?.contains("账户状态异常") == true, "\(record.text)")
            #expect(!(try await h.sandbox(.GET, "/sandbox/payouts").text.contains(orderID)))
            // The day's Bill99 reconciliation asks about it too: Bill99's "no such payout" is no row and no difference
            // (it used to fail the whole day's run, leaving every payout of the day unreconciled).
            let recon = try await ReconciliationFlowTests.recon(h, day: ReconDays.shanghai(Date()), channel: "bill99")
            #expect(recon.status == 0, "\(recon.output)")
            #expect(recon.runs["bill99"]?["differences"] as? Int == 0 && recon.runs["bill99"]?["billRows"] as? Int == 0, "\(recon.output)")
        }
    }

    /// A channel's failure with a blank reason used to make an invalid event, which rolled back the dispatcher's
    /// whole round: that withdrawal and every one behind it stayed approved, frozen, for good.
    @Test func aPayoutFailureWithABlankReasonStillUnfreezes() async throws {
        try await FlowHarness.run { h in
            let (user, orders) = try await Self.approvedCardWithdrawals(
                h, user: "wbl", faults: #"{"payouts":{"fail":true,"failReason":" "}}"#, amounts: [1_000, 2_000])
            for orderID in orders {
                let invalid = await h.waitFor(orderID, status: "invalid")
                let record = try await h.get("/v1/withdrawals/\(orderID)", as: user)
                #expect(invalid, "\(record.text)")
                #expect(record.string("failureReason") == "payout failed", "\(record.text)")
            }
            #expect(try await h.balance(user) == (50_000, 0))
        }
    }

    /// A withdrawal the dispatcher cannot handle (here not even its refusal can be recorded) used to roll back
    /// the dispatcher's whole round, every round: no withdrawal behind it was ever paid. It now waits on its own.
    @Test func oneWithdrawalThatCannotBeDispatchedDoesNotHoldUpTheOthers() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("wone", fen: 50_000)
            let card = try await h.bindCard(as: user)
            var orders: [String] = []
            for amount in [1_000, 2_000] {
                let request = try await h.post("/v1/withdrawals", #"{"amountFen":\#(amount),"channel":"bill99","cardId":"\#(card)"}"#, as: user)
                let orderID = try #require(request.string("orderId"))
                #expect(await h.waitFor(orderID, status: "requested"))
                orders.append(orderID)
            }
            // The first one, approved first, cannot be dispatched: its destination made undecodable (so that it is refused
            // without reaching the channel), and a trigger refusing any change of its payout state (so that the refusal
            // cannot be recorded either). It fails every round, ahead of the second in the queue. (Refused and failed
            // without the trigger: aWithdrawalWhoseDestinationNoLongerDecodesIsRefusedAndUnfrozen.)
            try await h.approveWithoutSending(orders[0])
            _ = try await h.database.client.execute(
                "UPDATE withdrawal_requests SET destination = jsonb_set(destination, '{type}', '5') WHERE order_id = \(orders[0])")
            for sql in [
                """
                CREATE FUNCTION refuse_payout_state() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'payout state of % refused by the test', OLD.order_id; END $$
                """,
                """
                CREATE TRIGGER refuse_payout_state BEFORE UPDATE ON withdrawal_requests FOR EACH ROW
                WHEN (OLD.order_id = '\(orders[0])' AND NEW.payout_state IS DISTINCT FROM OLD.payout_state)
                EXECUTE FUNCTION refuse_payout_state()
                """,
            ] {
                _ = try await h.database.client.execute(PostgresQuery(sql: sql, bindings: []))
            }
            try await h.releaseToDispatcher(orders[0])
            #expect(try await h.post("/v1/admin/withdrawals/\(orders[1])/approve", "{}", admin: "ops-lee").status == 202)
            #expect(await h.waitFor(orders[1], status: "paidOut"))
            #expect(try await h.orderStatus(orders[0]) == "approved")
            #expect(await eventually(timeoutSeconds: 20) {
                ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("it waits, the others go on")
            })
            #expect(try await h.balance(user) == (47_000, 1_000))
        }
    }

    /// A withdrawal whose destination no longer decodes (its JSON changed in the database: no version of Paystream
    /// wrote it) is not sent; like one changed without the keys, the refusal is noted, the channel is asked, and,
    /// holding no such payout, it fails and its money comes back. It used to fail every round and wait, frozen.
    @Test func aWithdrawalWhoseDestinationNoLongerDecodesIsRefusedAndUnfrozen() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("wdec", fen: 50_000)
            let card = try await h.bindCard(as: user)
            let request = try await h.post("/v1/withdrawals", #"{"amountFen":1500,"channel":"bill99","cardId":"\#(card)"}"#, as: user)
            let orderID = try #require(request.string("orderId"), "\(request.text)")
            try await h.approveWithoutSending(orderID)
            _ = try await h.database.client.execute(
                "UPDATE withdrawal_requests SET destination = jsonb_set(destination, '{type}', '5') WHERE order_id = \(orderID)")
            // Shown, as unreadable, to its holder and in the operators' queue (one bad row used to fail the whole queue).
            let shown = try await h.get("/v1/withdrawals/\(orderID)", as: user)
            #expect((shown.json["destination"] as? [String: Any])?["type"] as? String == "unreadable", "\(shown.text)")
            let queue = try await h.get("/v1/admin/withdrawals?status=approved", admin: "ops-lee")
            #expect(queue.status == 200 && queue.text.contains(orderID), "\(queue.text)")
            _ = try await h.identities.session(login: "ops-unread", role: .admin, account: nil)
            let cookie = try await ConsoleFlowTests.signIn(h, as: "ops-unread")
            let console = try await ConsoleFlowTests.send(.GET, h.apiURL + "/console/withdrawals?status=approved", headers: ["Cookie": cookie])
            #expect(console.status == 200 && console.text.contains("unreadable: changed in the database; not sent"), "\(console.text)")
            try await h.releaseToDispatcher(orderID)

            #expect(await h.waitFor(orderID, status: "invalid"))
            let record = try await h.get("/v1/withdrawals/\(orderID)", as: user)
            #expect(record.string("failureReason")?.contains("changed without the keys before the payout was sent") == true, "\(record.text)")
            #expect(await eventually { (try? await h.balance(user)).map { $0 == (50_000, 0) } == true }, "the 1,500 fen back in the available balance")
            let payouts = try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/payouts").body)) as? [[String: Any]] ?? []
            #expect(payouts.allSatisfy { $0["outBillNo"] as? String != orderID }, "never sent: \(payouts)")
            #expect(((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("its destination does not decode"))
            #expect(try await h.verify().isClean)
        }
    }

    /// A destination that decodes but names no payee this version can pay (here: of a type it does not know, on a
    /// deployment whose keys predate row binding, so that no route vouches for it) is not sent and not failed at once:
    /// an earlier try may have reached the channel, so the refusal is noted and the channel asked, and it fails, its
    /// money back, only once the channel confirms it holds no such payout. It used to fail at once.
    @Test func aDestinationOfATypeThisVersionDoesNotPayIsFailedOnlyOnceTheChannelHoldsNone() async throws {
        try await FlowHarness.run(keysOlderThanRowBinding: true) { h in
            let user = try await h.fundedUser("wtyp", fen: 50_000)
            let card = try await h.bindCard(as: user)
            let request = try await h.post("/v1/withdrawals", #"{"amountFen":1200,"channel":"bill99","cardId":"\#(card)"}"#, as: user)
            let orderID = try #require(request.string("orderId"), "\(request.text)")
            try await h.approveWithoutSending(orderID)
            _ = try await h.database.client.execute(
                """
                UPDATE withdrawal_requests SET destination = (destination - 'route') || '{"type":"alipayAccount"}'::jsonb
                WHERE order_id = \(orderID)
                """)
            try await h.releaseToDispatcher(orderID)
            // Noted and asked about first (the refusal settles after 3 s here), then failed.
            #expect(await eventually(timeoutSeconds: 30) {
                (try? await h.count("SELECT count(*) FROM withdrawal_requests WHERE order_id = '\(orderID)' AND refused_at IS NOT NULL")) == 1
            })
            #expect(await h.waitFor(orderID, status: "invalid"))
            let record = try await h.get("/v1/withdrawals/\(orderID)", as: user)
            #expect(
                record.string("failureReason")?.contains("of a type this version does not pay (alipayAccount) before the payout was sent") == true,
                "\(record.text)")
            #expect(await eventually { (try? await h.balance(user)).map { $0 == (50_000, 0) } == true })
            #expect(((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("names no payee this version can pay"))
            #expect(try await h.verify().isClean)
        }
    }

    /// A WeChat transfer waits for the user to confirm it in WeChat: the app needs the transfer's package_info to
    /// open that confirmation, and gets it from the withdrawal while it waits (not before, not after).
    @Test func aWeChatTransferWaitingForTheUserShowsItsPackageInfo() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("wpk", fen: 50_000)
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"payouts":{"awaitConfirmation":true}}"#).status == 200)
            let openID = try await h.bindWeChat(as: user)
            let request = try await h.post("/v1/withdrawals", #"{"amountFen":3000,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
            let orderID = try #require(request.string("orderId"), "\(request.text)")
            #expect(await h.waitFor(orderID, status: "requested"))
            #expect(try await h.get("/v1/withdrawals/\(orderID)", as: user).string("packageInfo") == nil)
            #expect(try await h.post("/v1/admin/withdrawals/\(orderID)/approve", "{}", admin: "ops-lee").status == 202)
            var shown: FlowHarness.Reply?
            #expect(await eventually(timeoutSeconds: 30) {
                shown = try? await h.get("/v1/withdrawals/\(orderID)", as: user)
                return shown?.string("payoutState") == "awaitingUserConfirmation"
            })
            let packageInfo = try #require(shown?.string("packageInfo"), "\(shown?.text ?? "")")
            #expect(packageInfo.hasPrefix("sim") && packageInfo.count > 20)
            #expect(try await h.balance(user) == (47_000, 3_000))
        }
    }

    /// A channel that reports another amount than the withdrawal's (it paid something else) settles nothing and
    /// unfreezes nothing: the money stays frozen, the difference is the withdrawal's failure reason, and an
    /// operator is told.
    @Test func aPayoutReportedForAnotherAmountIsHeldFrozen() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("wam", fen: 50_000)
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"payouts":{"amountOffsetFen":1}}"#).status == 200)
            let openID = try await h.bindWeChat(as: user)
            let request = try await h.post("/v1/withdrawals", #"{"amountFen":3000,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
            let orderID = try #require(request.string("orderId"), "\(request.text)")
            #expect(await h.waitFor(orderID, status: "requested"))
            #expect(try await h.post("/v1/admin/withdrawals/\(orderID)/approve", "{}", admin: "ops-lee").status == 202)
            var shown: FlowHarness.Reply?
            #expect(await eventually(timeoutSeconds: 30) {
                shown = try? await h.get("/v1/withdrawals/\(orderID)", as: user)
                return shown?.string("failureReason")?.contains("reports 3001 fen") == true
            })
            #expect(shown?.string("status") == "approved" && shown?.string("payoutState") == "processing", "\(shown?.text ?? "")")
            // The channel's SUCCESS (its notify and the queries after it) does not settle it either.
            #expect(await eventually(timeoutSeconds: 30) {
                let text = (try? await h.sandbox(.GET, "/sandbox/payouts"))?.text ?? "[]"
                let payouts = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
                return payouts.contains { "\($0["outBillNo"] ?? "")" == orderID && "\($0["state"] ?? "")" == "SUCCESS" }
            })
            let attempts = try await h.count("SELECT payout_attempts FROM withdrawal_requests WHERE order_id = '\(orderID)'")
            #expect(await eventually(timeoutSeconds: 30) {
                (try? await h.count("SELECT payout_attempts FROM withdrawal_requests WHERE order_id = '\(orderID)'")) ?? 0 > attempts
            })
            #expect(try await h.orderStatus(orderID) == "approved")
            #expect(try await h.balance(user) == (47_000, 3_000))
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE order_id = '\(orderID)' AND kind <> 'withdrawFreeze'") == 0)
            #expect(((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").contains("payout amount differs from the withdrawal"))
        }
    }

    /// What the WeChat client cannot send is refused before anything is frozen: an openid WeChat would not take, or
    /// 2,000.00 CNY or more for an account with no holder's name (WeChat needs the payee's real name from there on).
    /// With the holder's name (their first card's), such a withdrawal is paid: the name goes to WeChat encrypted under
    /// its key, and is sealed at rest.
    @Test func aWeChatWithdrawalFrom2000CNYCarriesTheHoldersNameEncrypted() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("wwl", fen: 500_000)
            let openID = try await h.bindWeChat(as: user)
            let big = try await h.post("/v1/withdrawals", #"{"amountFen":200000,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
            #expect(big.status == 409 && big.string("code") == "withdraw.payee_name_required", "\(big.text)")
            for odd in ["o 1", "o\\u00e9", "o/../x", String(repeating: "o", count: 129)] {
                let reply = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(odd)"}"#, as: user)
                #expect(reply.status == 400 && reply.string("code") == "request.invalid_field", "\(odd): \(reply.text)")
            }
            #expect(try await h.balance(user) == (500_000, 0))
            let most = try await h.post("/v1/withdrawals", #"{"amountFen":199999,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
            #expect(most.status == 202, "\(most.text)")

            _ = try await h.bindCard(as: user)
            let named = try await h.post("/v1/withdrawals", #"{"amountFen":250000,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
            #expect(named.status == 202, "\(named.text)")
            let order = try #require(named.string("orderId"), "\(named.text)")
            #expect(named.text.contains("张三") == false, "the name is not answered: \(named.text)")
            let stored = try await h.database.client.query("SELECT destination::text AS d FROM withdrawal_requests WHERE order_id = \(order)")
            let row = try #require(try stored.first?.decode(String.self, column: "d"))
            #expect(row.contains("holderName") && !row.contains("张三"), "sealed at rest: \(row)")
            #expect(await h.waitFor(order, status: "requested"))
            #expect(try await h.post("/v1/admin/withdrawals/\(order)/approve", "{}", admin: "ops-lee").status == 202)
            #expect(await h.waitFor(order, status: "paidOut"))
            let payouts = (try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/payouts").body)) as? [[String: Any]]) ?? []
            let payout = try #require(payouts.first { $0["outBillNo"] as? String == order }, "\(payouts)")
            #expect(payout["payeeName"] as? String == "张三" && payout["amountFen"] as? Int == 250_000, "\(payout)")
            #expect(try await h.balance(user) == (500_000 - 199_999 - 250_000, 199_999))
        }
    }

    /// Once an account has a holder, every WeChat withdrawal names them, however small, and WeChat pays only the
    /// WeChat user of that real name: a WeChat user of another name bound to the account (a stolen credential) gets
    /// nothing, and the money comes back to the wallet.
    @Test func aSmallWeChatWithdrawalNamesTheHolderAndIsNotPaidToAnotherPerson() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("wnm", fen: 10_000)
            _ = try await h.bindCard(as: user)
            let holders = try await h.bindWeChat(as: user, realName: "张三")
            let strangers = try await h.bindWeChat(as: user, realName: "李四")
            func withdraw(_ openID: String) async throws -> String {
                let reply = try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
                #expect(reply.status == 202, "\(reply.text)")
                let order = try #require(reply.string("orderId"), "\(reply.text)")
                #expect(await h.waitFor(order, status: "requested"))
                #expect(try await h.post("/v1/admin/withdrawals/\(order)/approve", "{}", admin: "ops-nm").status == 202)
                return order
            }
            let paid = try await withdraw(holders)
            #expect(await h.waitFor(paid, status: "paidOut"))
            let refused = try await withdraw(strangers)
            #expect(await h.waitFor(refused, status: "invalid"), "\(h.api.tail())")
            let payouts = (try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/payouts").body)) as? [[String: Any]]) ?? []
            let named = payouts.filter { [paid, refused].contains($0["outBillNo"] as? String ?? "") }
            #expect(named.count == 2 && named.allSatisfy { $0["payeeName"] as? String == "张三" }, "\(named)")
            #expect(named.first { $0["outBillNo"] as? String == refused }?["failReason"] as? String == "NAME_NOT_CORRECT", "\(named)")
            #expect(try await h.balance(user) == (9_000, 0))

            // A holder whose name is longer than WeChat Pay takes is refused before anything is frozen, not at payout.
            let longNamed = try await h.fundedUser("wnl", fen: 1_000)
            let card = FlowHarness.newCard(name: String(repeating: "长", count: 61))
            try await h.register(card)
            _ = try await h.bindCard(card, as: longNamed)
            let theirs = try await h.bindWeChat(as: longNamed)
            let tooLong = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(theirs)"}"#, as: longNamed)
            #expect(tooLong.status == 409 && tooLong.string("code") == "withdraw.payee_name_unsupported", "\(tooLong.text)")
            #expect(try await h.balance(longNamed) == (1_000, 0))
            let report = try await h.verify()
            #expect(report.isClean, "\(report.violations)")
        }
    }

    /// A merchant funded by a collection, with a bound WeChat account.
    static func fundedMerchant(_ h: FlowHarness, _ tag: String, fen: Int64) async throws -> (merchant: String, openID: String) {
        let merchant = "merchant:\(tag)\(h.prefix.suffix(6))"
        let sale = try await h.post("/v1/collections", #"{"amountFen":\#(fen),"channel":"wechat","description":"sale"}"#, as: merchant)
        let order = try #require(sale.string("orderId"), "\(sale.text)")
        try await h.pay("wechat", order)
        #expect(await h.waitFor(order, status: "paid"))
        return (merchant, try await h.bindWeChat(as: merchant))
    }

    /// Merchants' withdrawals are limited as users' are, in counters of their own. Under a rules file that limits users
    /// only, a merchant's withdrawal is refused (`risk.unlimited`), not let through with no limit at all.
    @Test func merchantsWithdrawalsAreLimitedTooAndNeverUnlimited() async throws {
        try await FlowHarness.run { h in
            let (merchant, openID) = try await Self.fundedMerchant(h, "wdm", fen: 50_000)
            for n in 1...3 {
                let ok = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(openID)"}"#, as: merchant)
                #expect(ok.status == 202, "withdrawal \(n): \(ok.text)")
            }
            let fourth = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(openID)"}"#, as: merchant)
            #expect(fourth.status == 403 && fourth.string("code") == "risk.withdraw.merchant_daily_count", "\(fourth.text)")
        }
        let rules = FileManager.default.temporaryDirectory.appendingPathComponent("users-only-\(UUID().uuidString).yaml")
        try """
            timezone: Asia/Shanghai
            rules:
              - {id: withdraw.daily_count, on: withdraw, counter: count, scope: user, window: day, limit: 3}
            """.write(to: rules, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: rules) }
        try await FlowHarness.run(riskRules: rules.path) { h in
            let (merchant, openID) = try await Self.fundedMerchant(h, "wdu", fen: 50_000)
            let refused = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(openID)"}"#, as: merchant)
            #expect(refused.status == 403 && refused.string("code") == "risk.unlimited", "\(refused.text)")
            #expect(try await h.balance(merchant) == (50_000, 0))
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests") == 0)
            #expect(try await h.count("SELECT count(*) FROM risk_decisions WHERE outcome = 'refused' AND rule_id IS NULL") == 1)
            let user = try await h.fundedUser("wdu", fen: 1_000)
            let userWeChat = try await h.bindWeChat(as: user)
            let counted = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(userWeChat)"}"#, as: user)
            #expect(counted.status == 202, "\(counted.text)")
        }
    }

    /// The rules file's examples work without code: a withdrawal carries the card paid to (scope `card`) and when its
    /// destination was bound (`card_bound_at`, `wechat_bound_at`).
    @Test func rulesOnTheCardAndOnHowNewTheDestinationIsApply() async throws {
        let rules = FileManager.default.temporaryDirectory.appendingPathComponent("card-rules-\(UUID().uuidString).yaml")
        try """
            timezone: Asia/Shanghai
            rules:
              - {id: withdraw.daily_count, on: withdraw, counter: count, scope: user, window: day, limit: 10}
              - {id: withdraw.card_daily_count, on: withdraw, counter: count, scope: card, window: day, limit: 1}
              - {id: withdraw.wechat_cooling, on: withdraw, requires_age: {of: wechat_bound_at, seconds: 86400}}
            """.write(to: rules, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: rules) }
        try await FlowHarness.run(riskRules: rules.path) { h in
            let user = try await h.fundedUser("wdc", fen: 10_000)
            let card = try await h.bindCard(as: user)
            let first = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"bill99","cardId":"\#(card)"}"#, as: user)
            #expect(first.status == 202, "\(first.text)")
            let second = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"bill99","cardId":"\#(card)"}"#, as: user)
            #expect(second.status == 403 && second.string("code") == "risk.withdraw.card_daily_count", "\(second.text)")
            let openID = try await h.bindWeChat(as: user)
            let fresh = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
            #expect(fresh.status == 403 && fresh.string("code") == "risk.withdraw.wechat_cooling", "\(fresh.text)")
            // Bound a day ago: the cooling period is over.
            _ = try await h.database.client.execute(
                "UPDATE wechat_accounts SET bound_at = now() - interval '25 hours' WHERE openid = \(openID)")
            let settled = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
            #expect(settled.status == 202, "\(settled.text)")
        }
    }

    @Test func riskRulesLimitWithdrawalsPerDayEvenUnderConcurrency() async throws {
        try await FlowHarness.run { h in
            // Count: the 4th withdrawal of the day is refused with the rule's id.
            let counted = try await h.fundedUser("rc", fen: 100_000)
            let countedWeChat = try await h.bindWeChat(as: counted)
            for n in 1...3 {
                let ok = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(countedWeChat)"}"#, as: counted)
                #expect(ok.status == 202, "withdrawal \(n): \(ok.text)")
            }
            let fourth = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(countedWeChat)"}"#, as: counted)
            #expect(fourth.status == 403 && fourth.string("code") == "risk.withdraw.daily_count", "\(fourth.text)")

            // Amount: 10,000.00 a day passes, 10,000.01 does not.
            let rich = try await h.fundedUser("ra", fen: 5_000_000)
            // To a bank card: a WeChat transfer is below 2,000.00 CNY.
            let richCard = try await h.bindCard(as: rich)
            let most = try await h.post("/v1/withdrawals", #"{"amountFen":999999,"channel":"bill99","cardId":"\#(richCard)"}"#, as: rich)
            #expect(most.status == 202, "\(most.text)")
            let richWeChat = try await h.bindWeChat(as: rich)
            let over = try await h.post("/v1/withdrawals", #"{"amountFen":2,"channel":"wechat","openId":"\#(richWeChat)"}"#, as: rich)
            #expect(over.status == 403 && over.string("code") == "risk.withdraw.daily_amount", "\(over.text)")
            let exact = try await h.post("/v1/withdrawals", #"{"amountFen":1,"channel":"wechat","openId":"\#(richWeChat)"}"#, as: rich)
            #expect(exact.status == 202, "a total of exactly 10,000.00 is allowed: \(exact.text)")

            // Concurrency: 20 requests at once, at most 3 pass.
            let racer = try await h.fundedUser("rr", fen: 100_000)
            let racerWeChat = try await h.bindWeChat(as: racer)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(racerWeChat)"}"#, as: racer).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 202 }.count == 3, "\(statuses)")
            #expect(statuses.filter { $0 == 403 }.count == 17, "\(statuses)")
            // Every decision is stored with the rule that decided it.
            #expect(try await h.count("SELECT count(*) FROM risk_decisions WHERE outcome = 'refused' AND rule_id = 'withdraw.daily_count'") == 18)
            #expect(try await h.count("SELECT count(*) FROM risk_decisions WHERE rule_id = 'withdraw.daily_amount'") == 1)
            // An unaffordable request is refused before risk counts it.
            let poorUser = "user:poor\(h.prefix.suffix(6))"
            let poorWeChat = try await h.bindWeChat(as: poorUser)
            let poor = try await h.post("/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(poorWeChat)"}"#, as: poorUser)
            #expect(poor.status == 409 && poor.string("code") == "balance.insufficient_available")
        }
    }
}
