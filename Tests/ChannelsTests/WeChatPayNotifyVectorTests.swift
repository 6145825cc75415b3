import Cryptography
import Foundation
import PaystreamCore
import Testing

@testable import Channels

/// The published WeChat Pay v3 notify vectors, verified and decrypted through WeChatPayNotifyVerifier, and their
/// tampered variants.
@Suite struct WeChatPayNotifyVectorTests {
    struct E2E {
        let verifier: WeChatPayNotifyVerifier
        let headers: WeChatPayNotifyHeaders
        let body: [UInt8]
        let timestamp: Date
        let expected: String
        let apiV3Key: WeChatPayAPIv3Key
        let certificate: X509Certificate
    }

    static func e2e(_ file: String) throws -> E2E {
        let vector = try Vector(file)
        let pem = try (vector.fields["platform_certificate_pem"] as? String) ?? vector.string("public_key_pem")
        let certificate = try X509Certificate(pemRepresentation: pem)
        let keyText = try vector.string("mch_apiv3_key")
        let apiV3Key =
            keyText.utf8.count == 32 ? try WeChatPayAPIv3Key(keyText) : try WeChatPayAPIv3Key(sdkTestVectorKey: keyText)
        let headers = WeChatPayNotifyHeaders(try vector.stringMap("headers"))
        let seconds = try need(TimeInterval(try need(headers.timestamp)))
        // The SDKs' tests map the header's serial to this key (yansongda's certificate has another serial).
        let platformKeys = WeChatPayPlatformKeys([try need(headers.serial): try certificate.publicKey])
        return E2E(
            verifier: WeChatPayNotifyVerifier(apiV3Key: apiV3Key, platformKeys: platformKeys),
            headers: headers, body: try vector.bytes("body"), timestamp: Date(timeIntervalSince1970: seconds),
            expected: try vector.string("expected_plaintext"), apiV3Key: apiV3Key, certificate: certificate)
    }

    static let files = ["wechatpay_v3_notify_e2e_wechatpay-go.json", "wechatpay_v3_notify_e2e_yansongda-pay.json"]

    @Test(arguments: files)
    func verifiesAndDecrypts(file: String) throws {
        let e = try Self.e2e(file)
        for skew in [0.0, 299, -299] {
            let notification = try e.verifier.verify(headers: e.headers, body: e.body, now: e.timestamp + skew)
            #expect(String(decoding: notification.plaintext, as: UTF8.self) == e.expected)
            #expect(notification.event == .other)
        }
    }

    @Test(arguments: files)
    func tamperedBodyFailsSignature(file: String) throws {
        let e = try Self.e2e(file)
        // One byte inside the ciphertext, and one in the surrounding JSON.
        for index in [e.body.count / 2, 2] {
            let error = #expect(throws: NotifyVerificationError.self) {
                try e.verifier.verify(headers: e.headers, body: e.body.tampered(at: index), now: e.timestamp)
            }
            #expect(error?.code == .badSignature)
            #expect(error?.code.rawValue == "notify.bad_signature")
        }
    }

    @Test(arguments: files)
    func staleTimestampIsExpired(file: String) throws {
        let e = try Self.e2e(file)
        for skew in [300.0, -300, 86_400] {
            let error = #expect(throws: NotifyVerificationError.self) {
                try e.verifier.verify(headers: e.headers, body: e.body, now: e.timestamp + skew)
            }
            #expect(error?.code.rawValue == "notify.expired_timestamp")
        }
    }

    @Test(arguments: files)
    func unknownSerialIsRejectedFirst(file: String) throws {
        let e = try Self.e2e(file)
        var headers = e.headers
        headers.serial = "0123456789ABCDEF"
        let error = #expect(throws: NotifyVerificationError.self) {
            try e.verifier.verify(headers: headers, body: e.body, now: e.timestamp)
        }
        #expect(error?.code.rawValue == "notify.unknown_key")
    }

    @Test(arguments: files)
    func wrongKeyUnderTheSameSerialFailsSignature(file: String) throws {
        let e = try Self.e2e(file)
        let verifier = WeChatPayNotifyVerifier(
            apiV3Key: e.apiV3Key,
            platformKeys: WeChatPayPlatformKeys([try #require(e.headers.serial): TestKeys.rogue.publicKey]))
        let error = #expect(throws: NotifyVerificationError.self) {
            try verifier.verify(headers: e.headers, body: e.body, now: e.timestamp)
        }
        #expect(error?.code == .badSignature)
    }

    @Test(arguments: files)
    func wrongAPIv3KeyFailsDecryption(file: String) throws {
        let e = try Self.e2e(file)
        let wrongKey =
            e.apiV3Key.bytes.count == 32
            ? try WeChatPayAPIv3Key(TestKeys.apiV3KeyText) : try WeChatPayAPIv3Key(sdkTestVectorKey: "0123456789abcdef")
        let verifier = WeChatPayNotifyVerifier(
            apiV3Key: wrongKey, platformKeys: WeChatPayPlatformKeys([try need(e.headers.serial): try e.certificate.publicKey]))
        let error = #expect(throws: NotifyVerificationError.self) {
            try verifier.verify(headers: e.headers, body: e.body, now: e.timestamp)
        }
        #expect(error?.code.rawValue == "notify.decryption_failed")
    }

    @Test func missingHeaderIsMalformed() throws {
        let e = try Self.e2e(Self.files[0])
        var headers = e.headers
        headers.signature = nil
        let error = #expect(throws: NotifyVerificationError.self) {
            try e.verifier.verify(headers: headers, body: e.body, now: e.timestamp)
        }
        #expect(error?.code.rawValue == "notify.malformed")
    }

    /// The yansongda resource is a platform certificate: it decrypts to the certificate the serial names.
    @Test func yansongdaResourceIsThePlatformCertificate() throws {
        let e = try Self.e2e(Self.files[1])
        let notification = try e.verifier.verify(headers: e.headers, body: e.body, now: e.timestamp)
        let certificate = try X509Certificate(pemRepresentation: String(decoding: notification.plaintext, as: UTF8.self))
        #expect(certificate.serialNumberHex == e.headers.serial)
    }

    @Test func headersAreFoundWhateverTheirCase() {
        let headers = WeChatPayNotifyHeaders([
            (name: "wechatpay-timestamp", value: "1"), (name: "WECHATPAY-NONCE", value: "n"),
            (name: "Wechatpay-Signature", value: "s"), (name: "wechatpay-serial", value: "AB"),
        ])
        #expect(headers == WeChatPayNotifyHeaders(timestamp: "1", nonce: "n", signature: "s", serial: "AB"))
    }
}

extension WeChatPayNotifyVectorTests {
    /// wechatpay-go's platform certificate is loaded as a certificate file would be: its own serial names it.
    @Test func wechatpayGoCertificateSerialNamesItsKey() throws {
        let vector = try Vector(Self.files[0])
        let certificate = try X509Certificate(pemRepresentation: try vector.string("platform_certificate_pem"))
        let e = try Self.e2e(Self.files[0])
        let verifier = WeChatPayNotifyVerifier(
            apiV3Key: e.apiV3Key, platformKeys: try WeChatPayPlatformKeys(certificates: [certificate]))
        let notification = try verifier.verify(headers: e.headers, body: e.body, now: e.timestamp)
        #expect(notification.eventType == "PAYSCORE.USER_OPEN_SERVICE" && notification.originalType == "payscore")
    }
}
