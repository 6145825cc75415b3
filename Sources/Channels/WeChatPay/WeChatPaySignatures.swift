import Cryptography
import Foundation
import PaystreamCore

/// Makes the `Authorization` header of WeChat Pay API v3 requests.
///
/// Guarantees: the signature is SHA256withRSA (PKCS#1 v1.5) with the merchant key over exactly
/// "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n", where URL is the path and query as sent and BODY the exact body
/// bytes sent (empty for GET); the header names the merchant, the nonce, the timestamp and the merchant
/// certificate serial that WeChat Pay needs to verify it.
public struct WeChatPayRequestSigner: Sendable {
    public static let scheme = "WECHATPAY2-SHA256-RSA2048"

    public let merchantID: String
    public let certificateSerial: String
    let privateKey: RSAPrivateKey

    public init(merchantID: String, certificateSerial: String, privateKey: RSAPrivateKey) {
        self.merchantID = merchantID
        self.certificateSerial = certificateSerial
        self.privateKey = privateKey
    }

    /// The signed message: "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n".
    public static func message(method: String, url: String, timestamp: String, nonce: String, body: [UInt8]) -> [UInt8] {
        Array("\(method)\n\(url)\n\(timestamp)\n\(nonce)\n".utf8) + body + [0x0A]
    }

    /// The Base64 signature of one request.
    public func signature(method: String, url: String, timestamp: String, nonce: String, body: [UInt8]) throws(ChannelError)
        -> String
    {
        do {
            let message = Self.message(method: method, url: url, timestamp: timestamp, nonce: nonce, body: body)
            return Base64.encode(try privateKey.signatureSHA256(for: message))
        } catch {
            throw ChannelError(.configuration, channel: .wechat, operation: "sign", message: "cannot sign: \(error)")
        }
    }

    /// `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`.
    public func authorization(method: String, url: String, timestamp: String, nonce: String, body: [UInt8])
        throws(ChannelError) -> String
    {
        let signature = try signature(method: method, url: url, timestamp: timestamp, nonce: nonce, body: body)
        return "\(Self.scheme) mchid=\"\(merchantID)\",nonce_str=\"\(nonce)\",timestamp=\"\(timestamp)\","
            + "serial_no=\"\(certificateSerial)\",signature=\"\(signature)\""
    }
}

/// Checks a `Wechatpay-*` signature on an answer or a notify.
///
/// Guarantees: ``check(timestamp:nonce:signature:serial:body:now:)`` succeeds only if the serial names a
/// trusted platform key, the timestamp is less than ``maximumSkew`` away from `now` in either direction, and the
/// Base64 signature verifies as SHA256withRSA over exactly "TIMESTAMP\nNONCE\nBODY\n" with the body bytes as
/// received. Checks run in that order and the first failure is reported.
struct WeChatPaySignatureCheck: Sendable {
    enum Failure: Error, Equatable {
        case missingHeader(String)
        case unknownKey(String)
        case expired(seconds: Int64)
        case malformedTimestamp
        case badSignature
    }

    let platformKeys: WeChatPayPlatformKeys
    let maximumSkew: Duration

    static func message(timestamp: String, nonce: String, body: [UInt8]) -> [UInt8] {
        Array("\(timestamp)\n\(nonce)\n".utf8) + body + [0x0A]
    }

    func check(
        timestamp: String?, nonce: String?, signature: String?, serial: String?, body: [UInt8], now: Date
    ) -> Failure? {
        guard let serial, !serial.isEmpty else { return .missingHeader("Wechatpay-Serial") }
        guard let timestamp, !timestamp.isEmpty else { return .missingHeader("Wechatpay-Timestamp") }
        guard let nonce, !nonce.isEmpty else { return .missingHeader("Wechatpay-Nonce") }
        guard let signature, !signature.isEmpty else { return .missingHeader("Wechatpay-Signature") }
        guard let key = platformKeys.key(forSerial: serial) else { return .unknownKey(serial) }
        guard timestamp.utf8.count <= 12, timestamp.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let seconds = Int64(timestamp)
        else { return .malformedTimestamp }
        let skew = abs(seconds - Int64(now.timeIntervalSince1970.rounded(.down)))
        guard skew < maximumSkew.components.seconds else { return .expired(seconds: skew) }
        guard let signatureBytes = try? Base64.decode(signature),
            key.isValidSignatureSHA256(signatureBytes, for: Self.message(timestamp: timestamp, nonce: nonce, body: body))
        else { return .badSignature }
        return nil
    }
}
