import Cryptography
import Foundation
import PaystreamCore

/// WeChat Pay API v3 settings: identities, where the keys are, and where to call.
///
/// Guarantees: it holds file paths, never key material, so it can be logged and passed around freely; keys are
/// read only by ``WeChatPayCredentials/load(from:)``.
public struct WeChatPayConfiguration: Sendable, Equatable {
    /// The merchant number (mchid).
    public var merchantID: String
    /// The app (公众号/小程序/APP) the merchant is bound to.
    public var appID: String
    /// apiclient_key.pem: the merchant's PKCS#8 private key.
    public var merchantPrivateKeyPath: String
    /// The serial number of the merchant certificate (serial_no in the Authorization header).
    public var merchantCertificateSerial: String
    /// A file holding the 32-character APIv3 key.
    public var apiV3KeyPath: String
    /// Platform certificates (PEM); each is known by its own serial number.
    public var platformCertificatePaths: [String]
    /// WeChat Pay public keys (pub_key.pem) by their key ID (`PUB_KEY_ID_…`), for merchants on public-key mode.
    public var platformPublicKeyPaths: [String: String]
    /// `https://api.mch.weixin.qq.com`, or the sandbox's base URL (it serves the same paths).
    public var baseURL: String
    /// Where WeChat Pay sends payment and refund notifies.
    public var notifyURL: String
    /// transfer_scene_id for transfers to balance (e.g. "1000" 现金营销, "1005" 佣金报酬).
    public var transferSceneID: String
    /// transfer_scene_report_infos for that scene, as (info_type, info_content) pairs, e.g.
    /// [("活动名称", "提现"), ("奖励说明", "余额提现")].
    public var transferSceneReports: [TransferSceneReport]
    public var http: ChannelHTTPOptions

    /// One entry of transfer_scene_report_infos.
    public struct TransferSceneReport: Sendable, Equatable, Encodable {
        public var infoType: String
        public var infoContent: String
        public init(infoType: String, infoContent: String) {
            self.infoType = infoType
            self.infoContent = infoContent
        }
        enum CodingKeys: String, CodingKey {
            case infoType = "info_type"
            case infoContent = "info_content"
        }
    }

    public init(
        merchantID: String, appID: String, merchantPrivateKeyPath: String, merchantCertificateSerial: String,
        apiV3KeyPath: String, platformCertificatePaths: [String] = [], platformPublicKeyPaths: [String: String] = [:],
        baseURL: String = "https://api.mch.weixin.qq.com", notifyURL: String, transferSceneID: String = "1000",
        transferSceneReports: [TransferSceneReport] = [
            .init(infoType: "活动名称", infoContent: "余额提现"), .init(infoType: "奖励说明", infoContent: "用户提现"),
        ],
        http: ChannelHTTPOptions = ChannelHTTPOptions()
    ) {
        self.merchantID = merchantID
        self.appID = appID
        self.merchantPrivateKeyPath = merchantPrivateKeyPath
        self.merchantCertificateSerial = merchantCertificateSerial
        self.apiV3KeyPath = apiV3KeyPath
        self.platformCertificatePaths = platformCertificatePaths
        self.platformPublicKeyPaths = platformPublicKeyPaths
        self.baseURL = baseURL
        self.notifyURL = notifyURL
        self.transferSceneID = transferSceneID
        self.transferSceneReports = transferSceneReports
        self.http = http
    }
}

/// The APIv3 key: the symmetric key WeChat Pay encrypts notify resources and certificates with.
///
/// Guarantees: a value made by ``init(_:)`` is exactly 32 bytes (AEAD_AES_256_GCM). Its `description` never
/// shows the key.
public struct WeChatPayAPIv3Key: Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    /// The key as WeChat Pay's merchant platform shows it: 32 ASCII characters.
    public init(_ text: String) throws(ChannelError) {
        let bytes = Array(text.utf8)
        guard bytes.count == AES256GCM.keyByteCount, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ChannelError(
                .configuration, channel: .wechat, operation: "load",
                message: "the APIv3 key must be 32 printable ASCII characters (found \(bytes.count) bytes)")
        }
        self.bytes = bytes
    }

    /// A 16-byte key, decrypted with AES-128-GCM the way wechatpay-go picks the cipher by key length. It exists
    /// only to run wechatpay-go's published test vector through the notify verifier; real APIv3 keys are 32
    /// bytes and configuration loading never produces this.
    public init(sdkTestVectorKey text: String) throws(ChannelError) {
        let bytes = Array(text.utf8)
        guard bytes.count == AES128GCM.keyByteCount || bytes.count == AES256GCM.keyByteCount else {
            throw ChannelError(.configuration, channel: .wechat, operation: "load", message: "test key must be 16 or 32 bytes")
        }
        self.bytes = bytes
    }

    /// Opens `ciphertext || tag` with the cipher matching the key length.
    func open(_ combined: [UInt8], nonce: [UInt8], associatedData: [UInt8]) throws -> [UInt8] {
        if bytes.count == AES128GCM.keyByteCount {
            return try AES128GCM.open(ciphertextAndTag: combined, key: bytes, nonce: nonce, authenticating: associatedData)
        }
        return try AES256GCM.open(ciphertextAndTag: combined, key: bytes, nonce: nonce, authenticating: associatedData)
    }

    public var description: String { "WeChatPayAPIv3Key(\(bytes.count) bytes)" }
}

/// The WeChat Pay platform keys a merchant trusts, by serial (certificate serial in upper-case hex, or a
/// public key ID).
///
/// Guarantees: lookup is exact after upper-casing hex serials; an unknown serial finds nothing (there is no
/// fallback key).
public struct WeChatPayPlatformKeys: Sendable {
    let keys: [String: RSAPublicKey]
    /// The validity of the keys loaded from certificates, by serial.
    var validity: [String: ClosedRange<Date>] = [:]

    public init(_ keys: [String: RSAPublicKey]) {
        var normalized: [String: RSAPublicKey] = [:]
        for (serial, key) in keys { normalized[Self.normalize(serial)] = key }
        self.keys = normalized
    }

    /// Platform certificates, each under its own serial.
    public init(certificates: [X509Certificate]) throws(ChannelError) {
        var keys: [String: RSAPublicKey] = [:]
        var validity: [String: ClosedRange<Date>] = [:]
        for certificate in certificates {
            if certificate.notValidBefore <= certificate.notValidAfter {
                validity[Self.normalize(certificate.serialNumberHex)] = certificate.notValidBefore...certificate.notValidAfter
            }
            do {
                keys[certificate.serialNumberHex] = try certificate.publicKey
            } catch {
                throw ChannelError(
                    .configuration, channel: .wechat, operation: "load",
                    message: "platform certificate \(certificate.serialNumberHex) has no usable RSA key")
            }
        }
        self.init(keys)
        self.validity = validity
    }

    public func key(forSerial serial: String) -> RSAPublicKey? { keys[Self.normalize(serial)] }

    public var serials: [String] { keys.keys.sorted() }

    /// The key sensitive fields are encrypted under, with the serial that names it in `Wechatpay-Serial`: the WeChat
    /// Pay public key (`PUB_KEY_ID_…`) when one is configured; else, of the platform certificates valid at `now`, the
    /// one issued last (the new one while two overlap in a rotation; serials say nothing of order); else any.
    public func encryptionKey(at now: Date = Date()) -> (serial: String, key: RSAPublicKey)? {
        let valid = serials.filter { validity[$0]?.contains(now) == true }
        let serial =
            serials.last { $0.hasPrefix("PUB_KEY_ID_") }
            ?? valid.max { validity[$0]!.lowerBound < validity[$1]!.lowerBound } ?? serials.last
        return serial.flatMap { serial in keys[serial].map { (serial, $0) } }
    }

    static func normalize(_ serial: String) -> String {
        serial.hasPrefix("PUB_KEY_ID_") ? serial : serial.uppercased()
    }
}

/// The keys a WeChat Pay client and notify verifier need, read from the files a ``WeChatPayConfiguration``
/// names.
public struct WeChatPayCredentials: Sendable {
    public let merchantPrivateKey: RSAPrivateKey
    public let apiV3Key: WeChatPayAPIv3Key
    public let platformKeys: WeChatPayPlatformKeys

    public init(merchantPrivateKey: RSAPrivateKey, apiV3Key: WeChatPayAPIv3Key, platformKeys: WeChatPayPlatformKeys) {
        self.merchantPrivateKey = merchantPrivateKey
        self.apiV3Key = apiV3Key
        self.platformKeys = platformKeys
    }

    /// Reads every file; fails with `.configuration` if one is missing or unusable or no platform key is given.
    public static func load(from configuration: WeChatPayConfiguration) throws(ChannelError) -> WeChatPayCredentials {
        let privateKey = try KeyFiles.privateKey(
            configuration.merchantPrivateKeyPath, channel: .wechat, what: "merchant private key")
        let keyText = try KeyFiles.text(configuration.apiV3KeyPath, channel: .wechat, what: "APIv3 key")
        let apiV3Key = try WeChatPayAPIv3Key(keyText.trimmingCharacters(in: .whitespacesAndNewlines))
        var keys: [String: RSAPublicKey] = [:]
        for path in configuration.platformCertificatePaths {
            let pem = try KeyFiles.text(path, channel: .wechat, what: "platform certificate")
            do {
                for certificate in try X509Certificate.certificates(pemRepresentation: pem) {
                    keys[certificate.serialNumberHex] = try certificate.publicKey
                }
            } catch {
                throw ChannelError(
                    .configuration, channel: .wechat, operation: "load", message: "platform certificate \(path) is not usable")
            }
        }
        for (serial, path) in configuration.platformPublicKeyPaths {
            keys[serial] = try KeyFiles.publicKey(path, channel: .wechat, what: "platform public key \(serial)")
        }
        guard !keys.isEmpty else {
            throw ChannelError(
                .configuration, channel: .wechat, operation: "load",
                message: "no platform certificate or public key configured: responses and notifies cannot be verified")
        }
        return WeChatPayCredentials(
            merchantPrivateKey: privateKey, apiV3Key: apiV3Key, platformKeys: WeChatPayPlatformKeys(keys))
    }
}
