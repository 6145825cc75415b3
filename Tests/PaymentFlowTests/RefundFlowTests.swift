import Foundation
import Testing
import TestSupport

/// Refunds of paid recharges and collections, full or partial, through the channel's refund API and notify.
@Suite(.serialized) struct RefundFlowTests {
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
}
