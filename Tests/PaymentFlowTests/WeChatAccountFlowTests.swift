import Foundation
import PaystreamCore
import Testing
import TestSupport

/// WeChat accounts are bound from WeChat's own answer to an authorization code, and a WeChat withdrawal may name
/// only an openid bound to the account that asks: a session alone cannot send the wallet's money to a stranger.
@Suite(.serialized) struct WeChatAccountFlowTests {
    @Test func aWeChatWithdrawalGoesOnlyToAnOpenIDWeChatBoundToTheAccount() async throws {
        try await FlowHarness.run { h in
            let user = try await h.fundedUser("wxb", fen: 50_000)
            let other = try await h.fundedUser("wxo", fen: 10_000)
            func withdraw(_ openID: String, _ who: String) async throws -> FlowHarness.Reply {
                try await h.post("/v1/withdrawals", #"{"amountFen":1000,"channel":"wechat","openId":"\#(openID)"}"#, as: who)
            }

            // An openid nobody bound, and one only claimed: refused before anything is frozen.
            let stranger = try await withdraw("oStrangerXXXXXXXXXXXXXXXXXXX", user)
            #expect(stranger.status == 403 && stranger.string("code") == "withdraw.wechat_not_bound", "\(stranger.text)")
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests") == 0)

            // Bound from WeChat's answer to the user's code.
            let (code, openID) = try await h.wechatCode()
            let bound = try await h.post("/v1/wechat-accounts", #"{"code":"\#(code)"}"#, as: user)
            #expect(bound.status == 201 && bound.string("openId") == openID, "\(bound.text)")
            let bindingID = try #require(bound.string("bindingId"))
            #expect(bindingID.hasPrefix("WX") && bound.string("appId")?.isEmpty == false)
            // The code was WeChat's to redeem once; made-up and malformed codes bind nothing.
            let reused = try await h.post("/v1/wechat-accounts", #"{"code":"\#(code)"}"#, as: user)
            #expect(reused.status == 422 && reused.string("code") == "wechat.code_refused", "\(reused.text)")
            let madeUp = try await h.post("/v1/wechat-accounts", #"{"code":"061Xc8Ga1kzkzL0XxXFa1NvLiH1Xc8GS"}"#, as: user)
            #expect(madeUp.status == 422 && madeUp.string("code") == "wechat.code_refused", "\(madeUp.text)")
            #expect(try await h.post("/v1/wechat-accounts", "{}", as: user).string("code") == "request.missing_field")
            #expect(try await h.post("/v1/wechat-accounts", #"{"code":"a b"}"#, as: user).string("code") == "request.invalid_field")
            // The same WeChat user again: the same binding. Another account: refused.
            let again = try await h.post("/v1/wechat-accounts", #"{"code":"\#(try await h.wechatCode(openID: openID).code)"}"#, as: user)
            #expect(again.status == 200 && again.string("bindingId") == bindingID, "\(again.text)")
            let elsewhere = try await h.post("/v1/wechat-accounts", #"{"code":"\#(try await h.wechatCode(openID: openID).code)"}"#, as: other)
            #expect(elsewhere.status == 409 && elsewhere.string("code") == "wechat.bound_elsewhere", "\(elsewhere.text)")
            let listed = try await h.get("/v1/wechat-accounts", as: user)
            #expect(((listed.json["wechatAccounts"] as? [[String: Any]])?.compactMap { $0["openId"] as? String }) == [openID], "\(listed.text)")
            #expect(((try await h.get("/v1/wechat-accounts", as: other)).json["wechatAccounts"] as? [Any])?.isEmpty == true)

            // The owner withdraws to it; the other account may not, and cannot remove it.
            let paid = try await withdraw(openID, user)
            #expect(paid.status == 202, "\(paid.text)")
            let orderID = try #require(paid.string("orderId"))
            #expect(await h.waitFor(orderID, status: "requested"))
            let notTheirs = try await withdraw(openID, other)
            #expect(notTheirs.status == 403 && notTheirs.string("code") == "withdraw.wechat_not_bound", "\(notTheirs.text)")
            #expect(try await h.delete("/v1/wechat-accounts/\(bindingID)", as: other).status == 404)

            // Removed: no new withdrawal may name it; the one waiting for review is rejected with the removal; another
            // account may bind that WeChat user now.
            #expect(try await h.delete("/v1/wechat-accounts/\(bindingID)", as: user).status == 204)
            let stopped = try await h.get("/v1/withdrawals/\(orderID)", as: user)
            #expect(
                stopped.string("reviewedBy") == user && stopped.string("reviewReason") == "the WeChat account was unbound by its holder", "\(stopped.text)")
            #expect(await h.waitFor(orderID, status: "invalid"))
            #expect(try await h.delete("/v1/wechat-accounts/\(bindingID)", as: user).status == 404)
            let afterRemoval = try await withdraw(openID, user)
            #expect(afterRemoval.status == 403 && afterRemoval.string("code") == "withdraw.wechat_not_bound", "\(afterRemoval.text)")
            #expect(try await h.bindWeChat(as: other, openID: openID) == openID)

            // At most five per account.
            for _ in 0..<5 { try await h.bindWeChat(as: user) }
            let sixth = try await h.post("/v1/wechat-accounts", #"{"code":"\#(try await h.wechatCode().code)"}"#, as: user)
            #expect(sixth.status == 409 && sixth.string("code") == "wechat.limit_reached", "\(sixth.text)")

            #expect(try await h.balance(user) == (50_000, 0))
            #expect(try await h.balance(other) == (10_000, 0))
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests") == 1)
        }
    }

    /// Unbinding a WeChat account stops the WeChat withdrawals to it that were not sent, as removing a card does:
    /// an approved one is not sent, and fails once WeChat says it holds no such transfer; one requested before the
    /// unbinding and frozen after it is rejected by the API's sweep, as the unbinding would have. Both come back to the
    /// available balance; nothing is paid. A transfer already waiting for the user's confirmation is cancelled at
    /// WeChat, and its package_info is no longer answered.
    @Test func unbindingAWeChatAccountStopsTheWithdrawalsToItThatWereNotSent() async throws {
        try await FlowHarness.run { h in
            let (user, openID, bindingID) = try await h.fundedUserWithWeChat("wxu", fen: 10_000)
            func withdraw(_ fen: Int) async throws -> String {
                let reply = try await h.post("/v1/withdrawals", #"{"amountFen":\#(fen),"channel":"wechat","openId":"\#(openID)"}"#, as: user)
                return try #require(reply.string("orderId"), "\(reply.text)")
            }
            // Sent, waiting for the WeChat user's confirmation (the sandbox's user does not confirm).
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"payouts":{"awaitConfirmation":true}}"#).status == 200)
            let confirming = try await withdraw(500)
            #expect(await h.waitFor(confirming, status: "requested"))
            #expect(try await h.post("/v1/admin/withdrawals/\(confirming)/approve", "{}", admin: "ops-lee").status == 202)
            #expect(await eventually { (try? await h.get("/v1/withdrawals/\(confirming)", as: user))?.string("packageInfo") != nil })
            // Approved, and not sent yet.
            let approved = try await withdraw(1_000)
            try await h.approveWithoutSending(approved)
            // Requested while the worker is down.
            await h.killWorker()
            let late = try await withdraw(2_000)

            #expect(try await h.delete("/v1/wechat-accounts/\(bindingID)", as: user).status == 204)
            let unconfirmable = try await h.get("/v1/withdrawals/\(confirming)", as: user)
            #expect(unconfirmable.string("packageInfo") == nil, "\(unconfirmable.text)")
            try h.startWorker()
            // The dispatcher's next look at it (now, not after its back-off) cancels the transfer at WeChat.
            try await h.releaseToDispatcher(confirming)
            #expect(await h.waitFor(confirming, status: "invalid"))
            #expect((try await h.get("/v1/withdrawals/\(confirming)", as: user)).string("payoutState") == "cancelled")
            #expect((try await h.get("/v1/withdrawals/\(approved)", admin: "ops-lee")).json["destinationRemoved"] as? Bool == true)
            // Frozen after the unbinding: nobody reviews it, the API's sweep rejects it as the unbinding would have.
            #expect(await h.waitFor(late, status: "invalid"))
            let swept = try await h.get("/v1/withdrawals/\(late)", admin: "ops-lee")
            #expect(
                swept.string("reviewedBy") == user && swept.string("reviewReason") == "the WeChat account was unbound by its holder"
                    && swept.json["destinationRemoved"] as? Bool == true, "\(swept.text)")
            #expect(try await h.post("/v1/admin/withdrawals/\(late)/approve", "{}", admin: "ops-lee").status == 409)
            try await h.releaseToDispatcher(approved)
            #expect(await h.waitFor(approved, status: "invalid"))
            let failed = try await h.get("/v1/withdrawals/\(approved)", as: user)
            #expect(
                failed.string("failureReason")?.contains("the WeChat account was unbound by its holder before the payout was sent") == true,
                "\(failed.text)")
            #expect(await eventually { (try? await h.balance(user)).map { $0 == (10_000, 0) } == true }, "all 3,500 fen back")
            let payouts = try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/payouts").body)) as? [[String: Any]] ?? []
            #expect(payouts.allSatisfy { ![approved, late].contains($0["outBillNo"] as? String ?? "") }, "\(payouts)")
            #expect(payouts.first { $0["outBillNo"] as? String == confirming }?["state"] as? String == "CANCELLED", "\(payouts)")
        }
    }

    /// Unbound and bound again before the worker froze the withdrawal: the account pays that WeChat user again, so the
    /// API's sweep leaves the withdrawal alone (it rejects only withdrawals whose destination is removed now), and
    /// once approved it is paid, once.
    @Test func aWithdrawalToAWeChatAccountBoundAgainIsLeftByTheSweepAndPaid() async throws {
        try await FlowHarness.run(apiOptions: ["--removed-destination-sweep-seconds", "0.5"]) { h in
            let (user, openID, bindingID) = try await h.fundedUserWithWeChat("wxr", fen: 10_000)
            await h.killWorker()
            let reply = try await h.post("/v1/withdrawals", #"{"amountFen":1500,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
            let order = try #require(reply.string("orderId"), "\(reply.text)")
            #expect(try await h.delete("/v1/wechat-accounts/\(bindingID)", as: user).status == 204)
            #expect(try await h.bindWeChat(as: user, openID: openID) == openID)
            try h.startWorker()
            #expect(await h.waitFor(order, status: "requested"))
            // Several sweeps later it still waits for review, reviewed by nobody.
            try await Task.sleep(for: .seconds(3))
            let waiting = try await h.get("/v1/withdrawals/\(order)", admin: "ops-lee")
            #expect(
                waiting.string("status") == "requested" && waiting.string("reviewedBy") == nil
                    && waiting.json["destinationRemoved"] as? Bool == false, "\(waiting.text)")
            #expect(try await h.post("/v1/admin/withdrawals/\(order)/approve", "{}", admin: "ops-lee").status == 202)
            #expect(await h.waitFor(order, status: "paidOut"))
            #expect(try await h.balance(user) == (8_500, 0))
            let payouts = try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/payouts").body)) as? [[String: Any]] ?? []
            #expect(payouts.filter { $0["outBillNo"] as? String == order }.count == 1, "\(payouts)")
            // The day's WeChat reconciliation asks WeChat about the transfer, which no trade bill lists: matched. It was
            // reported `platformOnly`, every WeChat withdrawal of every day, and never compared with WeChat's word.
            let recon = try await ReconciliationFlowTests.recon(h, day: ReconDays.shanghai(Date()), channel: "wechat")
            #expect(recon.status == 0, "\(recon.output)")
            let run = recon.runs["wechat"]
            #expect(ReconciliationFlowTests.classifications(run)[order] == "matched", "\(recon.output)")
            #expect(run?["differences"] as? Int == 0, "\(recon.output)")
            // WeChat's time for the transfer is yesterday 23:59:30, the platform's today (the user confirmed just before
            // midnight, the poll saw it just after): still matched, with a cross-day note. The row used to be left out
            // as "another day's" (whose run never asked about it), and the booking reported platformOnly.
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = try #require(TimeZone(identifier: "Asia/Shanghai"))
            let shift = -Int(Date().timeIntervalSince(calendar.startOfDay(for: Date()))) - 30
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"payouts":{"queryTimeOffsetSeconds":\#(shift)}}"#).status == 200)
            let crossDay = try await ReconciliationFlowTests.recon(h, day: ReconDays.shanghai(Date()), channel: "wechat")
            #expect(crossDay.status == 0, "\(crossDay.output)")
            let item = (crossDay.runs["wechat"]?["items"] as? [[String: Any]])?.first { $0["key"] as? String == "payout:\(order)" }
            #expect(item?["classification"] as? String == "matched" && (item?["note"] as? String)?.contains("cross-day") == true, "\(crossDay.output)")
        }
    }

    /// The user confirmed the transfer in WeChat, its notify was lost, and then they unbound the account: the
    /// dispatcher's cancel is refused (a confirmed transfer can no longer be cancelled), so it asks about the transfer
    /// instead, and finds it paid. The withdrawal is paid out once; nothing is unfrozen.
    @Test func aTransferTheUserConfirmedBeforeUnbindingIsPaidOutNotCancelled() async throws {
        try await FlowHarness.run { h in
            let (user, openID, bindingID) = try await h.fundedUserWithWeChat("wxc", fen: 10_000)
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"payouts":{"awaitConfirmation":true}}"#).status == 200)
            let reply = try await h.post("/v1/withdrawals", #"{"amountFen":700,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
            let order = try #require(reply.string("orderId"), "\(reply.text)")
            #expect(await h.waitFor(order, status: "requested"))
            #expect(try await h.post("/v1/admin/withdrawals/\(order)/approve", "{}", admin: "ops-lee").status == 202)
            #expect(await eventually { (try? await h.get("/v1/withdrawals/\(order)", as: user))?.string("packageInfo") != nil })
            // Kept from the dispatcher's regular look meanwhile (as a back-off would), so that the unbinding comes first.
            _ = try await h.database.client.execute(
                "UPDATE withdrawal_requests SET next_attempt_at = now() + interval '1 hour' WHERE order_id = \(order)")

            // The user confirms; the notify of the paid transfer never arrives.
            #expect(
                try await h.sandbox(.POST, "/sandbox/faults", #"{"payouts":{"awaitConfirmation":true},"notify":{"drop":true}}"#).status == 200)
            let confirmed = try await h.sandbox(.POST, "/sandbox/wechat/transfers/\(order)/confirm")
            #expect(confirmed.status == 200 && confirmed.string("state") == "SUCCESS", "\(confirmed.text)")
            #expect(try await h.sandbox(.POST, "/sandbox/wechat/transfers/\(order)/confirm").status == 409, "confirmed once")
            #expect(try await h.sandbox(.POST, "/sandbox/wechat/transfers/WD0/confirm").status == 404)
            #expect(try await h.delete("/v1/wechat-accounts/\(bindingID)", as: user).status == 204)
            #expect(try await h.balance(user) == (9_300, 700), "still frozen, waiting for the payout's end")

            #expect((try await h.get("/v1/withdrawals/\(order)", admin: "ops-lee")).json["destinationRemoved"] as? Bool == true)

            try await h.releaseToDispatcher(order)
            #expect(await h.waitFor(order, status: "paidOut"))
            let paid = try await h.get("/v1/withdrawals/\(order)", as: user)
            #expect(paid.string("payoutState") == "succeeded", "\(paid.text)")
            // It got there through the refused cancel, not through a plain query.
            let log = (try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? ""
            #expect(
                log.split(separator: "\n").contains { $0.contains("not cancelled; asking about it") && $0.contains(order) && $0.contains("INVALID_REQUEST") },
                "the dispatcher's refused cancel is logged")
            #expect(try await h.balance(user) == (9_300, 0), "paid out once, nothing given back")
            let payouts = try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/payouts").body)) as? [[String: Any]] ?? []
            #expect(payouts.filter { $0["outBillNo"] as? String == order }.map { $0["state"] as? String } == ["SUCCESS"], "\(payouts)")
            #expect(try await h.count("SELECT count(*) FROM order_flows WHERE order_id = '\(order)' AND to_status = 'invalid'") == 0)
        }
    }
}
