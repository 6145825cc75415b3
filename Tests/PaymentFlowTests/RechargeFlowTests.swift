import Foundation
import Testing
import TestSupport

/// Recharge end to end: HTTP request → channel order in the sandbox → payer pays → signed notify → API verifies
/// and produces → worker credits → balances, order states and ledger verify.
@Suite(.serialized) struct RechargeFlowTests {
    @Test func wechatAndAlipayRechargesCreditTheWallet() async throws {
        try await FlowHarness.run { h in
            let user = "user:alice\(h.prefix.suffix(6))"

            // WeChat Pay: Native order, code_url and its QR image.
            let wechat = try await h.post("/v1/recharges", #"{"amountFen":12345,"channel":"wechat"}"#, as: user)
            #expect(wechat.status == 201, "\(wechat.text)")
            let wechatOrder = try #require(wechat.string("orderId"))
            #expect(wechat.string("status") == "created")
            #expect(wechat.string("codeUrl")?.hasPrefix("weixin://wxpay/bizpayurl?pr=") == true)
            let png = try await h.get("/v1/orders/\(wechatOrder)/qr.png", as: user)
            #expect(png.status == 200 && png.headers["content-type"] == "image/png")
            #expect(Array(png.body.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            // Someone else cannot see it.
            #expect(try await h.get("/v1/orders/\(wechatOrder)", as: "user:mallory").status == 404)

            // Alipay: precreate QR, and the cashier page URL.
            let alipay = try await h.post("/v1/recharges", #"{"amountFen":5000,"channel":"alipay"}"#, as: user)
            #expect(alipay.status == 201, "\(alipay.text)")
            let alipayOrder = try #require(alipay.string("orderId"))
            #expect(alipay.string("codeUrl")?.hasPrefix("https://") == true)
            let page = try await h.post("/v1/recharges", #"{"amountFen":700,"channel":"alipay","mode":"page"}"#, as: user)
            #expect(page.status == 201, "\(page.text)")
            let pageOrder = try #require(page.string("orderId"))
            let payURL = try #require(page.string("payUrl"))
            #expect(payURL.contains("method=alipay.trade.page.pay") && payURL.contains("sign="))
            let cashier = try await h.send(.GET, payURL)
            #expect(cashier.status == 200, "the sandbox cashier did not accept the signed page URL: \(cashier.text.prefix(300))")

            // Nothing is credited before payment.
            #expect(try await h.balance(user) == (0, 0))

            try await h.pay("wechat", wechatOrder)
            try await h.pay("alipay", alipayOrder)
            try await h.pay("alipay", pageOrder)
            #expect(await h.waitFor(wechatOrder, status: "paid"))
            #expect(await h.waitFor(alipayOrder, status: "paid"))
            #expect(await h.waitFor(pageOrder, status: "paid"))
            #expect(try await h.balance(user) == (12345 + 5000 + 700, 0))
            #expect(try await h.balance("clearing:wechat") == (-12345, 0))
            #expect(try await h.balance("clearing:alipay") == (-5700, 0))

            let balance = try await h.get("/v1/balance", as: user)
            #expect(balance.int("availableFen") == 18045 && balance.int("frozenFen") == 0)
            let orders = try await h.get("/v1/orders?limit=10", as: user)
            #expect((orders.json["orders"] as? [[String: Any]])?.count == 3)

            // Bad requests get a problem document with a code.
            let bad = try await h.post("/v1/recharges", #"{"amountFen":0,"channel":"wechat"}"#, as: user)
            #expect(bad.status == 400 && bad.string("code") == "amount.out_of_range")
            #expect(bad.headers["content-type"] == "application/problem+json")
            let float = try await h.post("/v1/recharges", #"{"amountFen":12.5,"channel":"wechat"}"#, as: user)
            #expect(float.status == 400 && float.string("code") == "request.invalid_body")
            let anonymous = try await h.post("/v1/recharges", #"{"amountFen":100,"channel":"wechat"}"#)
            #expect(anonymous.status == 401 && anonymous.string("code") == "auth.missing")
            // Errors Hummingbird raises itself use the same model.
            let missing = try await h.get("/v1/no-such-thing", as: user)
            #expect(missing.status == 404 && missing.string("code") == "http.not_found")
            #expect(missing.headers["content-type"] == "application/problem+json" && missing.string("correlationId") != nil)
            let huge = try await h.post("/v1/recharges", #"{"amountFen":100,"channel":"wechat","description":"\#(String(repeating: "x", count: 300_000))"}"#, as: user)
            #expect(huge.status == 413 && huge.headers["content-type"] == "application/problem+json", "\(huge.status) \(huge.text.prefix(200))")

        }
    }
}
