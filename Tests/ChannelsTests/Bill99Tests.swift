import AsyncHTTPClient
import Cryptography
import Foundation
import PaystreamCore
import Testing

@testable import Channels

/// Bill99 pay-to-bank under the simulator's contract: sealed requests, verified results, notifies.
@Suite struct Bill99Tests {
    static func result(orderID: String, status: String, amount: String = "150000") -> String {
        "<pay2bankResult><orderId>\(orderID)</orderId><dealId>D1</dealId><amount>\(amount)</amount><fee>0</fee>"
            + "<status>\(status)</status><errorCode>\(status == "112" ? "2001" : "0000")</errorCode>"
            + "<errorMsg>\(status == "112" ? "账户名不符" : "")</errorMsg><dealTime>2024-06-08 10:34:56</dealTime></pay2bankResult>"
    }

    /// A sealed message as Bill99 (the simulator) sends it; `tamper` changes the result after signing.
    static func sealed(
        root: String, body: String, inner: String, key: RSAPrivateKey = TestKeys.platform, memberCode: String = "10012138842",
        tamper: Bool = false
    ) -> String {
        let signature = try! key.signatureSHA256(for: Array(inner.utf8))
        let sent = tamper ? inner.replacingOccurrences(of: "<amount>", with: "<amount>1") : inner
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><\(root)><head><version>1.0</version><memberCode>\(memberCode)</memberCode></head>"
            + "<\(body)><errorCode>0000</errorCode><errorMsg>成功</errorMsg><sealDataType><originalData>"
            + Base64.encode(Array(sent.utf8)) + "</originalData><signedData>" + Base64.encode(signature)
            + "</signedData></sealDataType></\(body)></\(root)>"
    }

    static func client(_ server: LocalHTTPServer, _ http: HTTPClient) throws -> (Bill99Client, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let configuration = Bill99Configuration(
            memberCode: "10012138842", merchantPrivateKeyPath: try directory.write("m.pem", TestKeys.merchant.pemRepresentation),
            bill99PublicKeyPath: try directory.write("b.pem", try TestKeys.platform.publicKey.pemRepresentation),
            baseURL: server.baseURL, notifyURL: "https://paystream.example/notify/bill99", http: WeChatPayHTTPTests.fast)
        return (try Bill99Client(configuration: configuration, httpClient: http), directory)
    }

    static let request = PayoutRequest(
        payoutID: "B2024000001", amount: try! Amount.parseYuan("1500.00"),
        destination: .bankAccount(BankAccount(accountNumber: "6222020200112233445", holderName: "张三", bankName: "工商银行")),
        remark: "提现")

    /// The order XML if the request is sealed and verifies with the merchant key.
    static func order(_ request: LocalHTTPServer.Request) -> String? {
        let text = String(decoding: request.body, as: UTF8.self)
        guard let original = try? Bill99XML.value("originalData", in: text), let signed = try? Bill99XML.value("signedData", in: text),
            let bytes = try? Base64.decode(original), let signature = try? Base64.decode(signed),
            TestKeys.merchant.publicKey.isValidSignatureSHA256(signature, for: bytes),
            (try? Bill99XML.value("memberCode", in: text)) == "10012138842"
        else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func payoutIsSealedAndTheResultVerified() async throws {
        try await withServer({ index, request in
            guard let order = Self.order(request), request.uri == "/bill99/pay2bank" || request.uri == "/bill99/pay2bank/query"
            else {
                return LocalHTTPServer.Reply(status: 200, body: Array("<pay2bankResponse><responseBody><errorCode>0001</errorCode><errorMsg>签名验证失败</errorMsg></responseBody></pay2bankResponse>".utf8))
            }
            guard (try? Bill99XML.value("amount", in: order)) == "150000" || request.uri.hasSuffix("query"),
                (try? Bill99XML.value("bankAcctId", in: order)) == "6222020200112233445" || request.uri.hasSuffix("query")
            else { return LocalHTTPServer.Reply(status: 400) }
            let status = index == 0 ? "101" : "111"
            return LocalHTTPServer.Reply(
                status: 200,
                body: Array(Self.sealed(root: "pay2bankResponse", body: "responseBody", inner: Self.result(orderID: "B2024000001", status: status)).utf8))
        }) { server in
            try await withHTTPClient { http in
                let (client, _) = try Self.client(server, http)
                let first = try await client.requestPayout(Self.request)
                #expect(first.state == .processing && first.rawState == "101" && first.amount?.fen == 150_000)
                let second = try await client.queryPayout(payoutID: "B2024000001")
                #expect(second.state == .succeeded && second.channelPayoutID == "D1")
                #expect(second.updatedAt == ChannelTime.parseShanghaiDateTime("2024-06-08 10:34:56"))
            }
        }
    }

    @Test func untrustedAnswersAreRefused() async throws {
        let cases: [(String, ChannelError.Code)] = [
            (Self.sealed(root: "pay2bankResponse", body: "responseBody", inner: Self.result(orderID: "B2024000001", status: "111"), tamper: true), .badResponseSignature),
            (Self.sealed(root: "pay2bankResponse", body: "responseBody", inner: Self.result(orderID: "B2024000001", status: "111"), key: TestKeys.rogue), .badResponseSignature),
            (Self.sealed(root: "pay2bankResponse", body: "responseBody", inner: Self.result(orderID: "B9", status: "111")), .malformedResponse),
            (Self.sealed(root: "pay2bankResponse", body: "responseBody", inner: Self.result(orderID: "B2024000001", status: "111", amount: "1")), .malformedResponse),
            ("<pay2bankResponse><responseBody><errorCode>0003</errorCode><errorMsg>重复</errorMsg></responseBody></pay2bankResponse>", .rejected),
        ]
        for (body, code) in cases {
            try await withServer({ _, _ in LocalHTTPServer.Reply(status: 200, body: Array(body.utf8)) }) { server in
                try await withHTTPClient { http in
                    let (client, _) = try Self.client(server, http)
                    let error = await #expect(throws: ChannelError.self) { try await client.requestPayout(Self.request) }
                    #expect(error?.code == code, "\(String(describing: error))")
                }
            }
        }
    }

    /// A query for an orderId Bill99 does not hold (errorCode 0004) is `.notFound`, which the payout dispatcher
    /// takes as "never made"; any other refusal of a query stays `.rejected`, and a refusal of the payout request
    /// itself is `.rejected` whatever its code.
    @Test func aQueryForAnUnknownOrderIsNotFound() async throws {
        let unknown = "<pay2bankSearchResponse><responseBody><errorCode>0004</errorCode><errorMsg>订单不存在</errorMsg></responseBody></pay2bankSearchResponse>"
        let busy = "<pay2bankSearchResponse><responseBody><errorCode>9999</errorCode><errorMsg>系统繁忙</errorMsg></responseBody></pay2bankSearchResponse>"
        for (body, code) in [(unknown, ChannelError.Code.notFound), (busy, .rejected)] {
            try await withServer({ _, _ in LocalHTTPServer.Reply(status: 200, body: Array(body.utf8)) }) { server in
                try await withHTTPClient { http in
                    let (client, _) = try Self.client(server, http)
                    let error = await #expect(throws: ChannelError.self) { try await client.queryPayout(payoutID: "B2024000001") }
                    #expect(error?.code == code && error?.channelCode != nil, "\(String(describing: error))")
                    let requestError = await #expect(throws: ChannelError.self) { try await client.requestPayout(Self.request) }
                    #expect(requestError?.code == .rejected, "\(String(describing: requestError))")
                }
            }
        }
    }

    @Test func notifyVerifies() throws {
        let verifier = Bill99NotifyVerifier(memberCode: "10012138842", bill99PublicKey: TestKeys.platform.publicKey)
        let failed = Self.sealed(root: "pay2bankNotify", body: "notifyBody", inner: Self.result(orderID: "B1", status: "112"))
        let status = try verifier.verify(body: Array(failed.utf8))
        #expect(status.state == .failed && status.failureReason == "账户名不符" && status.payoutID == "B1")

        // An empty dealId is no deal id: the paid-out event falls back to the order's own number, where an empty
        // token made an event the ledger refuses (the withdrawal stayed frozen, the notify answered 500 for good).
        let noDeal = Self.result(orderID: "B1", status: "111").replacingOccurrences(of: "<dealId>D1</dealId>", with: "<dealId/>")
        let paid = try verifier.verify(body: Array(Self.sealed(root: "pay2bankNotify", body: "notifyBody", inner: noDeal).utf8))
        #expect(paid.state == .succeeded && paid.channelPayoutID == nil)

        let inner = Self.result(orderID: "B1", status: "111")
        let cases: [(String, NotifyVerificationError.Code)] = [
            (Self.sealed(root: "pay2bankNotify", body: "notifyBody", inner: inner, tamper: true), .badSignature),
            (Self.sealed(root: "pay2bankNotify", body: "notifyBody", inner: inner, key: TestKeys.rogue), .badSignature),
            (Self.sealed(root: "pay2bankNotify", body: "notifyBody", inner: inner, memberCode: "999"), .recipientMismatch),
            ("<pay2bankNotify><notifyBody><errorCode>0000</errorCode></notifyBody></pay2bankNotify>", .malformed),
            (Self.sealed(root: "pay2bankNotify", body: "notifyBody", inner: inner + "<status>101</status>"), .malformed),
        ]
        for (body, code) in cases {
            let error = #expect(throws: NotifyVerificationError.self) { try verifier.verify(body: Array(body.utf8)) }
            #expect(error?.code == code)
        }
    }

    @Test func xmlIsEscapedAndRefusesDTDs() throws {
        #expect(Bill99XML.elements([("a", "<&>"), ("b", nil)]) == "<a>&lt;&amp;&gt;</a>")
        #expect(try Bill99XML.value("a", in: "<x><a>&lt;&amp;&gt;</a><ab>z</ab></x>") == "<&>")
        #expect(try Bill99XML.value("a", in: "<x><a><![CDATA[<b>]]></a></x>") == "<b>")
        #expect(throws: Bill99XML.Malformed.self) { try Bill99XML.value("a", in: "<!DOCTYPE x [<!ENTITY e \"y\">]><a>&e;</a>") }
        #expect(throws: Bill99XML.Malformed.self) { try Bill99XML.value("a", in: "<a>1</a><a>2</a>") }
    }
}
