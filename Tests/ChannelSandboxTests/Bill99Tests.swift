import Cryptography
import Foundation
import Testing

@testable import ChannelSandbox

@Suite("Bill99 pay-to-bank (simulated)")
struct Bill99Tests {
    static func request(_ sandbox: TestSandbox, root: String, original: String, key: RSAPrivateKey) throws -> String {
        let signature = try key.signatureSHA256(for: original)
        return """
            <?xml version="1.0" encoding="UTF-8"?><\(root)><head><version>1.0</version>\
            <memberCode>\(sandbox.configuration.bill99MemberCode)</memberCode></head><requestBody><sealDataType>\
            <originalData>\(Base64.encode(Array(original.utf8)))</originalData>\
            <signedData>\(Base64.encode(signature))</signedData></sealDataType></requestBody></\(root)>
            """
    }

    /// The result XML sealed in an answer or notify, after checking its signature with the Bill99 public key.
    static func openResult(_ sandbox: TestSandbox, _ xml: String) throws -> String {
        func element(_ name: String) -> String? {
            guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>") else { return nil }
            return String(xml[start.upperBound..<end.lowerBound])
        }
        let original = try Base64.decode(try #require(element("originalData")))
        let signature = try Base64.decode(try #require(element("signedData")))
        #expect(try sandbox.bill99PublicKey().isValidSignatureSHA256(signature, for: original))
        return String(decoding: original, as: UTF8.self)
    }

    @Test("pay2bank is accepted as 101, finishes 111 with a signed notify; a bad signature is 0001")
    func payToBank() async throws {
        try await withReceiver { receiver in try await withSandbox { sandbox in
            let key = try sandbox.merchantKey(SandboxStateFiles.bill99MerchantPrivateKey)
            let order = """
                <pay2bankOrder><orderId>W20240501001</orderId><amount>150000</amount><bankName>招商银行</bankName>\
                <creditName>张三</creditName><bankAcctId>6225880112345678</bankAcctId><province>广东</province>\
                <city>深圳</city><remark>withdrawal</remark><feeAction>0</feeAction><notifyUrl>\(receiver.url)</notifyUrl></pay2bankOrder>
                """
            let body = try Self.request(sandbox, root: "pay2bankRequest", original: order, key: key)
            let answer = try await http("POST", sandbox.baseURL + Bill99Endpoints.payPath, body: Array(body.utf8), headers: ["Content-Type": "text/xml"])
            #expect(answer.text.contains("<errorCode>0000</errorCode>"), "\(answer.text)")
            #expect(try Self.openResult(sandbox, answer.text).contains("<status>101</status>"))

            let notifies = try await receiver.wait(for: 1)
            try #require(notifies.count == 1)
            #expect(notifies[0].text.contains("<pay2bankNotify>"))
            #expect(try Self.openResult(sandbox, notifies[0].text).contains("<status>111</status>"))

            let query = try Self.request(
                sandbox, root: "pay2bankSearchRequest", original: "<pay2bankSearchOrder><orderId>W20240501001</orderId></pay2bankSearchOrder>",
                key: key)
            let found = try await http("POST", sandbox.baseURL + Bill99Endpoints.queryPath, body: Array(query.utf8))
            #expect(try Self.openResult(sandbox, found.text).contains("<status>111</status>"))

            let rogue = try Self.request(sandbox, root: "pay2bankRequest", original: order, key: try RSAPrivateKey.generate())
            let refused = try await http("POST", sandbox.baseURL + Bill99Endpoints.payPath, body: Array(rogue.utf8))
            #expect(refused.text.contains("<errorCode>0001</errorCode>"))

            try await sandbox.faults(#"{"payouts":{"fail":true,"failReason":"账户已销户"}}"#)
            let second = try Self.request(
                sandbox, root: "pay2bankRequest", original: order.replacingOccurrences(of: "W20240501001", with: "W20240501002"), key: key)
            _ = try await http("POST", sandbox.baseURL + Bill99Endpoints.payPath, body: Array(second.utf8))
            let failed = try await receiver.wait(for: 2)
            try #require(failed.count == 2)
            let result = try Self.openResult(sandbox, failed[1].text)
            #expect(result.contains("<status>112</status>") && result.contains("账户已销户"))
        } }
    }
}
