import Foundation
import Kafka
import PaystreamCore
import Testing
import TestSupport

/// What the API does with each kind of notify the sandbox can send: duplicated, reordered, tampered, signed
/// with a wrong key, expired, replayed, for a different amount, for an unknown order.
@Suite(.serialized) struct NotifyFlowTests {
    struct Attempt { let status: Int?; let answer: String; let acknowledged: Bool }

    static func attempts(_ h: FlowHarness, _ reference: String) async throws -> [Attempt] {
        let reply = try await h.sandbox(.GET, "/sandbox/notifies?reference=\(reference)")
        let records = (try JSONSerialization.jsonObject(with: Data(reply.body)) as? [[String: Any]]) ?? []
        return records.flatMap { record in
            ((record["attempts"] as? [[String: Any]]) ?? []).map {
                Attempt(status: $0["statusCode"] as? Int, answer: $0["answer"] as? String ?? "", acknowledged: $0["acknowledged"] as? Bool ?? false)
            }
        }
    }

    static func recharge(_ h: FlowHarness, _ user: String, _ channel: String, fen: Int64) async throws -> String {
        let reply = try await h.post("/v1/recharges", #"{"amountFen":\#(fen),"channel":"\#(channel)"}"#, as: user)
        return try #require(reply.string("orderId"), "\(reply.text)")
    }

    static func faults(_ h: FlowHarness, _ json: String) async throws {
        let reply = try await h.sandbox(.POST, "/sandbox/faults", json)
        #expect(reply.status == 200, "\(reply.text)")
    }

    @Test func duplicatesAndReplaysAreCreditedOnceAndReorderingIsHarmless() async throws {
        try await FlowHarness.run { h in
            let user = "user:dup\(h.prefix.suffix(6))"
            try await Self.faults(h, #"{"notify":{"duplicate":3}}"#)
            let wechat = try await Self.recharge(h, user, "wechat", fen: 1000)
            let alipay = try await Self.recharge(h, user, "alipay", fen: 2000)
            try await h.pay("wechat", wechat)
            try await h.pay("alipay", alipay)
            #expect(await h.waitFor(wechat, status: "paid"))
            #expect(await h.waitFor(alipay, status: "paid"))
            #expect(await eventually(timeoutSeconds: 30) { (try? await Self.attempts(h, wechat).filter(\.acknowledged).count) == 4 })
            #expect(await eventually(timeoutSeconds: 30) { (try? await Self.attempts(h, alipay).filter(\.acknowledged).count) == 4 })
            #expect(try await Self.attempts(h, alipay).allSatisfy { $0.answer == "success" })

            // Replaying an old notify is acknowledged and changes nothing.
            let records = (try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/notifies?reference=\(wechat)").body)) as? [[String: Any]]) ?? []
            let id = try #require(records.first?["id"] as? String)
            let replay = try await h.sandbox(.POST, "/sandbox/notifies/\(id)/replay")
            #expect(replay.status == 200, "\(replay.text)")

            // Reordered: two notifies held and delivered newest first.
            try await Self.faults(h, #"{"notify":{"reorder":true}}"#)
            let first = try await Self.recharge(h, user, "wechat", fen: 300)
            let second = try await Self.recharge(h, user, "wechat", fen: 400)
            try await h.pay("wechat", first)
            try await h.pay("wechat", second)
            #expect(try await h.sandbox(.POST, "/sandbox/notifies/flush").status == 200)
            #expect(await h.waitFor(first, status: "paid"))
            #expect(await h.waitFor(second, status: "paid"))

            // Give any stray duplicate time to arrive, then: each payment counted once.
            try await Task.sleep(for: .seconds(2))
            #expect(try await h.balance(user) == (1000 + 2000 + 300 + 400, 0))
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'rechargePaid'") == 4)
        }
    }

    @Test func forgedExpiredMismatchedAndUnknownNotifiesAreNotCredited() async throws {
        try await FlowHarness.run { h in
            let user = "user:bad\(h.prefix.suffix(6))"
            // Tampered body, wrong key, expired timestamp: each refused with its reason, nothing credited.
            for (fault, code) in [
                (#"{"notify":{"tamper":true}}"#, "notify.bad_signature"),
                (#"{"notify":{"wrongKey":true}}"#, "notify."),
                (#"{"notify":{"timestampOffsetSeconds":-600}}"#, "notify.expired_timestamp"),
            ] {
                try await Self.faults(h, fault)
                let order = try await Self.recharge(h, user, "wechat", fen: 500)
                try await h.pay("wechat", order)
                #expect(await eventually(timeoutSeconds: 30) { (try? await Self.attempts(h, order).count) ?? 0 >= 2 })
                let attempts = try await Self.attempts(h, order)
                #expect(attempts.allSatisfy { $0.status == 401 && !$0.acknowledged && $0.answer.contains(code) }, "\(fault): \(attempts)")
                #expect(try await h.orderStatus(order) == "created")
            }
            // Alipay, tampered: "failure", not "success".
            try await Self.faults(h, #"{"notify":{"tamper":true}}"#)
            let alipayOrder = try await Self.recharge(h, user, "alipay", fen: 500)
            try await h.pay("alipay", alipayOrder)
            #expect(await eventually(timeoutSeconds: 30) { (try? await Self.attempts(h, alipayOrder).count) ?? 0 >= 2 })
            #expect(try await Self.attempts(h, alipayOrder).allSatisfy { $0.answer.hasPrefix("failure") && !$0.acknowledged })
            try await Self.faults(h, "{}")

            // Paid a different amount: acknowledged, held for review, not credited.
            let short = try await Self.recharge(h, user, "wechat", fen: 10000)
            try await h.pay("wechat", short, amountFen: 100)
            #expect(await eventually(timeoutSeconds: 30) { (try? await Self.attempts(h, short).first?.acknowledged) == true })
            #expect(try await h.count("SELECT count(*) FROM payment_reviews WHERE order_id = '\(short)' AND paid_fen = 100 AND expected_fen = 10000") == 1)
            #expect(try await h.orderStatus(short) == "created")

            // A notify for an order we never created: a different answer (404), not credited.
            let unknown = "RC20260101000000UNKNOWN01"
            let stray = try await h.sandbox(
                .POST, "/sandbox/pay", #"{"channel":"wechat","outTradeNo":"\#(unknown)","amountFen":777,"notifyUrl":"\#(h.apiURL)/notify/wechat"}"#)
            #expect(stray.status == 200, "\(stray.text)")
            #expect(await eventually(timeoutSeconds: 30) { (try? await Self.attempts(h, unknown).first?.status) == 404 })
            #expect(try await Self.attempts(h, unknown).allSatisfy { $0.answer.contains("ORDER_NOT_FOUND") })

            #expect(try await h.balance(user) == (0, 0))
            #expect(try await h.count("SELECT count(*) FROM journal_entries") == 0)
        }
    }

    @Test func aPaymentWhoseNotifyIsLostIsFoundByQueryingTheChannel() async throws {
        try await FlowHarness.run(paymentQueryAfterSeconds: 1) { h in
            let user = "user:lost\(h.prefix.suffix(6))"
            try await Self.faults(h, #"{"notify":{"drop":true}}"#)
            let wechat = try await Self.recharge(h, user, "wechat", fen: 4200)
            let alipay = try await Self.recharge(h, user, "alipay", fen: 1300)
            try await h.pay("wechat", wechat)
            try await h.pay("alipay", alipay)
            #expect(await h.waitFor(wechat, status: "paid"))
            #expect(await h.waitFor(alipay, status: "paid"))
            // No notify was delivered: the poller found both.
            #expect(try await Self.attempts(h, wechat).isEmpty)
            #expect(try await Self.attempts(h, alipay).isEmpty)
            #expect(try await h.balance(user) == (5500, 0))
            // An order nobody pays stays created and keeps being asked about, with growing intervals.
            let unpaid = try await Self.recharge(h, user, "wechat", fen: 100)
            #expect(await eventually(timeoutSeconds: 30) {
                (try? await h.count("SELECT query_attempts::bigint FROM channel_payments WHERE order_id = '\(unpaid)'")) ?? 0 >= 1
            })
            #expect(try await h.orderStatus(unpaid) == "created")
        }
    }

    /// WeChat reports PAYERROR after an attempt the payer's bank refused, but the order stays payable: the payer may
    /// scan again. The poller closes it at WeChat before failing it, so no payment can land on a failed order.
    /// The channel takes a payment for an order the ledger failed meanwhile (its close lost, a channel that let it be
    /// paid): the notify is held for review and acknowledged, not published for the worker to refuse and dead-letter.
    @Test func aPaymentForAnOrderFailedHereIsHeldForReview() async throws {
        try await FlowHarness.run { h in
            let user = "user:late\(h.prefix.suffix(6))"
            let order = try await Self.recharge(h, user, "wechat", fen: 2600)
            try await Self.faults(h, #"{"notify":{"reorder":true}}"#)
            #expect(try await h.pay("wechat", order).status == 200)
            let failure = try MoneyEvent(
                payload: .paymentFailed(try PaymentFailed(orderID: order, channel: .wechat, reason: "expired unpaid")), occurredAt: Date())
            let producer = try KafkaTestCluster.producer()
            _ = try await producer.sendAll([
                KafkaOutgoingMessage(topic: "\(h.prefix).payment.callbacks", key: Array(failure.payload.orderKey.utf8), value: failure.encode())
            ])
            #expect(await h.waitFor(order, status: "failed"))
            try await Self.faults(h, "{}")
            #expect(try await h.sandbox(.POST, "/sandbox/notifies/flush").status == 200)
            #expect(await eventually(timeoutSeconds: 30) { (try? await Self.attempts(h, order).contains(where: \.acknowledged)) == true })
            #expect(await eventually(timeoutSeconds: 30) {
                (try? await h.count("SELECT count(*) FROM payment_reviews WHERE order_id = '\(order)' AND reason = 'paid after the order failed here' AND paid_fen = 2600")) == 1
            })
            #expect(try await h.orderStatus(order) == "failed")
            #expect(try await h.balance(user) == (0, 0))
            #expect(try await h.count("SELECT count(*) FROM processed_keys WHERE result LIKE 'rejected:%'") == 0)
        }
    }

    /// A payment whose event the ledger refused (here: an event of another amount under the payment's key) is not
    /// published again by the poller or `recon requery`, where it would only be taken for a duplicate: requery says
    /// so, and points to the dead letter's replay.
    @Test func aPaymentWhoseEventTheLedgerRefusedIsNotPublishedAgain() async throws {
        try await FlowHarness.run { h in
            let user = "user:refused\(h.prefix.suffix(6))"
            let order = try await Self.recharge(h, user, "wechat", fen: 1000)
            try await Self.faults(h, #"{"notify":{"drop":true}}"#)
            #expect(try await h.pay("wechat", order).status == 200)
            try await Self.faults(h, "{}")
            let atChannel = (try JSONSerialization.jsonObject(with: Data(try await h.sandbox(.GET, "/sandbox/orders").body)) as? [[String: Any]]) ?? []
            let transaction = try #require(atChannel.first { $0["outTradeNo"] as? String == order }?["tradeNo"] as? String)
            let wrong = try MoneyEvent(
                payload: .paymentSucceeded(try PaymentSucceeded(
                    orderID: order, channel: .wechat, channelTransactionID: transaction, amount: try Amount(fen: 999),
                    payer: try #require(AccountID(user)), purpose: .recharge)),
                occurredAt: Date())
            let producer = try KafkaTestCluster.producer()
            _ = try await producer.sendAll([
                KafkaOutgoingMessage(topic: "\(h.prefix).payment.callbacks", key: Array(wrong.payload.orderKey.utf8), value: wrong.encode())
            ])
            let key = "notify:wechat:\(transaction)"
            #expect(await eventually(timeoutSeconds: 30) {
                (try? await h.count("SELECT count(*) FROM processed_keys WHERE idempotency_key = '\(key)' AND result LIKE 'rejected:%'")) == 1
            })
            let requery = try await h.runOperator(["recon", "requery", "--order", order])
            #expect(requery.status == 0 && requery.output.contains("\(order): refusedByTheLedger") && requery.output.contains("replay"), "\(requery.output)")
            #expect(try await h.orderStatus(order) == "created")
            #expect(try await h.balance(user) == (0, 0))
        }
    }

    @Test func anOrderWhosePaymentAttemptFailedIsClosedAtTheChannelBeforeItFails() async throws {
        try await FlowHarness.run(paymentQueryAfterSeconds: 1) { h in
            let user = "user:perr\(h.prefix.suffix(6))"
            let order = try await Self.recharge(h, user, "wechat", fen: 2500)
            let attempt = try await h.sandbox(.POST, "/sandbox/pay", #"{"channel":"wechat","outTradeNo":"\#(order)","fail":true}"#)
            #expect(attempt.status == 200 && attempt.json["lastAttemptFailed"] as? Bool == true, "\(attempt.text)")
            #expect(await h.waitFor(order, status: "failed"))
            let atChannel = try await h.sandbox(.GET, "/sandbox/orders")
            let orders = (try? JSONSerialization.jsonObject(with: Data(atChannel.body))) as? [[String: Any]] ?? []
            let stored = orders.first { $0["outTradeNo"] as? String == order }
            #expect(stored?["state"] as? String == "CLOSED", "\(atChannel.text.prefix(2000))")
            // The payer's second attempt is refused by the channel: nothing is taken that the ledger cannot credit.
            let again = try await h.pay("wechat", order)
            #expect(again.status != 200, "\(again.text)")
            #expect(try await h.balance(user) == (0, 0))
            #expect(try await h.verify().isClean)
        }
    }
}
