import Foundation
import Testing
import TestSupport

/// Refunds the dispatcher cannot settle on the channel's word are held for an operator, who checks them with the
/// channel and resolves each once: `succeeded` (nothing moves) or `returned` (the money goes back to the payer's
/// wallet, once). Every step through the real API, worker, PostgreSQL, broker and the sandbox's WeChat Pay.
@Suite(.serialized) struct RefundHoldFlowTests {
    /// The refund's operator view.
    static func shown(_ h: FlowHarness, _ refundID: String) async throws -> FlowHarness.Reply {
        try await h.get("/v1/refunds/\(refundID)", admin: "ops-lee")
    }

    /// The refund order numbers in the operators' queue.
    static func queue(_ h: FlowHarness) async throws -> [String] {
        let reply = try await h.get("/v1/admin/refunds/held?limit=500", admin: "ops-lee")
        #expect(reply.status == 200, "\(reply.text)")
        return ((reply.json["refunds"] as? [[String: Any]]) ?? []).compactMap { $0["refundOrderId"] as? String }
    }

    static func logLines(_ h: FlowHarness, _ refundID: String, containing text: String) -> Int {
        ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { $0.contains(refundID) && $0.contains(text) }.count
    }

    /// The channel accepted the refund (PROCESSING), made it, and then answers every query about it "no such refund",
    /// its notify lost. Before, the dispatcher asked every minute for ever with a warning; now the refund is held with
    /// the reason, an operator is told once, and the payer is neither told it is done nor given the money a second
    /// time. The operator finds it paid in the merchant platform and resolves it `succeeded`: recorded, nothing moves,
    /// asked no more; a second resolution is refused, and the channel's late notify agreeing changes nothing.
    @Test func aRefundTheChannelAcceptedAndThenKnowsNothingOfIsHeldUntilAnOperatorResolvesIt() async throws {
        try await FlowHarness.run { h in
            let user = "user:rh\(h.prefix.suffix(6))"
            let order = try await RefundFlowTests.paidRecharge(h, fen: 2000, as: user)
            let refundID = try await RefundFlowTests.refund(
                h, of: order, fen: 2000, as: user, under: #"{"refunds":{"unknownToQueries":true},"notify":{"drop":true}}"#)
            #expect(await eventually(timeoutSeconds: 60) { (try? await Self.shown(h, refundID).string("heldReason")) != nil })
            let held = try await Self.shown(h, refundID)
            #expect(held.string("heldReason")?.contains("now knows none under its number") == true, "\(held.text)")
            #expect(held.string("heldSince") != nil && held.string("channelState") == "processing", "\(held.text)")
            #expect(try await Self.queue(h).contains(refundID))
            // The payer sees the refund, not the operators' notes.
            let own = try await h.get("/v1/refunds/\(refundID)", as: user)
            #expect(own.status == 200 && own.json["heldReason"] == nil && own.string("status") == "refunded", "\(own.text)")
            // Still asked about (every 2 s here), the operator told once.
            let attempts = try await h.count("SELECT attempts FROM refund_requests WHERE refund_order_id = '\(refundID)'")
            #expect(await eventually(timeoutSeconds: 30) {
                (try? await h.count("SELECT attempts FROM refund_requests WHERE refund_order_id = '\(refundID)'")) ?? 0 >= attempts + 2
            })
            #expect(Self.logLines(h, refundID, containing: "refund held for an operator") == 1)
            // Held only after the channel had said so for the settle period (3 s here), asked again meanwhile.
            #expect(Self.logLines(h, refundID, containing: "the channel knows no refund it accepted; asking again") >= 1)
            #expect(try await h.balance(user) == (0, 0))

            // Only an operator resolves, with an outcome it knows and a reason.
            #expect(try await h.post("/v1/admin/refunds/\(refundID)/resolve", #"{"outcome":"succeeded","reason":"x"}"#, as: user).status == 403)
            let badOutcome = try await h.post("/v1/admin/refunds/\(refundID)/resolve", #"{"outcome":"paid","reason":"x"}"#, admin: "ops-lee")
            #expect(badOutcome.status == 400 && badOutcome.string("code") == "request.invalid_field", "\(badOutcome.text)")
            #expect(try await h.post("/v1/admin/refunds/\(refundID)/resolve", #"{"outcome":"succeeded"}"#, admin: "ops-lee").status == 400)

            // The merchant platform (the sandbox's own view) shows it paid.
            let portal = (try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/refunds").body)) as? [[String: Any]]) ?? []
            let atChannel = try #require(portal.first { $0["outRefundNo"] as? String == refundID })
            #expect(atChannel["status"] as? String == "SUCCESS")
            let channelRefundID = try #require(atChannel["refundID"] as? String)
            let resolved = try await h.post(
                "/v1/admin/refunds/\(refundID)/resolve",
                #"{"outcome":"succeeded","reason":"paid per the merchant platform","channelReference":"\#(channelRefundID)"}"#, admin: "ops-lee")
            #expect(resolved.status == 200, "\(resolved.text)")
            #expect(resolved.string("resolution") == "succeeded" && resolved.string("resolvedBy") == "ops-lee", "\(resolved.text)")
            #expect(resolved.string("channelState") == "succeeded" && resolved.string("channelRefundId") == channelRefundID, "\(resolved.text)")
            let again = try await h.post("/v1/admin/refunds/\(refundID)/resolve", #"{"outcome":"returned","reason":"twice"}"#, admin: "ops-kim")
            #expect(again.status == 409 && again.string("code") == "refund.not_resolvable", "\(again.text)")
            #expect(try await !Self.queue(h).contains(refundID))
            #expect(try await h.count(
                "SELECT count(*) FROM refund_requests WHERE refund_order_id = '\(refundID)' AND next_attempt_at IS NULL") == 1)
            #expect(try await h.count(
                "SELECT count(*) FROM console_audit WHERE action = 'refund.resolve' AND subject = '\(refundID)' AND outcome = 'done'") == 1)
            #expect(try await h.count(
                "SELECT count(*) FROM console_audit WHERE action = 'refund.resolve' AND subject = '\(refundID)' AND outcome = 'refused'") >= 2)

            // The channel's notify, delivered late, agrees: nothing changes, nothing is returned.
            try await Self.replayNotify(h, refundID)
            #expect(try await h.balance(user) == (0, 0))
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'refundReturned' AND order_id = '\(order)'") == 0)
            let returns = try await Self.returnsInOutbox(h, refundID)
            #expect(returns == 0, "\(returns) refundReturned events in the outbox")
            #expect(Self.logLines(h, refundID, containing: "after an operator resolved it") == 0)
            #expect(try await h.verify().isClean)
        }
    }

    /// Alipay answers a refund that did not go through with fund_change "N" and then an empty refund query, and
    /// documents that the refund is to be asked for again with the same out_request_no (it refunds at most once).
    /// The dispatcher does so once per streak of empty answers instead of holding the refund for an operator: the
    /// first refund here goes through at its second request. One that still does not go through is asked for again
    /// once only, then held as before (the "N" to the repeat does not start the settle period over), and nothing is
    /// refunded twice or given back.
    @Test func anAlipayRefundThatDidNotGoThroughIsAskedForAgainOnceBeforeItIsHeld() async throws {
        try await FlowHarness.run { h in
            let user = "user:ra\(h.prefix.suffix(6))"
            var orders: [String] = []
            for _ in 0..<3 {
                let recharge = try await h.post("/v1/recharges", #"{"amountFen":2000,"channel":"alipay"}"#, as: user)
                let order = try #require(recharge.string("orderId"), "\(recharge.text)")
                try await h.pay("alipay", order)
                #expect(await h.waitFor(order, status: "paid"))
                orders.append(order)
            }
            func atChannel(_ refundID: String) async throws -> [[String: Any]] {
                let all = (try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/refunds").body)) as? [[String: Any]]) ?? []
                return all.filter { $0["outRefundNo"] as? String == refundID }
            }

            // Goes through when asked for again. Asked about 10 s after the request at the earliest, as Alipay asks.
            let requestedAt = Date()
            let again = try await RefundFlowTests.refund(h, of: orders[0], fen: 2000, as: user, under: #"{"refunds":{"unmovedAnswers":1}}"#)
            #expect(await eventually(timeoutSeconds: 60, every: 50) { Self.logLines(h, again, containing: "asking for it again with the same number") == 1 })
            #expect(Date().timeIntervalSince(requestedAt) >= 9.5, "queried \(Date().timeIntervalSince(requestedAt)) s after the request")
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.get("/v1/refunds/\(again)", as: user).string("channelState")) == "succeeded"
            })
            #expect(Self.logLines(h, again, containing: "asking for it again with the same number") == 1)
            #expect(try await atChannel(again).count == 1)
            #expect(try await Self.shown(h, again).string("heldReason") == nil)

            // Never goes through: asked for again once, then held with the reason, not refunded, not given back.
            let never = try await RefundFlowTests.refund(h, of: orders[1], fen: 2000, as: user, under: #"{"refunds":{"unmovedAnswers":100}}"#)
            #expect(await eventually(timeoutSeconds: 60) { (try? await Self.shown(h, never).string("heldReason")) != nil })
            let held = try await Self.shown(h, never)
            #expect(held.string("heldReason")?.contains("now knows none under its number") == true, "\(held.text)")
            #expect(Self.logLines(h, never, containing: "asking for it again with the same number") == 1)
            #expect(try await atChannel(never).isEmpty)

            // Refused for good when asked for again (Alipay may have made it since, and closed the trade): held, not given
            // back on that word, and not called refunded either.
            let refusedAgain = try await RefundFlowTests.refund(h, of: orders[2], fen: 2000, as: user, under: #"{"refunds":{"unmovedAnswers":1}}"#)
            #expect(await eventually(timeoutSeconds: 30, every: 50) {
                Self.logLines(h, refusedAgain, containing: "asking for it again with the same number") == 1
            })
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"refunds":{"refuse":true}}"#).status == 200)
            #expect(await eventually(timeoutSeconds: 60) { (try? await Self.shown(h, refusedAgain).string("heldReason")) != nil })
            let heldAgain = try await Self.shown(h, refusedAgain)
            #expect(heldAgain.string("heldReason")?.contains("refused it when asked for again (ACQ.TRADE_HAS_FINISHED)") == true, "\(heldAgain.text)")
            try await Task.sleep(for: .seconds(5))
            #expect(try await Self.returnsInOutbox(h, refusedAgain) == 0)
            #expect(try await Self.shown(h, refusedAgain).string("channelState") == "processing")

            #expect(try await h.balance(user) == (0, 0), "every refund left the wallet; none is given back")
            #expect(try await h.balance("clearing:alipay") == (0, 0), "three recharges in, three refunds out, none given back")
            #expect(try await h.count("SELECT count(*) FROM orders WHERE order_id = '\(never)' AND status = 'refunded'") == 1)
            #expect(try await h.verify().isClean)
        }
    }

    /// A refund the channel closed, with its notify lost and its queries unanswered, is held; the operator finds it
    /// closed and resolves it `returned`: the money comes back to the payer's wallet once, and the refund order is
    /// `failed`. A refund that is not held (one the channel settled) is not resolvable. A second refund, which the
    /// channel in fact paid, resolved `returned` by mistake: the channel's notify then contradicts the resolution and
    /// is logged as critical; nothing is returned twice.
    @Test func aHeldRefundResolvedReturnedComesBackToTheWalletOnce() async throws {
        try await FlowHarness.run { h in
            let user = "user:rr\(h.prefix.suffix(6))"
            let order = try await RefundFlowTests.paidRecharge(h, fen: 3000, as: user)
            let settled = try await RefundFlowTests.refund(h, of: order, fen: 500, as: user, under: "{}")
            #expect(await eventually(timeoutSeconds: 60) { (try? await Self.shown(h, settled).string("channelState")) == "succeeded" })
            let notHeld = try await h.post("/v1/admin/refunds/\(settled)/resolve", #"{"outcome":"returned","reason":"x"}"#, admin: "ops-lee")
            #expect(notHeld.status == 409 && notHeld.string("code") == "refund.not_resolvable", "\(notHeld.text)")
            #expect(try await h.post("/v1/admin/refunds/RF20260101000000NOSUCH/resolve", #"{"outcome":"returned","reason":"x"}"#, admin: "ops-lee").status == 404)

            let closed = try await RefundFlowTests.refund(
                h, of: order, fen: 1000, as: user, under: #"{"refunds":{"closed":true,"unknownToQueries":true},"notify":{"drop":true}}"#)
            #expect(await eventually(timeoutSeconds: 60) { (try? await Self.shown(h, closed).string("heldReason")) != nil })
            #expect(try await h.balance(user) == (1500, 0))
            // Resolved in the console: the page lists it with its reason and a form.
            _ = try await h.identities.session(login: "ops-refunds", role: .admin, account: nil)
            let cookie = try await ConsoleFlowTests.signIn(h, as: "ops-refunds")
            let page = try await ConsoleFlowTests.send(.GET, h.apiURL + "/console/refunds", headers: ["Cookie": cookie])
            #expect(page.status == 200 && page.text.contains("id=\"resolve-\(closed)\"") && page.text.contains("now knows none"), "\(page.text)")
            let csrf = try #require(page.text.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
            let form = "csrf=\(csrf)&outcome=returned&reason=\(ConsoleFormatForTests.encode("CLOSED in the merchant platform"))&channelReference="
            let returned = try await ConsoleFlowTests.send(
                .POST, h.apiURL + "/console/refunds/\(closed)/resolve", body: Array(form.utf8),
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie])
            #expect(returned.status == 303, "\(returned.status) \(returned.text)")
            #expect(await h.waitFor(closed, status: "failed"))
            let resolvedView = try await Self.shown(h, closed)
            #expect(resolvedView.string("resolution") == "returned" && resolvedView.string("resolvedBy") == "ops-refunds", "\(resolvedView.text)")
            let after = try await ConsoleFlowTests.send(.GET, h.apiURL + "/console/refunds", headers: ["Cookie": cookie])
            #expect(!after.text.contains("id=\"resolve-\(closed)\""), "\(after.text)")
            #expect(try await h.count(
                "SELECT count(*) FROM console_audit WHERE action = 'refund.resolve' AND subject = '\(closed)' AND outcome = 'done' AND admin_login = 'ops-refunds'") == 1)
            #expect(try await h.balance(user) == (2500, 0))
            #expect(try await h.post("/v1/admin/refunds/\(closed)/resolve", #"{"outcome":"returned","reason":"again"}"#, admin: "ops-lee").status == 409)
            // The channel's CLOSED notify, late, agrees: no second return is even put in the outbox.
            try await Self.replayNotify(h, closed)
            let closedReturns = try await Self.returnsInOutbox(h, closed)
            #expect(closedReturns == 1, "closed: \(closedReturns) refundReturned events in the outbox")

            // Paid at the channel, resolved `returned` by mistake: the payer has it twice, and the notify says so loudly.
            let paid = try await RefundFlowTests.refund(
                h, of: order, fen: 1000, as: user, under: #"{"refunds":{"unknownToQueries":true},"notify":{"drop":true}}"#)
            #expect(await eventually(timeoutSeconds: 60) { (try? await Self.shown(h, paid).string("heldReason")) != nil })
            #expect(try await h.post("/v1/admin/refunds/\(paid)/resolve", #"{"outcome":"returned","reason":"mistaken"}"#, admin: "ops-kim").status == 200)
            #expect(await h.waitFor(paid, status: "failed"))
            try await Self.replayNotify(h, paid)
            let paidReturns = try await Self.returnsInOutbox(h, paid)
            #expect(paidReturns == 1, "paid: \(paidReturns) refundReturned events in the outbox")
            #expect(await eventually(timeoutSeconds: 30) { Self.logLines(h, paid, containing: "after an operator resolved it returned") == 1 })
            #expect(Self.logLines(h, closed, containing: "after an operator resolved it") == 0)

            #expect(try await h.balance(user) == (2500, 0))
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'refundReturned' AND order_id = '\(order)'") == 2)
            #expect(try await h.verify().isClean)
        }
    }

    /// How many `refundReturned` events of `refundID` the outbox holds for the refunds topic (sent or not; the
    /// worker's own follow-ups, pushes to the payer, go elsewhere).
    static func returnsInOutbox(_ h: FlowHarness, _ refundID: String) async throws -> Int64 {
        try await h.count(
            """
            SELECT count(*) FROM outbox WHERE topic = 'paystream.refunds' AND convert_from(payload, 'UTF8') LIKE '%"refundReturned"%'
              AND convert_from(payload, 'UTF8') LIKE '%\(refundID)%'
            """)
    }

    /// Delivers the channel's notify about the refund that the `notify.drop` fault kept back.
    static func replayNotify(_ h: FlowHarness, _ refundID: String) async throws {
        #expect(try await h.sandbox(.POST, "/sandbox/faults", "{}").status == 200)
        var id: String?
        _ = await eventually(timeoutSeconds: 30) {
            let body = (try? await h.sandbox(.GET, "/sandbox/notifies?reference=\(refundID)").body) ?? []
            id = ((try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]])?.first?["id"] as? String
            return id != nil
        }
        let notifyID = try #require(id, "no notify for \(refundID)")
        let replay = try await h.sandbox(.POST, "/sandbox/notifies/\(notifyID)/replay")
        #expect(replay.status == 200 && replay.string("state") == "delivered", "\(replay.text)")
    }
}
