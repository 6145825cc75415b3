import Cryptography
import Foundation
import Testing

@testable import ChannelSandbox

@Suite("WeChat Pay v3 (simulated)")
struct WeChatPayTests {
    static func nativeOrder(_ sandbox: TestSandbox, _ outTradeNo: String, fen: Int, notifyURL: String) -> String {
        """
        {"appid":"\(sandbox.configuration.wechatAppID)","mchid":"\(sandbox.configuration.wechatMerchantID)",\
        "description":"充值 recharge","out_trade_no":"\(outTradeNo)","notify_url":"\(notifyURL)",\
        "amount":{"total":\(fen),"currency":"CNY"}}
        """
    }

    @Test("a signed Native order gets a code_url in a response signed with the platform certificate")
    func nativeOrder() async throws {
        try await withSandbox { sandbox in
            let client = try sandbox.wechat
            let result = try await client.send(
                "POST", "/v3/pay/transactions/native",
                json: Self.nativeOrder(sandbox, "order-native-1", fen: 1234, notifyURL: "http://127.0.0.1:1/n"))
            #expect(result.status == 200, "\(result.text)")
            let codeURL = try result.json()["code_url"] as? String ?? ""
            #expect(codeURL.hasPrefix("weixin://wxpay/bizpayurl?pr="))
            let certificate = try sandbox.platformCertificate()
            #expect(certificate.serialNumberHex == sandbox.keys.wechatPlatformSerial)
            #expect(try WeChatTestClient.verify(headers: result.headers, body: result.body, certificate: certificate))
            // The same request again is idempotent: same code_url.
            let again = try await client.send(
                "POST", "/v3/pay/transactions/native",
                json: Self.nativeOrder(sandbox, "order-native-1", fen: 1234, notifyURL: "http://127.0.0.1:1/n"))
            #expect(try again.json()["code_url"] as? String == codeURL)
            // Query before payment: NOTPAY.
            let query = try await client.send(
                "GET", "/v3/pay/transactions/out-trade-no/order-native-1?mchid=\(sandbox.configuration.wechatMerchantID)")
            #expect(query.status == 200)
            #expect(try query.json()["trade_state"] as? String == "NOTPAY")
            #expect(try WeChatTestClient.verify(headers: query.headers, body: query.body, certificate: certificate))
        }
    }

    @Test("time_expire is read as RFC 3339 with its offset; anything else is PARAM_ERROR")
    func timeExpire() async throws {
        try await withSandbox { sandbox in
            let client = try sandbox.wechat
            func order(_ outTradeNo: String, expiry: String) -> String {
                """
                {"appid":"\(sandbox.configuration.wechatAppID)","mchid":"\(sandbox.configuration.wechatMerchantID)",\
                "description":"充值 recharge","out_trade_no":"\(outTradeNo)","notify_url":"http://127.0.0.1:1/n",\
                "time_expire":"\(expiry)","amount":{"total":100,"currency":"CNY"}}
                """
            }
            let accepted = try await client.send("POST", "/v3/pay/transactions/native", json: order("expiry-ok", expiry: "2031-06-08T10:34:56+08:00"))
            #expect(accepted.status == 200, "\(accepted.text)")
            let stored = try #require(await sandbox.sandbox.core.state.order(.wechat, "expiry-ok"))
            // 10:34:56 at +08:00 is 02:34:56 UTC.
            #expect(stored.expiresAt == Date(timeIntervalSince1970: 1_938_652_496))
            for bad in ["2031-06-08 10:34:56", "tomorrow", ""] {
                let refused = try await client.send("POST", "/v3/pay/transactions/native", json: order("expiry-bad", expiry: bad))
                #expect(refused.status == 400, "time_expire \(bad)")
                #expect(try refused.json()["code"] as? String == "PARAM_ERROR", "time_expire \(bad)")
            }
        }
    }

    @Test("unsigned, badly signed, tampered and expired requests get 401 SIGN_ERROR, signed")
    func refusesBadSignatures() async throws {
        try await withSandbox { sandbox in
            let client = try sandbox.wechat
            let body = Self.nativeOrder(sandbox, "order-bad-sign", fen: 100, notifyURL: "http://127.0.0.1:1/n")
            let path = "/v3/pay/transactions/native"
            let rogue = try RSAPrivateKey.generate()
            let cases: [String?] = [
                nil,
                try client.authorization(method: "POST", target: path, body: Array(body.utf8), signingKey: rogue),
                try client.authorization(method: "POST", target: path, body: Array((body + " ").utf8)),
                try client.authorization(
                    method: "POST", target: path, body: Array(body.utf8), timestamp: Int(Date().timeIntervalSince1970) - 600),
                "WECHATPAY2-SHA256-RSA2048 garbage",
            ]
            let certificate = try sandbox.platformCertificate()
            for authorization in cases {
                let result = try await client.send("POST", path, json: body, authorization: .some(authorization))
                #expect(result.status == 401, "\(authorization ?? "no header") -> \(result.status)")
                #expect(try result.json()["code"] as? String == "SIGN_ERROR")
                #expect(try WeChatTestClient.verify(headers: result.headers, body: result.body, certificate: certificate))
            }
            #expect(try await sandbox.control("GET", "/sandbox/orders").text == "[]")
        }
    }

    @Test("scan and pay sends TRANSACTION.SUCCESS that verifies and decrypts with the APIv3 key")
    func paymentNotify() async throws {
        try await withReceiver { receiver in try await withSandbox { sandbox in
            let client = try sandbox.wechat
            _ = try await client.send(
                "POST", "/v3/pay/transactions/native", json: Self.nativeOrder(sandbox, "order-paid-1", fen: 8888, notifyURL: receiver.url))
            let paid = try await sandbox.pay("wechat", "order-paid-1", extra: ",\"payer\":\"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\"")
            #expect(paid.status == 200, "\(paid.text)")
            let received = try await receiver.wait(for: 1)
            try #require(received.count == 1)
            let notify = received[0]
            #expect(try WeChatTestClient.verify(headers: notify.headers, body: notify.body, certificate: sandbox.platformCertificate()))
            let (envelope, plaintext) = try WeChatTestClient.decrypt(notify: notify.body, apiV3Key: sandbox.apiV3Key())
            #expect(envelope["event_type"] as? String == "TRANSACTION.SUCCESS")
            #expect(envelope["resource_type"] as? String == "encrypt-resource")
            let resource = envelope["resource"] as? [String: Any] ?? [:]
            #expect(resource["algorithm"] as? String == "AEAD_AES_256_GCM")
            #expect(resource["associated_data"] as? String == "transaction")
            #expect((resource["nonce"] as? String)?.utf8.count == 12)
            #expect(plaintext["out_trade_no"] as? String == "order-paid-1")
            #expect(plaintext["trade_state"] as? String == "SUCCESS")
            #expect(plaintext["mchid"] as? String == sandbox.configuration.wechatMerchantID)
            #expect((plaintext["success_time"] as? String)?.hasSuffix("+08:00") == true)
            #expect((plaintext["payer"] as? [String: Any])?["openid"] as? String == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
            let amount = plaintext["amount"] as? [String: Any] ?? [:]
            #expect(amount["total"] as? Int == 8888)
            #expect(amount["payer_total"] as? Int == 8888)
            let records = try await sandbox.waitForNotifies(reference: "order-paid-1") { $0.first?.state == .delivered }
            #expect(records.first?.attempts.first?.statusCode == 200)
            // Paying twice is refused; the query now says SUCCESS with the transaction id.
            #expect(try await sandbox.pay("wechat", "order-paid-1").status == 409)
            let query = try await client.send(
                "GET", "/v3/pay/transactions/out-trade-no/order-paid-1?mchid=\(sandbox.configuration.wechatMerchantID)")
            #expect(try query.json()["trade_state"] as? String == "SUCCESS")
            #expect(try query.json()["transaction_id"] as? String == plaintext["transaction_id"] as? String)
            // Asked by WeChat's own number, the same transaction; an unknown number is ORDER_NOT_EXIST.
            let transactionID = try #require(plaintext["transaction_id"] as? String)
            let byID = try await client.send(
                "GET", "/v3/pay/transactions/id/\(transactionID)?mchid=\(sandbox.configuration.wechatMerchantID)")
            #expect(byID.status == 200, "\(byID.text)")
            #expect(try byID.json()["out_trade_no"] as? String == "order-paid-1")
            let unknown = try await client.send(
                "GET", "/v3/pay/transactions/id/4200000000000000000000000000?mchid=\(sandbox.configuration.wechatMerchantID)")
            #expect(unknown.status == 404, "\(unknown.text)")
            #expect(try unknown.json()["code"] as? String == "ORDER_NOT_EXIST", "\(unknown.text)")
        } }
    }

    @Test("close, refund and transfer-bills answer in WeChat's format")
    func refundAndTransfer() async throws {
        try await withReceiver { receiver in try await withSandbox { sandbox in
            let client = try sandbox.wechat
            let mchid = sandbox.configuration.wechatMerchantID
            _ = try await client.send(
                "POST", "/v3/pay/transactions/native", json: Self.nativeOrder(sandbox, "order-close-1", fen: 100, notifyURL: receiver.url))
            let closed = try await client.send("POST", "/v3/pay/transactions/out-trade-no/order-close-1/close", json: "{\"mchid\":\"\(mchid)\"}")
            #expect(closed.status == 204)
            #expect(closed.body.isEmpty)
            #expect(try WeChatTestClient.verify(headers: closed.headers, body: [], certificate: sandbox.platformCertificate()))
            #expect(try await sandbox.pay("wechat", "order-close-1").status == 409)

            _ = try await client.send(
                "POST", "/v3/pay/transactions/native", json: Self.nativeOrder(sandbox, "order-refund-1", fen: 1000, notifyURL: receiver.url))
            _ = try await sandbox.pay("wechat", "order-refund-1")
            let refundBody = """
                {"out_trade_no":"order-refund-1","out_refund_no":"refund-1","reason":"test","notify_url":"\(receiver.url)",\
                "amount":{"refund":300,"total":1000,"currency":"CNY"}}
                """
            let refund = try await client.send("POST", "/v3/refund/domestic/refunds", json: refundBody)
            #expect(refund.status == 200, "\(refund.text)")
            let refundJSON = try refund.json()
            #expect(refundJSON["status"] as? String == "PROCESSING")
            #expect(refundJSON["out_refund_no"] as? String == "refund-1")
            #expect((refundJSON["refund_id"] as? String)?.isEmpty == false)
            #expect((refundJSON["amount"] as? [String: Any])?["refund"] as? Int == 300)
            let tooMuch = try await client.send(
                "POST", "/v3/refund/domestic/refunds",
                json: refundBody.replacingOccurrences(of: "\"refund-1\"", with: "\"refund-2\"").replacingOccurrences(of: "300", with: "701"))
            #expect(tooMuch.status == 403)
            let received = try await receiver.wait(for: 2)
            let refundNotify = try received.compactMap { try WeChatTestClient.decrypt(notify: $0.body, apiV3Key: sandbox.apiV3Key()) }
                .first { $0.envelope["event_type"] as? String == "REFUND.SUCCESS" }
            #expect(refundNotify?.plaintext["refund_status"] as? String == "SUCCESS")
            #expect(refundNotify?.plaintext["out_refund_no"] as? String == "refund-1")
            let refundQuery = try await client.send("GET", "/v3/refund/domestic/refunds/refund-1")
            #expect(try refundQuery.json()["status"] as? String == "SUCCESS")

            let transfer = """
                {"appid":"\(sandbox.configuration.wechatAppID)","out_bill_no":"bill-1","transfer_scene_id":"1000",\
                "openid":"o-user-1","transfer_amount":500,"transfer_remark":"withdrawal","notify_url":"\(receiver.url)"}
                """
            let created = try await client.send("POST", "/v3/fund-app/mch-transfer/transfer-bills", json: transfer)
            #expect(created.status == 200, "\(created.text)")
            #expect(try created.json()["state"] as? String == "WAIT_USER_CONFIRM")
            #expect((try created.json()["transfer_bill_no"] as? String)?.isEmpty == false)
            _ = try await receiver.wait(for: 3)
            let finished = try await client.send("GET", "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/bill-1")
            #expect(try finished.json()["state"] as? String == "SUCCESS")
            #expect(try finished.json()["transfer_amount"] as? Int == 500)

            try await sandbox.faults(#"{"payouts":{"fail":true,"failReason":"ACCOUNT_FROZEN"}}"#)
            _ = try await client.send(
                "POST", "/v3/fund-app/mch-transfer/transfer-bills", json: transfer.replacingOccurrences(of: "bill-1", with: "bill-2"))
            try await Task.sleep(for: .milliseconds(300))
            let failed = try await client.send("GET", "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/bill-2")
            #expect(try failed.json()["state"] as? String == "FAIL")
            #expect(try failed.json()["fail_reason"] as? String == "ACCOUNT_FROZEN")
        } }
    }

    @Test("static QR: paying an order the platform never made creates it with the payer's amount; amountFen overrides")
    func staticCodeAndMismatch() async throws {
        try await withReceiver { receiver in try await withSandbox { sandbox in
            let paid = try await sandbox.pay(
                "wechat", "static-0001", extra: ",\"amountFen\":4321,\"notifyUrl\":\"\(receiver.url)\",\"payer\":\"o-static\"")
            #expect(paid.status == 200, "\(paid.text)")
            #expect(try await sandbox.pay("wechat", "unknown-0001").status == 404)
            _ = try await sandbox.wechat.send(
                "POST", "/v3/pay/transactions/native",
                json: Self.nativeOrder(sandbox, "mismatch-0001", fen: 1000, notifyURL: receiver.url))
            _ = try await sandbox.pay("wechat", "mismatch-0001", extra: ",\"amountFen\":999")
            let received = try await receiver.wait(for: 2)
            try #require(received.count == 2)
            let amounts = try received.map {
                let plain = try WeChatTestClient.decrypt(notify: $0.body, apiV3Key: sandbox.apiV3Key()).plaintext
                return (plain["out_trade_no"] as? String ?? "", (plain["amount"] as? [String: Any])?["total"] as? Int ?? 0)
            }
            #expect(Dictionary(amounts, uniquingKeysWith: { a, _ in a }) == ["static-0001": 4321, "mismatch-0001": 999])
            let id = try WeChatTestClient.decrypt(notify: received[0].body, apiV3Key: sandbox.apiV3Key()).plaintext["transaction_id"] as? String ?? ""
            let byID = try await sandbox.wechat.send(
                "GET", "/v3/pay/transactions/id/\(id)?mchid=\(sandbox.configuration.wechatMerchantID)")
            #expect(byID.status == 200)
        } }
    }
}
