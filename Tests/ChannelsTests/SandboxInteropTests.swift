import AsyncHTTPClient
import ChannelSandbox
import Cryptography
import Foundation
import PaystreamCore
import Testing

@testable import Channels

/// A smoke test of the three clients and verifiers against the channel simulator (ChannelSandbox, in process):
/// the formats, signatures and notifies agree. The lead's integration tests cover the flows.
@Suite struct SandboxInteropTests {
    struct Setup {
        let wechat: WeChatPayV3Client
        let wechatNotify: WeChatPayNotifyVerifier
        let alipay: AlipayClient
        let alipayNotify: AlipayNotifyVerifier
        let bill99: Bill99Client
        let bill99Notify: Bill99NotifyVerifier
        let baseURL: String
    }

    static func setup(_ keys: SandboxKeys, _ sim: SandboxConfiguration, baseURL: String, notifyBase: String, http: HTTPClient,
                      directory: TemporaryDirectory) throws -> Setup {
        let wechatConfiguration = WeChatPayConfiguration(
            merchantID: sim.wechatMerchantID, appID: sim.wechatAppID,
            merchantPrivateKeyPath: try directory.write("wm.pem", try need(keys.wechatMerchantKey).pemRepresentation),
            merchantCertificateSerial: keys.wechatMerchantSerial ?? "00", apiV3KeyPath: try directory.write("v3", keys.wechatAPIv3Key),
            platformCertificatePaths: [try directory.write("wp.pem", try keys.wechatPlatformCertificate.pemRepresentation)],
            baseURL: baseURL, notifyURL: notifyBase + "/wechat")
        let wechatCredentials = try WeChatPayCredentials.load(from: wechatConfiguration)
        let alipayConfiguration = AlipayConfiguration(
            appID: sim.alipayAppID, appPrivateKeyPath: try directory.write("aa.pem", try need(keys.alipayAppKey).pemRepresentation),
            alipayPublicKeyPath: try directory.write("ap.pem", try keys.alipayKey.publicKey.pemRepresentation),
            gatewayURL: baseURL + "/gateway.do", notifyURL: notifyBase + "/alipay")
        let alipayCredentials = try AlipayCredentials.load(from: alipayConfiguration)
        let bill99Configuration = Bill99Configuration(
            memberCode: sim.bill99MemberCode,
            merchantPrivateKeyPath: try directory.write("bm.pem", try need(keys.bill99MerchantKey).pemRepresentation),
            bill99PublicKeyPath: try directory.write("bp.pem", try keys.bill99Key.publicKey.pemRepresentation),
            baseURL: baseURL, notifyURL: notifyBase + "/bill99")
        let bill99Credentials = try Bill99Credentials.load(from: bill99Configuration)
        return Setup(
            wechat: WeChatPayV3Client(configuration: wechatConfiguration, credentials: wechatCredentials, httpClient: http),
            wechatNotify: WeChatPayNotifyVerifier(credentials: wechatCredentials, configuration: wechatConfiguration),
            alipay: AlipayClient(configuration: alipayConfiguration, credentials: alipayCredentials, httpClient: http),
            alipayNotify: AlipayNotifyVerifier(configuration: alipayConfiguration, credentials: alipayCredentials),
            bill99: Bill99Client(configuration: bill99Configuration, credentials: bill99Credentials, httpClient: http),
            bill99Notify: Bill99NotifyVerifier(configuration: bill99Configuration, credentials: bill99Credentials),
            baseURL: baseURL)
    }

    static func pay(_ http: HTTPClient, _ baseURL: String, _ channel: String, _ outTradeNo: String) async throws {
        var request = HTTPClientRequest(url: baseURL + "/sandbox/pay")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(Array(#"{"channel":"\#(channel)","outTradeNo":"\#(outTradeNo)"}"#.utf8))
        let response = try await http.execute(request, timeout: .seconds(5))
        #expect(response.status.code == 200)
    }

    static func waitForNotify(_ server: LocalHTTPServer, path: String) async throws -> LocalHTTPServer.Request {
        for _ in 0..<300 {
            if let found = server.received.first(where: { $0.uri == path }) { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw MissingValue(what: "a notify on \(path)")
    }

    /// A sandbox with default settings running in process for `body`, with an HTTP client and a directory for key files.
    static func withSandbox(
        _ body: (SandboxConfiguration, SandboxKeys, String, HTTPClient, TemporaryDirectory) async throws -> Void
    ) async throws {
        let sim = SandboxConfiguration()
        let keys = try SandboxKeys.generate()
        let sandbox = try ChannelSandbox(configuration: sim, keys: keys)
        let task = Task { try await sandbox.run() }
        defer { task.cancel() }
        let baseURL = try await sandbox.baseURL()
        try await withHTTPClient { http in try await body(sim, keys, baseURL, http, try TemporaryDirectory()) }
        task.cancel()
        _ = await task.result
    }

    @Test func clientsAndVerifiersAgreeWithTheSimulator() async throws {
        var sim = SandboxConfiguration()
        sim.settleDelay = .milliseconds(50)
        sim.notifyRetrySchedule = [.milliseconds(100)]
        let keys = try SandboxKeys.generate()
        let sandbox = try ChannelSandbox(configuration: sim, keys: keys)
        let task = Task { try await sandbox.run() }
        defer { task.cancel() }
        let baseURL = try await sandbox.baseURL()
        try await withServer({ _, _ in LocalHTTPServer.Reply(status: 200, body: Array("success".utf8)) }) { notifies in
            try await withHTTPClient { http in
                let directory = try TemporaryDirectory()
                let s = try Self.setup(keys, sim, baseURL: baseURL, notifyBase: notifies.baseURL, http: http, directory: directory)

                // WeChat Pay: order, pay, notify, query, refund, transfer.
                let order = PaymentOrder(outTradeNo: "W20240001", amount: try Amount.parseYuan("12.30"), description: "充值")
                #expect(try await s.wechat.createQRPayment(order).codeURL.hasPrefix("weixin://"))
                #expect(try await s.wechat.queryPayment(outTradeNo: "W20240001").state == .notPaid)
                try await Self.pay(http, baseURL, "wechat", "W20240001")
                let wechatNotify = try await Self.waitForNotify(notifies, path: "/wechat")
                let notification = try s.wechatNotify.verify(
                    headers: WeChatPayNotifyHeaders(wechatNotify.headers), body: wechatNotify.body, now: Date())
                guard case .transaction(let transaction) = notification.event else {
                    Issue.record("expected a transaction notify, got \(notification.event)")
                    return
                }
                #expect(transaction.outTradeNo == "W20240001" && transaction.total?.fen == 1230 && transaction.state == .succeeded)
                let paid = try await s.wechat.queryPayment(outTradeNo: "W20240001")
                #expect(paid.state == .succeeded && paid.amount?.fen == 1230 && paid.transactionID == transaction.transactionID)
                let refund = try await s.wechat.refund(
                    RefundRequest(outTradeNo: "W20240001", outRefundNo: "WR1", refundAmount: try Amount.parseYuan("1.30"),
                                  totalAmount: try Amount.parseYuan("12.30")))
                #expect(refund.refundAmount.fen == 130)
                #expect(try await s.wechat.queryRefund(outTradeNo: "W20240001", outRefundNo: "WR1").outRefundNo == "WR1")
                let missing = await #expect(throws: ChannelError.self) { try await s.wechat.queryPayment(outTradeNo: "NOSUCH01") }
                #expect(missing?.code == .notFound)
                _ = try await s.wechat.createQRPayment(PaymentOrder(outTradeNo: "W20240002", amount: try Amount(fen: 1), description: "x"))
                try await s.wechat.closePayment(outTradeNo: "W20240002")
                #expect(try await s.wechat.queryPayment(outTradeNo: "W20240002").state == .closed)
                let transfer = try await s.wechat.requestPayout(
                    PayoutRequest(payoutID: "WT20240001", amount: try Amount.parseYuan("0.50"),
                                  destination: .wechatBalance(openID: "oUser1"), remark: "提现"))
                #expect(transfer.payoutID == "WT20240001")
                #expect(try await s.wechat.queryPayout(payoutID: "WT20240001").payoutID == "WT20240001")

                // Alipay: precreate, pay, notify, query, refund; the page-pay URL is accepted.
                let alipayOrder = PaymentOrder(outTradeNo: "A20240001", amount: try Amount.parseYuan("0.01"), description: "充值")
                #expect(try await s.alipay.createQRPayment(alipayOrder).codeURL.hasPrefix("https://"))
                // Not scanned yet: Alipay does not know the trade (ACQ.TRADE_NOT_EXIST, signed).
                let unscanned = await #expect(throws: ChannelError.self) { try await s.alipay.queryPayment(outTradeNo: "A20240001") }
                #expect(unscanned?.code == .notFound, "\(String(describing: unscanned))")
                try await Self.pay(http, baseURL, "alipay", "A20240001")
                let alipayNotify = try await Self.waitForNotify(notifies, path: "/alipay")
                let trade = try s.alipayNotify.verifyTradeNotify(formBody: alipayNotify.body)
                #expect(trade.outTradeNo == "A20240001" && trade.totalAmount.fen == 1 && trade.state == .succeeded)
                let alipayPaid = try await s.alipay.queryPayment(outTradeNo: "A20240001")
                #expect(alipayPaid.state == .succeeded && alipayPaid.amount?.fen == 1 && alipayPaid.transactionID == trade.tradeNo)
                let alipayRefund = try await s.alipay.refund(
                    RefundRequest(outTradeNo: "A20240001", outRefundNo: "AR1", refundAmount: try Amount(fen: 1), totalAmount: try Amount(fen: 1)))
                #expect(alipayRefund.state == .succeeded && alipayRefund.totalRefunded?.fen == 1)
                let pageURL = try s.alipay.pagePayURL(
                    PaymentOrder(outTradeNo: "A20240002", amount: try Amount.parseYuan("5.00"), description: "网页支付"))
                let page = try await http.execute(HTTPClientRequest(url: pageURL), timeout: .seconds(5))
                #expect(page.status.code == 200, "page pay URL refused: \(page.status)")
                #expect(try await s.alipay.queryPayment(outTradeNo: "A20240002").state == .notPaid)

                // Bill99: pay to bank, query, notify.
                let payout = try await s.bill99.requestPayout(
                    PayoutRequest(payoutID: "B20240001", amount: try Amount.parseYuan("100.00"),
                                  destination: .bankAccount(BankAccount(accountNumber: "6222020200112233445", holderName: "张三", bankName: "工商银行")),
                                  remark: "提现"))
                #expect(payout.state == .processing && payout.amount?.fen == 10_000)
                let bill99Notify = try await Self.waitForNotify(notifies, path: "/bill99")
                let final = try s.bill99Notify.verify(body: bill99Notify.body)
                #expect(final.payoutID == "B20240001" && final.state != .processing)
                #expect(try await s.bill99.queryPayout(payoutID: "B20240001").state == final.state)
            }
        }
        task.cancel()
        _ = await task.result
    }

    @Test func cardVerificationAndTheSimulatedSMSGatewayAgreeWithTheSimulator() async throws {
        try await Self.withSandbox { sim, keys, baseURL, http, directory in
            let s = try Self.setup(keys, sim, baseURL: baseURL, notifyBase: baseURL, http: http, directory: directory)
            // A built-in test card of the simulated bank: the four elements match; any other is refused.
            let card = CardElements(cardNumber: "6222020200112233445", realName: "张三", idNumber: "110101199003071233", phone: "13800000000")
            #expect(try await s.bill99.verifyCard(card, reference: "BCtest1") == .match(bankName: "ICBC"))
            var wrong = card
            wrong.phone = "13800000001"
            #expect(try await s.bill99.verifyCard(wrong, reference: "BCtest2") == .mismatch)
            wrong = card
            wrong.cardNumber = "6222020200112233446"
            #expect(try await s.bill99.verifyCard(wrong, reference: "BCtest3") == .noSuchCard)
            // The elements never show in the value's description.
            #expect(!"\(card)".contains("6222020200112233445") && !"\(card)".contains("张三") && !String(reflecting: card).contains("13800000000"))

            // The SIMULATED SMS gateway records what it is asked to send.
            let gateway = SimulatedSMSGateway(baseURL: baseURL, httpClient: http)
            let id = try await gateway.send(phone: "13800000000", text: "123456 is your code")
            var request = HTTPClientRequest(url: baseURL + "/sandbox/sms?phone=13800000000")
            request.method = .GET
            let response = try await http.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            let messages = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [[String: Any]]
            #expect(messages?.count == 1 && messages?.first?["messageId"] as? String == id && messages?.first?["text"] as? String == "123456 is your code")
            await #expect(throws: SMSGatewayError.self) { _ = try await gateway.send(phone: "x", text: "hi") }
            await #expect(throws: SMSGatewayError.self) { _ = try await UnconfiguredSMSGateway().send(phone: "13800000000", text: "hi") }
        }
    }

    /// WeChat's web authorization: a code the simulated user consented to gives their openid once; a used,
    /// unknown or wrongly authenticated exchange is refused with WeChat's errcode.
    @Test func theOAuthCodeExchangeAgreesWithTheSimulator() async throws {
        try await Self.withSandbox { sim, keys, baseURL, http, directory in
            func consent(_ openid: String) async throws -> String {
                var request = HTTPClientRequest(url: baseURL + "/sandbox/wechat/authorize")
                request.method = .POST
                request.body = .bytes(Array(#"{"openid":"\#(openid)"}"#.utf8))
                let response = try await http.execute(request, timeout: .seconds(10))
                let body = try await response.body.collect(upTo: 1 << 20)
                let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
                return try #require(object?["code"] as? String)
            }
            let client = try WeChatOAuthClient(
                appID: sim.wechatAppID, appSecretPath: try directory.write("secret", keys.wechatAppSecret), baseURL: baseURL, httpClient: http)
            let code = try await consent("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
            #expect(try await client.openID(forCode: code) == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
            func refusal(_ body: () async throws -> String) async -> String? {
                do {
                    _ = try await body()
                    return nil
                } catch let error as ChannelError {
                    return error.code == .rejected ? error.channelCode : "\(error.code)"
                } catch {
                    return "\(error)"
                }
            }
            #expect(await refusal { try await client.openID(forCode: code) } == "40163", "a code is redeemed once")
            #expect(await refusal { try await client.openID(forCode: "0000000000000000") } == "40029")
            let wrongSecret = try WeChatOAuthClient(
                appID: sim.wechatAppID, appSecretPath: try directory.write("wrong", "not-the-secret"), baseURL: baseURL, httpClient: http)
            let fresh = try await consent("o-second")
            #expect(await refusal { try await wrongSecret.openID(forCode: fresh) } == "40125")
            let wrongApp = try WeChatOAuthClient(
                appID: "wx0000000000000000", appSecretPath: try directory.write("secret2", keys.wechatAppSecret), baseURL: baseURL, httpClient: http)
            #expect(await refusal { try await wrongApp.openID(forCode: fresh) } == "40013")
            // Refused exchanges did not spend it.
            #expect(try await client.openID(forCode: fresh) == "o-second")
            #expect(await refusal { try await client.openID(forCode: "bad code") } == "channel.invalid_request")
            // The secret never shows in an error.
            do {
                _ = try await wrongSecret.openID(forCode: fresh)
            } catch {
                #expect(!"\(error)".contains(keys.wechatAppSecret) && !"\(error)".contains("not-the-secret"))
            }
        }
    }
}
