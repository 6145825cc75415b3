import AsyncHTTPClient
import Cryptography
import Foundation
import PaystreamCore
import Testing

@testable import Channels

/// The WeChat Pay client's HTTP behaviour against a minimal local listener: retries, timeouts, error mapping,
/// answer verification.
@Suite struct WeChatPayHTTPTests {
    static let fast = ChannelHTTPOptions(requestTimeout: .seconds(2), maxAttempts: 3, initialBackoff: .milliseconds(10))

    /// A reply signed by the test platform key (or `key`), stamped now.
    static func signed(_ status: Int, _ json: String, key: RSAPrivateKey = TestKeys.platform) -> LocalHTTPServer.Reply {
        let body = Array(json.utf8)
        var headers = try! wechatPlatformHeaders(
            body: body, key: key, serial: TestKeys.platformCertificate.serialNumberHex,
            timestamp: Int64(Date().timeIntervalSince1970))
        headers["Content-Type"] = "application/json"
        return LocalHTTPServer.Reply(status: status, headers: headers, body: body)
    }

    static let paid = """
        {"appid":"wxd678efh567hg6787","mchid":"1900000109","out_trade_no":"ORDER0001","transaction_id":"4200001",\
        "trade_type":"NATIVE","trade_state":"SUCCESS","success_time":"2024-06-08T10:34:56+08:00",\
        "payer":{"openid":"oUser1"},"amount":{"total":1230,"payer_total":1230,"currency":"CNY"}}
        """

    /// True if the request's Authorization verifies with the merchant key over exactly what was sent.
    static func authorized(_ request: LocalHTTPServer.Request) -> Bool {
        guard let header = request.header("Authorization"), let fields = try? WeChatPaySigningTests.authorizationFields(header),
            let signature = fields["signature"].flatMap({ try? Base64.decode($0) }), let timestamp = fields["timestamp"],
            let nonce = fields["nonce_str"], fields["mchid"] == "1900000109"
        else { return false }
        let message = WeChatPayRequestSigner.message(
            method: request.method, url: request.uri, timestamp: timestamp, nonce: nonce, body: request.body)
        return TestKeys.merchant.publicKey.isValidSignatureSHA256(signature, for: message)
    }

    @Test func idempotentQueryIsRetriedAfterTwo500s() async throws {
        try await withServer({ index, _ in
            index < 2 ? LocalHTTPServer.Reply(status: 500, body: Array("busy".utf8)) : Self.signed(200, Self.paid)
        }) { server in
            try await withHTTPClient { http in
                let fixture = try WeChatFixture(baseURL: server.baseURL, http: Self.fast)
                let client = WeChatPayV3Client(
                    configuration: fixture.configuration, credentials: fixture.credentials, httpClient: http)
                let status = try await client.queryPayment(outTradeNo: "ORDER0001")
                #expect(status.state == .succeeded && status.rawState == "SUCCESS")
                #expect(status.amount == (try Amount.parseYuan("12.30")) && status.payerID == "oUser1")
                #expect(status.transactionID == "4200001")
                #expect(status.paidAt == ChannelTime.parseRFC3339("2024-06-08T02:34:56Z"))
                let received = server.received
                #expect(received.count == 3)
                #expect(received.allSatisfy { $0.uri == "/v3/pay/transactions/out-trade-no/ORDER0001?mchid=1900000109" })
                #expect(received.allSatisfy(Self.authorized))
                #expect(Set(received.compactMap { $0.header("Authorization") }).count == 3)  // fresh nonce each time
            }
        }
    }

    /// A query's answer is checked as a notify is: another app's transaction, one naming no app, or one in another
    /// currency, is refused.
    @Test(arguments: [
        ("wxd678efh567hg6787", "wx0000000000000000"), ("\"appid\":\"wxd678efh567hg6787\",", ""),
        ("\"currency\":\"CNY\"", "\"currency\":\"USD\""),
    ])
    func aQueriedTransactionOfAnotherAppOrCurrencyIsRefused(replacing: (String, String)) async throws {
        let answer = Self.paid.replacingOccurrences(of: replacing.0, with: replacing.1)
        try await withServer({ _, _ in Self.signed(200, answer) }) { server in
            try await withHTTPClient { http in
                let fixture = try WeChatFixture(baseURL: server.baseURL, http: Self.fast)
                let client = WeChatPayV3Client(configuration: fixture.configuration, credentials: fixture.credentials, httpClient: http)
                let error = await #expect(throws: ChannelError.self) { try await client.queryPayment(outTradeNo: "ORDER0001") }
                #expect(error?.code == .malformedResponse, "\(String(describing: error))")
            }
        }
    }

    @Test func exhaustedRetriesAreReportedAsRetriable() async throws {
        try await withServer({ _, _ in LocalHTTPServer.Reply(status: 503) }) { server in
            try await withHTTPClient { http in
                let fixture = try WeChatFixture(baseURL: server.baseURL, http: Self.fast)
                let client = WeChatPayV3Client(
                    configuration: fixture.configuration, credentials: fixture.credentials, httpClient: http)
                let error = await #expect(throws: ChannelError.self) { try await client.queryPayment(outTradeNo: "ORDER0001") }
                #expect(error?.code == .httpStatus && error?.httpStatus == 503 && error?.isRetriable == true)
                #expect(error?.channel == .wechat && error?.operation == "wechat.query")
                #expect(server.received.count == 3)
            }
        }
    }

    @Test func silentServerTimesOutWithinTheConfiguredTime() async throws {
        try await withServer({ _, _ in nil }) { server in
            try await withHTTPClient { http in
                let options = ChannelHTTPOptions(
                    requestTimeout: .milliseconds(300), maxAttempts: 2, initialBackoff: .milliseconds(10))
                let fixture = try WeChatFixture(baseURL: server.baseURL, http: options)
                let client = WeChatPayV3Client(
                    configuration: fixture.configuration, credentials: fixture.credentials, httpClient: http)
                let clock = ContinuousClock()
                let start = clock.now
                let error = await #expect(throws: ChannelError.self) { try await client.queryPayment(outTradeNo: "ORDER0001") }
                let elapsed = clock.now - start
                #expect(error?.code == .timeout && error?.isRetriable == true)
                // At least the timeout; the upper bound only says "not a hang" (loaded test machines stretch it).
                #expect(elapsed >= .milliseconds(600) && elapsed < .seconds(20))
                #expect(server.received.count == 2)
            }
        }
    }

    @Test func notRepeatableCallIsAttemptedOnce() async throws {
        try await withServer({ _, _ in LocalHTTPServer.Reply(status: 500) }) { server in
            try await withHTTPClient { http in
                let transport = ChannelHTTPTransport(client: http, options: Self.fast, channel: .wechat, logger: .init(label: "t"))
                let response = try await transport.send("test", repeatable: false) { () throws(ChannelError) in
                    ChannelHTTPRequest(method: .POST, url: server.baseURL + "/x", headers: [], body: [1])
                }
                #expect(response.status == 500 && server.received.count == 1)
            }
        }
    }

    @Test func errorsAreMappedFromSignedAndUnsignedAnswers() async throws {
        let replies: [(LocalHTTPServer.Reply, ChannelError.Code, String?)] = [
            (Self.signed(400, #"{"code":"PARAM_ERROR","message":"bad"}"#), .rejected, "PARAM_ERROR"),
            (Self.signed(404, #"{"code":"ORDER_NOT_EXIST","message":"no"}"#), .notFound, "ORDER_NOT_EXIST"),
            (LocalHTTPServer.Reply(status: 404, body: Array(#"{"code":"ORDER_NOT_EXIST","message":"no"}"#.utf8)), .rejected, "ORDER_NOT_EXIST"),
            (Self.signed(200, Self.paid, key: TestKeys.rogue), .badResponseSignature, nil),
            (LocalHTTPServer.Reply(status: 200, body: Array(Self.paid.utf8)), .badResponseSignature, nil),
            (Self.signed(200, Self.paid.replacingOccurrences(of: "1230", with: "12.3")), .malformedResponse, nil),
            (Self.signed(200, Self.paid.replacingOccurrences(of: "ORDER0001", with: "ORDER0002")), .malformedResponse, nil),
        ]
        for (reply, code, channelCode) in replies {
            try await withServer({ _, _ in reply }) { server in
                try await withHTTPClient { http in
                    let fixture = try WeChatFixture(baseURL: server.baseURL, http: Self.fast)
                    let client = WeChatPayV3Client(
                        configuration: fixture.configuration, credentials: fixture.credentials, httpClient: http)
                    let error = await #expect(throws: ChannelError.self) { try await client.queryPayment(outTradeNo: "ORDER0001") }
                    #expect(error?.code == code, "\(String(describing: error))")
                    #expect(error?.channelCode == channelCode)
                    #expect(server.received.count == 1)
                }
            }
        }
    }

    @Test func nativeOrderSendsASignedBodyAndReadsCodeURL() async throws {
        try await withServer({ _, request in
            guard Self.authorized(request), request.method == "POST", request.uri == "/v3/pay/transactions/native",
                let json = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                (json["amount"] as? [String: Any])?["total"] as? Int == 1230, json["out_trade_no"] as? String == "ORDER0001",
                json["time_expire"] as? String == "2023-12-21T15:24:37+08:00"
            else { return Self.signed(401, #"{"code":"SIGN_ERROR","message":"no"}"#) }
            return Self.signed(200, #"{"code_url":"weixin://wxpay/bizpayurl?pr=abc"}"#)
        }) { server in
            try await withHTTPClient { http in
                let fixture = try WeChatFixture(baseURL: server.baseURL, http: Self.fast)
                let client = WeChatPayV3Client(
                    configuration: fixture.configuration, credentials: fixture.credentials, httpClient: http)
                let payment = try await client.createQRPayment(
                    PaymentOrder(
                        outTradeNo: "ORDER0001", amount: try Amount.parseYuan("12.30"), description: "充值",
                        expiresAt: Date(timeIntervalSince1970: 1_703_143_477)))
                #expect(payment.codeURL == "weixin://wxpay/bizpayurl?pr=abc")
            }
        }
    }

    @Test func transferToBalanceIsTyped() async throws {
        try await withServer({ _, request in
            guard Self.authorized(request), request.uri == "/v3/fund-app/mch-transfer/transfer-bills" else {
                return Self.signed(401, #"{"code":"SIGN_ERROR","message":"no"}"#)
            }
            return Self.signed(
                200,
                #"{"out_bill_no":"W2024000001","transfer_bill_no":"1330000071100999991182020050700019480001","create_time":"2024-06-08T10:34:56+08:00","state":"WAIT_USER_CONFIRM","package_info":"affffddafdfafddffda=="}"#)
        }) { server in
            try await withHTTPClient { http in
                let fixture = try WeChatFixture(baseURL: server.baseURL, http: Self.fast)
                let client = WeChatPayV3Client(
                    configuration: fixture.configuration, credentials: fixture.credentials, httpClient: http)
                let status = try await client.requestPayout(
                    PayoutRequest(
                        payoutID: "W2024000001", amount: try Amount.parseYuan("0.30"),
                        destination: .wechatBalance(openID: "oUser1"), remark: "提现"))
                #expect(status.state == .awaitingUserConfirmation && status.packageInfo == "affffddafdfafddffda==")
                #expect(status.amount?.fen == 30 && status.channel == .wechat)
                let big = await #expect(throws: ChannelError.self) {
                    try await client.requestPayout(
                        PayoutRequest(
                            payoutID: "W2024000002", amount: try Amount.parseYuan("2000.00"),
                            destination: .wechatBalance(openID: "oUser1"), remark: "提现"))
                }
                #expect(big?.code == .invalidRequest && server.received.count == 1)

                // With the payee's name: sent as user_name, RSA-OAEP (SHA-1) under the platform key its serial names.
                _ = try await client.requestPayout(
                    PayoutRequest(
                        payoutID: "W2024000001", amount: try Amount.parseYuan("2500.00"),
                        destination: .wechatBalance(openID: "oUser1", userName: "张三"), remark: "提现"))
                let sent = try #require(server.received.last)
                #expect(sent.headers.first { $0.name.lowercased() == "wechatpay-serial" }?.value == fixture.platformSerial)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any])
                let sealed = try Base64.decode(try #require(json["user_name"] as? String))
                #expect(String(decoding: try TestKeys.platform.decryptedOAEPSHA1(sealed), as: UTF8.self) == "张三")
                #expect(json["transfer_amount"] as? Int == 250_000)
                #expect(!String(decoding: sent.body, as: UTF8.self).contains("张三"))
            }
        }
    }
}
