import AsyncHTTPClient
import Cryptography
import Foundation
import PaystreamCore
import Testing

@testable import Channels

/// Request signing (vector and round trip), response verification, and loading keys from files.
@Suite struct WeChatPaySigningTests {
    @Test func requestSignatureReproducesTheVector() throws {
        let vector = try Vector("wechatpay_v3_request_sign_h5_yansongda-pay.json")
        let key = try RSAPrivateKey(pemRepresentation: try vector.string("merchant_private_key_pem"))
        let certificate = try X509Certificate(pemRepresentation: try vector.string("merchant_public_key_pem"))
        let signer = WeChatPayRequestSigner(
            merchantID: "1600314069", certificateSerial: certificate.serialNumberHex, privateKey: key)
        let method = try vector.string("method")
        let url = try vector.string("url")
        let timestamp = try vector.string("timestamp")
        let nonce = try vector.string("nonce")
        let body = try vector.bytes("body")
        #expect(
            WeChatPayRequestSigner.message(method: method, url: url, timestamp: timestamp, nonce: nonce, body: body)
                == (try vector.bytes("message")))
        let expected = try vector.string("expected_signature")
        #expect(try signer.signature(method: method, url: url, timestamp: timestamp, nonce: nonce, body: body) == expected)
        let header = try signer.authorization(method: method, url: url, timestamp: timestamp, nonce: nonce, body: body)
        #expect(
            header
                == "WECHATPAY2-SHA256-RSA2048 mchid=\"1600314069\",nonce_str=\"\(nonce)\",timestamp=\"\(timestamp)\","
                + "serial_no=\"\(certificate.serialNumberHex)\",signature=\"\(expected)\"")
        // One body byte changed gives another signature.
        #expect(
            try signer.signature(method: method, url: url, timestamp: timestamp, nonce: nonce, body: body.tampered(at: 5))
                != expected)
    }

    /// Parses `k="v",…` after the scheme.
    static func authorizationFields(_ header: String) throws -> [String: String] {
        let prefix = "WECHATPAY2-SHA256-RSA2048 "
        #expect(header.hasPrefix(prefix))
        var fields: [String: String] = [:]
        for part in header.dropFirst(prefix.count).split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1)
            fields[String(pieces[0])] = String(pieces[1].dropFirst().dropLast())
        }
        return fields
    }

    @Test func authorizationVerifiesWithTheMerchantPublicKey() throws {
        let signer = WeChatPayRequestSigner(
            merchantID: "1900000109", certificateSerial: "ABC123", privateKey: TestKeys.merchant)
        let body = Array(#"{"amount":{"total":1230},"out_trade_no":"ORDER0001"}"#.utf8)
        let nonce = ChannelIdentifiers.nonce()
        #expect(nonce.count == 32 && nonce.allSatisfy { $0.isLetter || $0.isNumber })
        let header = try signer.authorization(
            method: "POST", url: "/v3/pay/transactions/native", timestamp: "1700000000", nonce: nonce, body: body)
        let fields = try Self.authorizationFields(header)
        #expect(fields["mchid"] == "1900000109" && fields["serial_no"] == "ABC123" && fields["nonce_str"] == nonce)
        let signature = try Base64.decode(try #require(fields["signature"]))
        let message = "POST\n/v3/pay/transactions/native\n1700000000\n\(nonce)\n" + String(decoding: body, as: UTF8.self) + "\n"
        #expect(TestKeys.merchant.publicKey.isValidSignatureSHA256(signature, for: message))
        #expect(!TestKeys.merchant.publicKey.isValidSignatureSHA256(signature, for: message.replacingOccurrences(of: "1230", with: "1231")))
        #expect(!TestKeys.rogue.publicKey.isValidSignatureSHA256(signature, for: message))
    }

    /// The response vector through the check every client answer goes through.
    @Test func responseVectorVerifies() throws {
        let vector = try Vector("wechatpay_v3_response_verify_h5_yansongda-pay.json")
        let certificate = try X509Certificate(pemRepresentation: try vector.string("public_key_pem"))
        let headers = WeChatPayNotifyHeaders(try vector.stringMap("headers"))
        // The SDK's test maps the header's serial to this certificate's key.
        let check = WeChatPaySignatureCheck(
            platformKeys: WeChatPayPlatformKeys([try need(headers.serial): try certificate.publicKey]),
            maximumSkew: .seconds(300))
        let body = try vector.bytes("body")
        let now = Date(timeIntervalSince1970: try need(TimeInterval(try need(headers.timestamp))))
        func run(_ body: [UInt8], _ headers: WeChatPayNotifyHeaders, _ now: Date) -> WeChatPaySignatureCheck.Failure? {
            check.check(
                timestamp: headers.timestamp, nonce: headers.nonce, signature: headers.signature, serial: headers.serial,
                body: body, now: now)
        }
        #expect(run(body, headers, now) == nil)
        #expect(run(body.tampered(at: 20), headers, now) == .badSignature)
        #expect(run(body, headers, now + 300) == .expired(seconds: 300))
        var unknown = headers
        unknown.serial = "00FF"
        #expect(run(body, unknown, now) == .unknownKey("00FF"))
        let rogue = WeChatPaySignatureCheck(
            platformKeys: WeChatPayPlatformKeys([try #require(headers.serial): TestKeys.rogue.publicKey]),
            maximumSkew: .seconds(300))
        #expect(
            rogue.check(
                timestamp: headers.timestamp, nonce: headers.nonce, signature: headers.signature, serial: headers.serial,
                body: body, now: now) == .badSignature)
    }

    /// The java vector's key and certificate written to files and loaded as production loads them.
    @Test func credentialsLoadFromFiles() throws {
        let vector = try Vector("wechatpay_v3_rsa_sha256_sign_wechatpay-java.json")
        let directory = try TemporaryDirectory()
        let configuration = WeChatPayConfiguration(
            merchantID: try vector.string("merchant_id"), appID: "wx1",
            merchantPrivateKeyPath: try directory.write("key.pem", try vector.string("private_key_pem")),
            merchantCertificateSerial: try vector.string("merchant_certificate_serial"),
            apiV3KeyPath: try directory.write("v3", "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb\n"),
            platformCertificatePaths: [try directory.write("cert.pem", try vector.string("certificate_pem"))],
            notifyURL: "https://example/notify")
        let credentials = try WeChatPayCredentials.load(from: configuration)
        let serial = try vector.string("merchant_certificate_serial")
        #expect(credentials.platformKeys.serials == [serial])
        #expect(credentials.platformKeys.key(forSerial: serial.lowercased()) == credentials.merchantPrivateKey.publicKey)

        var missing = configuration
        missing.merchantPrivateKeyPath = directory.url.appendingPathComponent("absent.pem").path
        #expect(throws: ChannelError.self) { try WeChatPayCredentials.load(from: missing) }
        var noPlatform = configuration
        noPlatform.platformCertificatePaths = []
        let error = #expect(throws: ChannelError.self) { try WeChatPayCredentials.load(from: noPlatform) }
        #expect(error?.code == .configuration)
        var badKey = configuration
        badKey.apiV3KeyPath = try directory.write("short", "tooShort")
        #expect(throws: ChannelError.self) { try WeChatPayCredentials.load(from: badKey) }
    }
}
