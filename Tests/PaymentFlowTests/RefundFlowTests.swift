import Foundation
import Kafka
import PaystreamCore
import Testing
import TestSupport

/// Refunds of paid recharges and collections, full or partial, through the channel's refund API and notify.
@Suite(.serialized) struct RefundFlowTests {
    /// A WeChat recharge of `fen` by `user`, paid in the sandbox and credited.
    static func paidRecharge(_ h: FlowHarness, fen: Int64, as user: String) async throws -> String {
        let recharge = try await h.post("/v1/recharges", #"{"amountFen":\#(fen),"channel":"wechat"}"#, as: user)
        let order = try #require(recharge.string("orderId"), "\(recharge.text)")
        try await h.pay("wechat", order)
        #expect(await h.waitFor(order, status: "paid"))
        return order
    }

    /// Sets the sandbox's `faults`, then asks for a refund of `fen` of `order`; answers the refund order.
    static func refund(_ h: FlowHarness, of order: String, fen: Int64, as user: String, under faults: String) async throws -> String {
        #expect(try await h.sandbox(.POST, "/sandbox/faults", faults).status == 200)
        let reply = try await h.post("/v1/refunds", #"{"orderId":"\#(order)","amountFen":\#(fen)}"#, as: user)
        return try #require(reply.string("refundOrderId"), "\(reply.text)")
    }

    /// The API's checks and the worker's race: a refund the API accepted can be refused by the ledger (the order's
    /// refunds would pass what was paid, the wallet spent meanwhile). Its dead letter says so, and the refund says so
    /// too: `refused`, with the ledger's reason, not `pending` for ever. Nor does its amount keep counting against the
    /// order: a correct refund right after is accepted. (The race is produced here by sending such a request's event
    /// straight to Kafka, as an API that checked against a stale balance would.)
    @Test func aRefundTheLedgerRefusesIsShownRefusedAndNoLongerCountsAgainstTheOrder() async throws {
        try await FlowHarness.run { h in
            let user = "user:rfx\(h.prefix.suffix(6))"
            let order = try await Self.paidRecharge(h, fen: 1_000, as: user)
            let refused = "RF20261128000000REFUSED\(h.prefix.suffix(6))"
            _ = try await h.database.client.execute(
                """
                INSERT INTO refund_requests (refund_order_id, original_order_id, account_id, channel, amount_fen, total_fen)
                VALUES (\(refused), \(order), \(user), 'wechat', 1500, 1000)
                """)
            let event = try MoneyEvent(
                payload: .refundRequested(
                    try RefundRequested(
                        refundOrderID: refused, originalOrderID: order, payer: try #require(AccountID(user)), amount: try Amount(fen: 1_500),
                        destination: .channel(.wechat))),
                occurredAt: Date())
            let producer = try KafkaTestCluster.producer()
            _ = try await producer.sendAll([
                KafkaOutgoingMessage(topic: "\(h.prefix).refunds", key: Array(event.payload.orderKey.utf8), value: event.encode())
            ])
            await producer.shutdown()
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/refunds/\(refused)", as: user).string("status")) == "refused" })
            let shown = try await h.get("/v1/refunds/\(refused)", as: user)
            #expect(shown.string("refusal") == "refund.exceeds_original", "\(shown.text)")
            let whole = try await h.post("/v1/refunds", #"{"orderId":"\#(order)","amountFen":1000}"#, as: user)
            #expect(whole.status == 202, "\(whole.text)")
            let wholeID = try #require(whole.string("refundOrderId"))
            #expect(await h.waitFor(wholeID, status: "refunded"))
            let listed = try await h.get("/v1/refunds/\(wholeID)", as: user)
            #expect(listed.string("status") == "refunded" && listed.string("refusal") == nil, "\(listed.text)")
            #expect(try await h.balance(user) == (0, 0))
        }
    }

    @Test func partialAndFullRefundsGoBackThroughTheChannel() async throws {
        try await FlowHarness.run { h in
            let user = "user:rf\(h.prefix.suffix(6))"
            let wechat = try await h.post("/v1/recharges", #"{"amountFen":10000,"channel":"wechat"}"#, as: user)
            let alipay = try await h.post("/v1/recharges", #"{"amountFen":5000,"channel":"alipay"}"#, as: user)
            let wechatOrder = try #require(wechat.string("orderId"))
            let alipayOrder = try #require(alipay.string("orderId"))
            try await h.pay("wechat", wechatOrder)
            try await h.pay("alipay", alipayOrder)
            #expect(await h.waitFor(wechatOrder, status: "paid"))
            #expect(await h.waitFor(alipayOrder, status: "paid"))

            // Refunding an unpaid or foreign order is refused.
            let other = try await h.post("/v1/refunds", #"{"orderId":"\#(wechatOrder)","amountFen":100}"#, as: "user:someone")
            #expect(other.status == 404 && other.string("code") == "order.not_found")

            // Partial WeChat refund: the wallet pays it, the channel refunds it (async, by notify).
            let partial = try await h.post("/v1/refunds", #"{"orderId":"\#(wechatOrder)","amountFen":3000,"reason":"changed my mind"}"#, as: user)
            #expect(partial.status == 202, "\(partial.text)")
            let partialID = try #require(partial.string("refundOrderId"))
            #expect(await h.waitFor(partialID, status: "refunded"))
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/refunds/\(partialID)", as: user).string("channelState")) == "succeeded" })
            #expect(try await h.balance(user) == (12000, 0))

            // More than what is left of the order is refused.
            let tooMuch = try await h.post("/v1/refunds", #"{"orderId":"\#(wechatOrder)","amountFen":7001}"#, as: user)
            #expect(tooMuch.status == 409 && tooMuch.string("code") == "refund.exceeds_original", "\(tooMuch.text)")
            // The rest of it, and the whole Alipay order.
            let rest = try await h.post("/v1/refunds", #"{"orderId":"\#(wechatOrder)","amountFen":7000}"#, as: user)
            let full = try await h.post("/v1/refunds", #"{"orderId":"\#(alipayOrder)","amountFen":5000}"#, as: user)
            let restID = try #require(rest.string("refundOrderId"))
            let fullID = try #require(full.string("refundOrderId"))
            for id in [restID, fullID] {
                #expect(await h.waitFor(id, status: "refunded"))
                #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/refunds/\(id)", as: user).string("channelState")) == "succeeded" })
            }
            #expect(try await h.balance(user) == (0, 0))
            #expect(try await h.balance("clearing:wechat") == (0, 0))
            #expect(try await h.balance("clearing:alipay") == (0, 0))
            let order = try await h.get("/v1/orders/\(wechatOrder)", as: user)
            #expect(order.int("settledFen") == 10000 && order.string("status") == "paid")
            // The sandbox saw exactly these refunds.
            let refunds = try await h.sandbox(.GET, "/sandbox/refunds")
            for id in [partialID, restID, fullID] { #expect(refunds.text.contains(id)) }

        }
    }

    @Test func aPaymentPastItsChannelsRefundWindowIsRefusedAtOnce() async throws {
        try await FlowHarness.run { h in
            let user = "user:rw\(h.prefix.suffix(6))"
            let wechat = try await Self.paidRecharge(h, fen: 3000, as: user)
            let alipay = try await h.post("/v1/recharges", #"{"amountFen":2000,"channel":"alipay"}"#, as: user)
            let alipayOrder = try #require(alipay.string("orderId"))
            try await h.pay("alipay", alipayOrder)
            #expect(await h.waitFor(alipayOrder, status: "paid"))
            /// Moves the time the ledger recorded `order` paid `days` into the past.
            func paid(_ order: String, daysAgo days: Int) async throws {
                let moved = try await h.count(
                    """
                    WITH f AS (UPDATE order_flows SET created_at = now() - interval '\(days) days'
                               WHERE order_id = '\(order)' AND to_status = 'paid' RETURNING 1) SELECT count(*) FROM f
                    """)
                #expect(moved == 1)
            }

            // WeChat Pay takes refunds for a year, Alipay for three months (the defaults): past them, 409 at once.
            try await paid(wechat, daysAgo: 366)
            try await paid(alipayOrder, daysAgo: 91)
            for order in [wechat, alipayOrder] {
                let late = try await h.post("/v1/refunds", #"{"orderId":"\#(order)","amountFen":1000}"#, as: user)
                #expect(late.status == 409 && late.string("code") == "refund.window_closed", "\(late.text)")
            }
            #expect(try await h.count("SELECT count(*) FROM refund_requests WHERE account_id = '\(user)'") == 0)
            #expect(try await h.balance(user) == (5000, 0))

            // Inside the window the same orders are refunded.
            try await paid(wechat, daysAgo: 364)
            try await paid(alipayOrder, daysAgo: 89)
            for order in [wechat, alipayOrder] {
                let inTime = try await h.post("/v1/refunds", #"{"orderId":"\#(order)","amountFen":1000}"#, as: user)
                #expect(inTime.status == 202, "\(inTime.text)")
                let id = try #require(inTime.string("refundOrderId"))
                #expect(await h.waitFor(id, status: "refunded"))
            }
            #expect(try await h.balance(user) == (3000, 0))
            #expect(try await h.verify().isClean)
        }
    }

    @Test func aRefundOfAnOrderTheChannelDoesNotKnowIsAbnormalAtOnceAndNotAskedAgain() async throws {
        try await FlowHarness.run { h in
            let user = "user:rx\(h.prefix.suffix(6))"
            let order = try await Self.paidRecharge(h, fen: 2000, as: user)
            // The channel forgets every order (a sandbox reset stands in for a channel that lost or never had it):
            // it answers the refund with ORDER_NOT_EXIST, signed.
            #expect(try await h.sandbox(.POST, "/sandbox/reset").status == 200)

            let refund = try await h.post("/v1/refunds", #"{"orderId":"\#(order)","amountFen":500}"#, as: user)
            #expect(refund.status == 202, "\(refund.text)")
            let refundID = try #require(refund.string("refundOrderId"))
            // The ledger moved the money toward the channel (the refund order is `refunded` only until it comes back,
            // too briefly to watch for).
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'refund' AND order_id = '\(order)'")) == 1
            })
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/refunds/\(refundID)", as: user).string("channelState")) == "abnormal" })

            // Final: several dispatch rounds later the channel was asked once, and the money came back once.
            #expect(await h.waitFor(refundID, status: "failed"), "the refund came back")
            try await Task.sleep(for: .seconds(3))
            let log = (try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? ""
            let lines = log.split(separator: "\n").filter { $0.contains(refundID) }
            #expect(lines.filter { $0.contains("goes back to the payer's wallet") }.count == 1, "\(lines)")
            #expect(lines.filter { $0.contains("will retry") }.isEmpty, "\(lines)")
            #expect(try await h.get("/v1/refunds/\(refundID)", as: user).string("channelState") == "abnormal")
            #expect(try await h.count("SELECT count(*) FROM refund_requests WHERE given_up_at IS NOT NULL AND refund_order_id = '\(refundID)'") == 1)
            #expect(try await h.balance(user) == (2000, 0), "the refund's money is back in the wallet")
            #expect(try await h.get("/v1/orders/\(order)", as: user).int("settledFen") == 0)
        }
    }

    /// The channel refuses a refund for good, in a signed answer (WeChat: the payer's account is closed; Alipay: the
    /// refund period is over). It used to be retried for ever while the payer's money sat in clearing with no one
    /// told. Now, once the channel, asked about the refund, still knows none a settle period later, the money comes
    /// back to the wallet, once, and the order can be refunded again.
    @Test func aRefundTheChannelRefusesForGoodComesBackToTheWallet() async throws {
        try await FlowHarness.run { h in
            let user = "user:rg\(h.prefix.suffix(6))"
            let wechat = try await Self.paidRecharge(h, fen: 2000, as: user)
            let alipayRecharge = try await h.post("/v1/recharges", #"{"amountFen":3000,"channel":"alipay"}"#, as: user)
            let alipay = try #require(alipayRecharge.string("orderId"))
            try await h.pay("alipay", alipay)
            #expect(await h.waitFor(alipay, status: "paid"))
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"refunds":{"refuse":true}}"#).status == 200)

            var refunds: [(order: String, refund: String, code: String)] = []
            for (order, fen, code) in [(wechat, 500, "USER_ACCOUNT_ABNORMAL"), (alipay, 3000, "ACQ.TRADE_HAS_FINISHED")] {
                let reply = try await h.post("/v1/refunds", #"{"orderId":"\#(order)","amountFen":\#(fen)}"#, as: user)
                #expect(reply.status == 202, "\(reply.text)")
                refunds.append((order, try #require(reply.string("refundOrderId")), code))
            }
            for (order, refund, code) in refunds {
                #expect(await h.waitFor(refund, status: "failed"), "\(refund) came back")
                #expect(try await h.get("/v1/refunds/\(refund)", as: user).string("channelState") == "abnormal")
                #expect(try await h.count("SELECT count(*) FROM refund_requests WHERE refund_order_id = '\(refund)' AND given_up_at IS NOT NULL") == 1)
                #expect(try await h.get("/v1/orders/\(order)", as: user).int("settledFen") == 0)
                let lines = ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains(refund) }
                #expect(lines.filter { $0.contains("will retry") }.isEmpty, "\(code): \(lines)")
                // Not on the refusal's word alone: the refund itself was asked about, and the channel knew none.
                #expect(lines.filter { $0.contains("asking the channel about it before returning") && $0.contains(code) }.count == 1, "\(lines)")
                #expect(try await h.count("SELECT count(*) FROM refund_requests WHERE refund_order_id = '\(refund)' AND refusal LIKE '\(code):%' AND attempts >= 2") == 1)
            }
            // Several dispatch rounds later: asked once each, the money back once, nothing left in clearing.
            try await Task.sleep(for: .seconds(3))
            #expect(try await h.balance(user) == (5000, 0))
            #expect(try await h.balance("clearing:wechat") == (-2000, 0))
            #expect(try await h.balance("clearing:alipay") == (-3000, 0))
            #expect(try await h.verify().isClean)

            // The channel takes refunds again: the same order can be refunded, and this time it is.
            #expect(try await h.sandbox(.POST, "/sandbox/faults", "{}").status == 200)
            let again = try await h.post("/v1/refunds", #"{"orderId":"\#(wechat)","amountFen":500}"#, as: user)
            let againID = try #require(again.string("refundOrderId"), "\(again.text)")
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/refunds/\(againID)", as: user).string("channelState")) == "succeeded" })
            #expect(try await h.balance(user) == (4500, 0))
        }
    }

    /// A permanent refusal can answer a repeat of a request the channel accepted (its first answer lost). Returning
    /// the money on that word would pay the payer twice: back in the wallet, and refunded by the channel. The
    /// dispatcher asks about the refund first, finds it, and follows it; nothing comes back.
    @Test func aRefusalOfARefundTheChannelHoldsReturnsNothing() async throws {
        try await FlowHarness.run { h in
            let user = "user:rh\(h.prefix.suffix(6))"
            let refund = try await Self.refund(h, of: try await Self.paidRecharge(h, fen: 2000, as: user), fen: 800, as: user, under: #"{"refunds":{"refuseAnswer":true}}"#)
            let followed = "SELECT count(*) FROM refund_requests WHERE refund_order_id = '\(refund)' AND channel_state = 'processing' AND refused_at IS NULL AND refusal IS NULL AND attempts >= 2"
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.count(followed)) == 1 })
            // Well past the 3 s settle period: still refunded, the money still on its way out, nothing given up.
            try await Task.sleep(for: .seconds(5))
            #expect(try await h.orderStatus(refund) == "refunded")
            #expect(try await h.balance(user) == (1200, 0))
            #expect(try await h.count("SELECT count(*) FROM refund_requests WHERE refund_order_id = '\(refund)' AND given_up_at IS NULL") == 1)
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'refundReturned'") == 0)
            #expect(try await h.sandbox(.GET, "/sandbox/refunds").text.contains(refund))
        }
    }

    /// The same at Alipay when its query shows the refund's data without REFUND_SUCCESS (an older edition of Alipay's
    /// documentation reads that as refunded, the current one as not): after a refusal, that is not taken as "no such
    /// refund", so nothing is given back; the refund is held for an operator.
    @Test func anAlipayRefusalOfARefundItShowsWithoutSuccessReturnsNothing() async throws {
        try await FlowHarness.run { h in
            let user = "user:rq\(h.prefix.suffix(6))"
            let recharge = try await h.post("/v1/recharges", #"{"amountFen":2000,"channel":"alipay"}"#, as: user)
            let order = try #require(recharge.string("orderId"), "\(recharge.text)")
            try await h.pay("alipay", order)
            #expect(await h.waitFor(order, status: "paid"))
            let refund = try await Self.refund(h, of: order, fen: 800, as: user, under: #"{"refunds":{"refuseAnswer":true,"queryWithoutStatus":true}}"#)
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.get("/v1/refunds/\(refund)", admin: "ops-lee").string("heldReason"))?.contains("without REFUND_SUCCESS") == true
            })
            // Well past the 3 s settle period: nothing given back.
            try await Task.sleep(for: .seconds(5))
            #expect(try await h.orderStatus(refund) == "refunded")
            #expect(try await h.balance(user) == (1200, 0))
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'refundReturned'") == 0)
            #expect(try await h.sandbox(.GET, "/sandbox/refunds").text.contains(refund))
        }
    }

    /// A refused request whose refund the channel turns out to hold, for another amount: the refusal no longer
    /// counts, so no later "no such refund" could return money the channel holds.
    @Test func aRefusedRefundFoundForAnotherAmountForgetsTheRefusal() async throws {
        try await FlowHarness.run { h in
            let user = "user:ro\(h.prefix.suffix(6))"
            let order = try await Self.paidRecharge(h, fen: 2000, as: user)
            let refund = try await Self.refund(h, of: order, fen: 800, as: user, under: #"{"refunds":{"refuseAnswer":true,"amountOffsetFen":1}}"#)
            let forgotten = "SELECT count(*) FROM refund_requests WHERE refund_order_id = '\(refund)' AND channel_state = 'processing' AND refusal IS NULL AND refused_at IS NULL AND attempts >= 2"
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.count(forgotten)) == 1 })
            let lines = ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains(refund) }
            #expect(lines.contains { $0.contains("asking the channel about it before returning") }, "\(lines)")
            #expect(try await h.orderStatus(refund) == "refunded")
            #expect(try await h.balance(user) == (1200, 0))
        }
    }

    /// WeChat closes a refund: the wallet that paid it gets it back through the ledger, once, the refund order
    /// fails, and the order can be refunded again. An ABNORMAL refund is not final at WeChat (the merchant finishes
    /// it in its platform): it stays refunded, its money in clearing, for an operator, and when the merchant has
    /// finished it the channel's SUCCESS is recorded, with nothing given back.
    @Test func aRefundTheChannelClosesComesBackToTheWallet() async throws {
        try await FlowHarness.run { h in
            let user = "user:ra\(h.prefix.suffix(6))"
            let order = try await Self.paidRecharge(h, fen: 3000, as: user)
            let refundID = try await Self.refund(h, of: order, fen: 3000, as: user, under: #"{"refunds":{"closed":true}}"#)
            #expect(await h.waitFor(refundID, status: "failed"), "the refund came back")
            #expect(try await h.get("/v1/refunds/\(refundID)", as: user).string("channelState") == "closed")
            #expect(try await h.balance(user) == (3000, 0))
            #expect(try await h.balance("clearing:wechat") == (-3000, 0))
            #expect(try await h.get("/v1/orders/\(order)", as: user).int("settledFen") == 0)
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'refundReturned' AND order_id = '\(order)'") == 1)

            // Asked again with the channel healthy: refunded for good.
            #expect(try await h.sandbox(.POST, "/sandbox/faults", "{}").status == 200)
            let again = try await h.post("/v1/refunds", #"{"orderId":"\#(order)","amountFen":3000}"#, as: user)
            let againID = try #require(again.string("refundOrderId"), "\(again.text)")
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/refunds/\(againID)", as: user).string("channelState")) == "succeeded" })
            #expect(try await h.balance(user) == (0, 0))
            #expect(try await h.balance("clearing:wechat") == (0, 0))

            // ABNORMAL: told to an operator, nothing returned by the ledger.
            let second = try await Self.paidRecharge(h, fen: 1000, as: user)
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"refunds":{"abnormal":true}}"#).status == 200)
            let abnormal = try await h.post("/v1/refunds", #"{"orderId":"\#(second)","amountFen":1000}"#, as: user)
            let abnormalID = try #require(abnormal.string("refundOrderId"), "\(abnormal.text)")
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/refunds/\(abnormalID)", as: user).string("channelState")) == "abnormal" })
            try await Task.sleep(for: .seconds(2))
            #expect(try await h.get("/v1/refunds/\(abnormalID)", as: user).string("status") == "refunded")
            #expect(try await h.balance(user) == (0, 0))
            let log = (try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? ""
            #expect(log.split(separator: "\n").filter { $0.contains(abnormalID) && $0.contains("an operator finishes it there") }.count == 1)
            let givenUp = "SELECT count(*) FROM refund_requests WHERE given_up_at IS NOT NULL AND refund_order_id = "
            #expect(try await h.count(givenUp + "'\(refundID)'") == 1, "the closed refund was given up")
            #expect(try await h.count(givenUp + "'\(abnormalID)'") == 0, "the abnormal one is followed")

            // The merchant finishes it in WeChat's platform (paid to the payer another way): SUCCESS is recorded,
            // and the ledger gives nothing back.
            let finished = try await h.sandbox(.POST, "/sandbox/refunds/\(abnormalID)/finish-abnormal")
            #expect(finished.status == 200, "\(finished.text)")
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/refunds/\(abnormalID)", as: user).string("channelState")) == "succeeded" })
            #expect(try await h.get("/v1/refunds/\(abnormalID)", as: user).string("status") == "refunded")
            #expect(try await h.balance(user) == (0, 0))
            #expect(try await h.balance("clearing:wechat") == (0, 0), "the refund's money left through the channel, once")
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'refundReturned' AND order_id = '\(second)'") == 0)
            let after = (try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? ""
            let lines = after.split(separator: "\n").filter { $0.contains(abnormalID) }
            #expect(lines.filter { $0.contains("abnormal refund finished at the channel") }.count == 1, "\(lines)")
            #expect(lines.filter { $0.contains("reconcile it with the channel") }.isEmpty, "\(lines)")
            // Only an ABNORMAL refund can be finished so.
            #expect(try await h.sandbox(.POST, "/sandbox/refunds/\(againID)/finish-abnormal").status == 409)
        }
    }

    /// An abnormal refund whose notifies never arrive: the dispatcher keeps asking the channel, and finds it
    /// finished once the merchant has finished it.
    @Test func anAbnormalRefundIsAskedAboutUntilTheMerchantFinishesIt() async throws {
        try await FlowHarness.run { h in
            let user = "user:rq\(h.prefix.suffix(6))"
            let order = try await Self.paidRecharge(h, fen: 1500, as: user)
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"refunds":{"abnormal":true},"notify":{"drop":true}}"#).status == 200)
            let refund = try await h.post("/v1/refunds", #"{"orderId":"\#(order)","amountFen":1500}"#, as: user)
            let refundID = try #require(refund.string("refundOrderId"), "\(refund.text)")
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/refunds/\(refundID)", as: user).string("channelState")) == "abnormal" })
            // Asked about again (every 2 s here): still abnormal, nothing returned, the operator told once.
            let attempts = try await h.count("SELECT attempts FROM refund_requests WHERE refund_order_id = '\(refundID)'")
            #expect(await eventually(timeoutSeconds: 30) {
                (try? await h.count("SELECT attempts FROM refund_requests WHERE refund_order_id = '\(refundID)'")) ?? 0 >= attempts + 2
            })
            #expect(try await h.get("/v1/refunds/\(refundID)", as: user).string("channelState") == "abnormal")
            // Held for an operator meanwhile, with the reason.
            let held = try await h.get("/v1/refunds/\(refundID)", admin: "ops-lee")
            #expect(held.string("heldReason")?.contains("abnormal at the channel") == true, "\(held.text)")

            #expect(try await h.sandbox(.POST, "/sandbox/refunds/\(refundID)/finish-abnormal").status == 200)
            #expect(await eventually(timeoutSeconds: 60) { (try? await h.get("/v1/refunds/\(refundID)", as: user).string("channelState")) == "succeeded" })
            // The channel settled it: no longer held.
            let settled = try await h.get("/v1/refunds/\(refundID)", admin: "ops-lee")
            #expect(settled.json["heldReason"] == nil && settled.json["resolution"] == nil, "\(settled.text)")
            #expect(try await h.balance(user) == (0, 0))
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'refundReturned' AND order_id = '\(order)'") == 0)
            #expect(try await h.count("SELECT count(*) FROM refund_requests WHERE next_attempt_at IS NOT NULL AND refund_order_id = '\(refundID)'") == 0)
            let lines = ((try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains(refundID) }
            #expect(lines.filter { $0.contains("an operator finishes it there") }.count == 1, "\(lines)")
            #expect(lines.filter { $0.contains("abnormal refund finished at the channel") }.count == 1, "\(lines)")
        }
    }

    /// A channel that refunds another amount than asked: its answer, its queries and its notify record nothing, so
    /// the refund is neither reported done to the payer nor given back, and an operator is told.
    @Test func aRefundReportedForAnotherAmountRecordsNothing() async throws {
        try await FlowHarness.run { h in
            let user = "user:rm\(h.prefix.suffix(6))"
            let order = try await Self.paidRecharge(h, fen: 3000, as: user)
            #expect(try await h.sandbox(.POST, "/sandbox/faults", #"{"refunds":{"amountOffsetFen":-1}}"#).status == 200)
            let refund = try await h.post("/v1/refunds", #"{"orderId":"\#(order)","amountFen":2000}"#, as: user)
            let refundID = try #require(refund.string("refundOrderId"), "\(refund.text)")
            // The channel refunds 1,999 fen and ends SUCCESS, with its notify.
            #expect(await eventually(timeoutSeconds: 60) {
                (try? await h.sandbox(.GET, "/sandbox/refunds"))?.text.contains("SUCCESS") == true
            })
            let attempts = try await h.count("SELECT attempts FROM refund_requests WHERE refund_order_id = '\(refundID)'")
            #expect(await eventually(timeoutSeconds: 30) {
                (try? await h.count("SELECT attempts FROM refund_requests WHERE refund_order_id = '\(refundID)'")) ?? 0 > attempts
            })
            #expect(try await h.get("/v1/refunds/\(refundID)", as: user).string("channelState") == "processing")
            let held = try await h.get("/v1/refunds/\(refundID)", admin: "ops-lee")
            #expect(held.string("heldReason")?.contains("reported 1999 fen") == true, "\(held.text)")
            #expect(try await h.balance(user) == (1000, 0))
            #expect(try await h.balance("clearing:wechat") == (-1000, 0), "the 2,000 fen wait in the clearing account")
            let log = (try? String(contentsOf: h.api.logFile, encoding: .utf8)) ?? ""
            #expect(log.contains("refund amount differs from the refund"))
            #expect(!log.contains("refund completed at the channel"))
        }
    }
}
