import Foundation
import Testing
import TestSupport

/// Scan-to-collect: a merchant's static code (the payer types the amount) and dynamic orders (fixed amount), by
/// WeChat Pay and Alipay; the merchant's available balance rises once the notify is applied.
@Suite(.serialized) struct CollectionFlowTests {
    @Test func staticAndDynamicCodesCreditTheMerchant() async throws {
        try await FlowHarness.run { h in
            let merchant = "merchant:shop\(h.prefix.suffix(6))"

            // Static code: permanent, its QR encodes the payer's page.
            let code = try await h.post("/v1/collect-codes", #"{"description":"Noodle shop"}"#, as: merchant)
            #expect(code.status == 201, "\(code.text)")
            let codeID = try #require((code.json["code"] as? [String: Any])?["codeId"] as? String)
            let payPage = try #require(code.string("payPageUrl"))
            #expect(payPage == h.apiURL + "/v1/collect/\(codeID)")
            let png = try await h.get("/v1/collect-codes/\(codeID)/qr.png")
            #expect(png.status == 200 && png.body.starts(with: [0x89, 0x50, 0x4E, 0x47]))

            // Two payers scan it: one pays 18.80 by WeChat, one 6.00 by Alipay.
            let first = try await h.send(.POST, payPage, json: #"{"channel":"wechat","amountFen":1880}"#)
            #expect(first.status == 201, "\(first.text)")
            #expect(first.string("kind") == "collection" && first.string("owner") == merchant)
            let second = try await h.send(.POST, payPage, json: #"{"channel":"alipay","amountFen":600}"#)
            #expect(second.status == 201, "\(second.text)")
            // The payer must type an amount on a static code.
            let missing = try await h.send(.POST, payPage, json: #"{"channel":"wechat"}"#)
            #expect(missing.status == 400 && missing.string("code") == "request.missing_field")

            // Dynamic: a fixed-amount order shown as a QR code.
            let dynamic = try await h.post("/v1/collections", #"{"amountFen":9900,"channel":"wechat","description":"Table 4"}"#, as: merchant)
            #expect(dynamic.status == 201, "\(dynamic.text)")
            #expect(dynamic.string("codeUrl")?.hasPrefix("weixin://") == true)
            // Only merchants collect.
            let byUser = try await h.post("/v1/collections", #"{"amountFen":100,"channel":"wechat"}"#, as: "user:nobody")
            #expect(byUser.status == 403 && byUser.string("code") == "collect.merchants_only")

            for (channel, reply) in [("wechat", first), ("alipay", second), ("wechat", dynamic)] {
                try await h.pay(channel, try #require(reply.string("orderId")))
            }
            for reply in [first, second, dynamic] {
                #expect(await h.waitFor(try #require(reply.string("orderId")), status: "paid"))
            }
            #expect(try await h.balance(merchant) == (1880 + 600 + 9900, 0))
            #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'collectionPaid'") == 3)
        }
    }

    /// The payer's route is public and each ask costs a channel order: a script asking again and again with one
    /// printed code gets 60 orders a minute, then 429 with Retry-After, and no channel call is made for the rest.
    /// Another code of the same shop is not held back.
    @Test func oneCodeStartsAtMostSixtyPaymentsAMinute() async throws {
        try await FlowHarness.run { h in
            let merchant = "merchant:busy\(h.prefix.suffix(6))"
            func code() async throws -> String {
                let created = try await h.post("/v1/collect-codes", #"{"description":"Till","amountFen":500}"#, as: merchant)
                return try #require(created.string("payPageUrl"), "\(created.text)")
            }
            let payPage = try await code()
            var statuses: [Int] = []
            for _ in 0..<61 { statuses.append(try await h.send(.POST, payPage, json: #"{"channel":"wechat"}"#).status) }
            #expect(statuses.prefix(60).allSatisfy { $0 == 201 } && statuses.last == 429, "\(statuses)")
            let refused = try await h.send(.POST, payPage, json: #"{"channel":"wechat"}"#)
            #expect(refused.status == 429 && refused.string("code") == "collect.rate_limited", "\(refused.text)")
            #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
            #expect(try await h.count("SELECT count(*) FROM channel_payments WHERE amount_fen = 500") == 60)
            #expect(try await h.send(.POST, try await code(), json: #"{"channel":"wechat"}"#).status == 201)
        }
    }

    /// A leaked or tampered print: its merchant disables the code, and payers are refused 410 from then on, with no
    /// channel call. Only its own merchant may disable it; the code stays readable, marked disabled.
    @Test func aDisabledCodeTakesNoMorePayments() async throws {
        try await FlowHarness.run { h in
            let merchant = "merchant:leak\(h.prefix.suffix(6))"
            let created = try await h.post("/v1/collect-codes", #"{"description":"Stall 7"}"#, as: merchant)
            let codeID = try #require((created.json["code"] as? [String: Any])?["codeId"] as? String, "\(created.text)")
            let payPage = try #require(created.string("payPageUrl"))
            #expect(try await h.send(.POST, payPage, json: #"{"channel":"wechat","amountFen":300}"#).status == 201)
            let byAnother = try await h.delete("/v1/collect-codes/\(codeID)", as: "merchant:other\(h.prefix.suffix(6))")
            #expect(byAnother.status == 404 && byAnother.string("code") == "collect.code_not_found", "\(byAnother.text)")
            let byUser = try await h.delete("/v1/collect-codes/\(codeID)", as: "user:someone\(h.prefix.suffix(6))")
            #expect(byUser.status == 403 && byUser.string("code") == "collect.merchants_only", "\(byUser.text)")
            #expect(try await h.delete("/v1/collect-codes/\(codeID)", as: merchant).status == 204)
            #expect(try await h.delete("/v1/collect-codes/\(codeID)", as: merchant).status == 204, "disabling again changes nothing")
            let refused = try await h.send(.POST, payPage, json: #"{"channel":"wechat","amountFen":300}"#)
            #expect(refused.status == 410 && refused.string("code") == "collect.code_disabled", "\(refused.text)")
            #expect(try await h.count("SELECT count(*) FROM channel_payments WHERE amount_fen = 300") == 1)
            let shown = try await h.get("/v1/collect-codes/\(codeID)")
            #expect((shown.json["code"] as? [String: Any])?["disabledAt"] is String, "\(shown.text)")
        }
    }
}
