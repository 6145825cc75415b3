import Cryptography
import Foundation

/// The files the sandbox writes to its `--state-dir` so the platform and tests can talk to it, and reads back
/// from `--keys-dir` to keep its keys across runs.
///
/// Guarantees: every file is written atomically; files holding private keys, the APIv3 key or the AppSecret get mode 0600;
/// `sandbox.json` is written last, so its presence means the directory is complete.
public enum SandboxStateFiles {
    // What the platform configures (public material and the identities).
    public static let summary = "sandbox.json"
    public static let wechatPlatformCertificate = "wechat_platform_cert.pem"
    public static let wechatPlatformSerial = "wechat_platform_serial.txt"
    public static let wechatAPIv3Key = "wechat_apiv3_key.txt"
    public static let wechatAppSecret = "wechat_app_secret.txt"
    public static let alipayPublicKey = "alipay_public_key.pem"
    public static let bill99PublicKey = "bill99_public_key.pem"
    // The merchant side the sandbox expects (private keys only when it generated them).
    public static let wechatMerchantPrivateKey = "wechat_merchant_private_key.pem"
    public static let wechatMerchantCertificate = "wechat_merchant_cert.pem"
    public static let wechatMerchantSerial = "wechat_merchant_serial.txt"
    public static let wechatMerchantPublicKey = "wechat_merchant_public_key.pem"
    public static let alipayAppPrivateKey = "alipay_app_private_key.pem"
    public static let alipayAppPublicKey = "alipay_app_public_key.pem"
    public static let bill99MerchantPrivateKey = "bill99_merchant_private_key.pem"
    public static let bill99MerchantPublicKey = "bill99_merchant_public_key.pem"
    // The sandbox's own signing keys, for `--keys-dir` on the next run; a real channel never hands these out.
    public static let wechatPlatformPrivateKey = "wechat_platform_private_key.pem"
    public static let alipayPrivateKey = "alipay_private_key.pem"
    public static let bill99PrivateKey = "bill99_private_key.pem"

    /// What `sandbox.json` holds.
    public struct Summary: Codable, Sendable, Equatable {
        public var simulated: String = "paystream-sim: SIMULATED WeChat Pay, Alipay and Bill99 (not the real channels)"
        public var baseURL: String
        public var wechatMerchantID: String
        public var wechatAppID: String
        public var wechatPlatformSerial: String
        public var wechatMerchantSerial: String?
        public var alipayAppID: String
        public var alipaySellerID: String
        public var alipayGateway: String
        public var bill99MemberCode: String
        public var bill99PayToBankURL: String
        public var bill99QueryURL: String
    }

    /// Writes every file into `directory` (created if needed) and returns the summary written.
    @discardableResult
    public static func write(
        keys: SandboxKeys, configuration: SandboxConfiguration, baseURL: String, to directory: URL
    ) throws -> Summary {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func put(_ name: String, _ text: String, secret: Bool = false) throws {
            let url = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url, options: .atomic)
            if secret { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path) }
        }
        try put(wechatPlatformCertificate, try keys.wechatPlatformCertificate.pemRepresentation)
        try put(wechatPlatformSerial, keys.wechatPlatformSerial + "\n")
        try put(wechatAPIv3Key, keys.wechatAPIv3Key + "\n", secret: true)
        try put(wechatAppSecret, keys.wechatAppSecret + "\n", secret: true)
        try put(alipayPublicKey, try keys.alipayKey.publicKey.pemRepresentation)
        try put(bill99PublicKey, try keys.bill99Key.publicKey.pemRepresentation)
        try put(wechatMerchantPublicKey, try keys.wechatMerchantPublicKey.pemRepresentation)
        try put(alipayAppPublicKey, try keys.alipayAppPublicKey.pemRepresentation)
        try put(bill99MerchantPublicKey, try keys.bill99MerchantPublicKey.pemRepresentation)
        if let key = keys.wechatMerchantKey { try put(wechatMerchantPrivateKey, try key.pemRepresentation, secret: true) }
        if let certificate = keys.wechatMerchantCertificate {
            try put(wechatMerchantCertificate, try certificate.pemRepresentation)
        }
        if let serial = keys.wechatMerchantSerial { try put(wechatMerchantSerial, serial + "\n") }
        if let key = keys.alipayAppKey { try put(alipayAppPrivateKey, try key.pemRepresentation, secret: true) }
        if let key = keys.bill99MerchantKey { try put(bill99MerchantPrivateKey, try key.pemRepresentation, secret: true) }
        try put(wechatPlatformPrivateKey, try keys.wechatPlatformKey.pemRepresentation, secret: true)
        try put(alipayPrivateKey, try keys.alipayKey.pemRepresentation, secret: true)
        try put(bill99PrivateKey, try keys.bill99Key.pemRepresentation, secret: true)

        let written = Summary(
            baseURL: baseURL, wechatMerchantID: configuration.wechatMerchantID, wechatAppID: configuration.wechatAppID,
            wechatPlatformSerial: keys.wechatPlatformSerial, wechatMerchantSerial: keys.wechatMerchantSerial,
            alipayAppID: configuration.alipayAppID, alipaySellerID: configuration.alipaySellerID,
            alipayGateway: baseURL + "/gateway.do", bill99MemberCode: configuration.bill99MemberCode,
            bill99PayToBankURL: baseURL + Bill99Endpoints.payPath, bill99QueryURL: baseURL + Bill99Endpoints.queryPath)
        var text = String(decoding: try SandboxJSON.encode(written), as: UTF8.self)
        text += "\n"
        try put(Self.summary, text)
        return written
    }
}
