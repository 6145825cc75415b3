import Cryptography
import Foundation

/// WeChat Pay API v3 signatures as the channel makes and checks them (SHA256withRSA, PKCS#1 v1.5, Base64).
///
/// Guarantees: a request passes ``verifyRequest(method:target:body:authorization:now:)`` only if its
/// Authorization header names the configured mchid (and merchant serial, when known), its timestamp is less than
/// the tolerance away from now, and its signature over "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n" verifies with the
/// merchant's public key. Responses and notifies are signed over "TIMESTAMP\nNONCE\nBODY\n" with the platform key.
struct WeChatPaySigning: Sendable {
    let keys: SandboxKeys
    let merchantID: String
    let tolerance: Duration

    static let scheme = "WECHATPAY2-SHA256-RSA2048"

    struct Authorization: Equatable {
        var mchid: String
        var nonce: String
        var timestamp: String
        var serial: String
        var signature: String
    }

    /// Parses `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`.
    static func parseAuthorization(_ header: String) -> Authorization? {
        let trimmed = header.trimmingWhitespace
        guard trimmed.hasPrefix(scheme + " ") else { return nil }
        var fields: [String: String] = [:]
        for part in trimmed.dropFirst(scheme.count + 1).split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2 else { return nil }
            var value = pieces[1].trimmingWhitespace
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            fields[pieces[0].trimmingWhitespace] = value
        }
        guard let mchid = fields["mchid"], let nonce = fields["nonce_str"], let timestamp = fields["timestamp"],
            let serial = fields["serial_no"], let signature = fields["signature"]
        else { return nil }
        return Authorization(mchid: mchid, nonce: nonce, timestamp: timestamp, serial: serial, signature: signature)
    }

    /// The bytes a request signature covers.
    static func requestMessage(method: String, target: String, timestamp: String, nonce: String, body: [UInt8]) -> [UInt8] {
        Array("\(method)\n\(target)\n\(timestamp)\n\(nonce)\n".utf8) + body + [0x0A]
    }

    /// The bytes a response or notify signature covers.
    static func responseMessage(timestamp: String, nonce: String, body: [UInt8]) -> [UInt8] {
        Array("\(timestamp)\n\(nonce)\n".utf8) + body + [0x0A]
    }

    /// nil when the request is authentic, else why not (the message of the 401 SIGN_ERROR answer).
    func verifyRequest(method: String, target: String, body: [UInt8], authorization: String?, now: Date) -> String? {
        guard let header = authorization, !header.isEmpty else { return "Authorization header is missing" }
        guard let auth = Self.parseAuthorization(header) else {
            return "Authorization header is not \(Self.scheme) with mchid, nonce_str, timestamp, serial_no, signature"
        }
        guard auth.mchid == merchantID else { return "mchid \(auth.mchid) is not this merchant" }
        if let serial = keys.wechatMerchantSerial, auth.serial.uppercased() != serial.uppercased() {
            return "serial_no \(auth.serial) is not the merchant certificate's serial"
        }
        guard let seconds = Int64(auth.timestamp) else { return "timestamp is not a number" }
        let skew = abs(Double(seconds) - now.timeIntervalSince1970)
        guard skew < Double(tolerance.components.seconds) else { return "timestamp is \(Int(skew))s away from now" }
        guard let signature = try? Base64.decode(auth.signature) else { return "signature is not Base64" }
        let message = Self.requestMessage(
            method: method, target: target, timestamp: auth.timestamp, nonce: auth.nonce, body: body)
        guard keys.wechatMerchantPublicKey.isValidSignatureSHA256(signature, for: message) else {
            return "signature does not verify with the merchant's public key"
        }
        return nil
    }

    /// `Wechatpay-Timestamp`, `-Nonce`, `-Signature`, `-Serial` and `-Signature-Type` for `body`. `rogue` signs
    /// with an untrusted key; `timestampOffset` shifts the timestamp (both for fault injection).
    func signatureHeaders(
        body: [UInt8], now: Date, rogue: Bool = false, timestampOffset: Int = 0
    ) throws -> [(String, String)] {
        let timestamp = String(Int64(now.timeIntervalSince1970) + Int64(timestampOffset))
        let nonce = SandboxID.nonce()
        let key = rogue ? keys.rogueKey : keys.wechatPlatformKey
        let signature = try key.signatureSHA256(for: Self.responseMessage(timestamp: timestamp, nonce: nonce, body: body))
        return [
            ("Wechatpay-Timestamp", timestamp), ("Wechatpay-Nonce", nonce), ("Wechatpay-Signature", Base64.encode(signature)),
            ("Wechatpay-Serial", keys.wechatPlatformSerial), ("Wechatpay-Signature-Type", Self.scheme),
        ]
    }

    /// The `resource` of a notify: `plaintext` sealed with AEAD_AES_256_GCM under the APIv3 key, a fresh 12-character
    /// nonce and `associatedData`, ciphertext = Base64(data || tag).
    func encryptResource(_ plaintext: [UInt8], originalType: String, associatedData: String) throws
        -> WeChatNotifyEnvelope.Resource
    {
        let nonce = SandboxID.alphanumeric(12)
        let box = try AES256GCM.seal(
            plaintext, key: Array(keys.wechatAPIv3Key.utf8), nonce: Array(nonce.utf8),
            authenticating: Array(associatedData.utf8))
        return .init(
            original_type: originalType, algorithm: "AEAD_AES_256_GCM", ciphertext: Base64.encode(box.ciphertextAndTag),
            associated_data: associatedData, nonce: nonce)
    }
}
