import Cryptography
import Foundation

/// The key material of the simulated channels (their own private keys, which a real channel never shares) and
/// the merchant-side public keys they verify requests with.
///
/// Guarantees: every key is an RSA key of at least 2048 bits; the WeChat Pay platform certificate holds the public
/// half of ``wechatPlatformKey`` and its serial is what responses and notifies carry in `Wechatpay-Serial`; the
/// APIv3 key is exactly 32 ASCII bytes. Merchant private keys are present only when the sandbox generated them
/// (or found them in the keys directory) so that tests and a local platform can sign with them.
public struct SandboxKeys: Sendable {
    // WeChat Pay: the platform's signing key and certificate, the merchant's key, the APIv3 key.
    public let wechatPlatformKey: RSAPrivateKey
    public let wechatPlatformCertificate: X509Certificate
    public var wechatPlatformSerial: String { wechatPlatformCertificate.serialNumberHex }
    public let wechatMerchantPublicKey: RSAPublicKey
    /// When known, the `serial_no` a merchant's Authorization header must carry.
    public let wechatMerchantSerial: String?
    public let wechatAPIv3Key: String
    public let wechatMerchantKey: RSAPrivateKey?
    public let wechatMerchantCertificate: X509Certificate?
    /// The official account's AppSecret, which the merchant sends to exchange an OAuth code for an openid.
    public let wechatAppSecret: String

    // Alipay: Alipay's own key (its public half is "the Alipay public key"), the app's key.
    public let alipayKey: RSAPrivateKey
    public let alipayAppPublicKey: RSAPublicKey
    public let alipayAppKey: RSAPrivateKey?

    // Bill99: the sandbox's signing key, the merchant's key.
    public let bill99Key: RSAPrivateKey
    public let bill99MerchantPublicKey: RSAPublicKey
    public let bill99MerchantKey: RSAPrivateKey?

    /// A key nobody trusts, used by the wrong-key notify fault.
    let rogueKey: RSAPrivateKey

    /// Fresh keys for everything (about a second of RSA key generation).
    public static func generate() throws -> SandboxKeys {
        try load(directory: nil, overrides: KeyFileOverrides())
    }

    /// Files that replace the merchant-side material found in (or missing from) the keys directory.
    public struct KeyFileOverrides: Sendable {
        /// A `PUBLIC KEY` PEM, a `CERTIFICATE` PEM or bare Base64 DER.
        public var wechatMerchantPublicKey: String?
        public var wechatMerchantSerial: String?
        /// A file holding the 32-character APIv3 key.
        public var wechatAPIv3Key: String?
        public var alipayAppPublicKey: String?
        public var bill99MerchantPublicKey: String?
        public init() {}
    }

    /// Loads what `directory` holds (file names as in ``SandboxStateFiles``), applies `overrides`, and generates
    /// whatever is still missing. Pass the state directory of an earlier run to keep the same keys.
    public static func load(directory: URL?, overrides: KeyFileOverrides) throws -> SandboxKeys {
        let files = KeyDirectory(directory)

        let platformKey = try files.privateKey(SandboxStateFiles.wechatPlatformPrivateKey) ?? RSAPrivateKey.generate()
        var platformCertificate = try files.certificate(SandboxStateFiles.wechatPlatformCertificate)
        if let loaded = platformCertificate, try loaded.publicKey != platformKey.publicKey {
            platformCertificate = nil  // a certificate of another key: issue a matching one
        }
        let certificate =
            try platformCertificate
            ?? X509Certificate.selfSigned(key: platformKey, commonName: "Paystream sandbox WeChat Pay platform", validDays: 3650)

        var merchantKey = try files.privateKey(SandboxStateFiles.wechatMerchantPrivateKey)
        var merchantCertificate = try files.certificate(SandboxStateFiles.wechatMerchantCertificate)
        let merchantPublic: RSAPublicKey
        if let path = overrides.wechatMerchantPublicKey {
            merchantPublic = try publicKey(fileAt: path)
            if merchantKey?.publicKey != merchantPublic { merchantKey = nil }
            if let cert = merchantCertificate, try cert.publicKey != merchantPublic { merchantCertificate = nil }
        } else if let key = merchantKey {
            merchantPublic = key.publicKey
        } else if let loaded = try files.publicKey(SandboxStateFiles.wechatMerchantPublicKey) {
            merchantPublic = loaded
        } else {
            let key = try RSAPrivateKey.generate()
            merchantKey = key
            merchantPublic = key.publicKey
        }
        if merchantCertificate == nil, let key = merchantKey {
            merchantCertificate = try X509Certificate.selfSigned(
                key: key, commonName: "Paystream sandbox merchant", validDays: 3650)
        }
        let merchantSerial =
            try overrides.wechatMerchantSerial.map { try text(fileOrValue: $0) }
            ?? merchantCertificate?.serialNumberHex ?? files.text(SandboxStateFiles.wechatMerchantSerial)

        let apiV3Key =
            try overrides.wechatAPIv3Key.map { try text(fileOrValue: $0) } ?? files.text(SandboxStateFiles.wechatAPIv3Key)
            ?? SandboxID.alphanumeric(32)
        guard apiV3Key.utf8.count == 32, apiV3Key.allSatisfy(\.isASCII) else {
            throw SandboxConfigurationError(message: "the APIv3 key must be 32 ASCII characters")
        }

        let appSecret = try files.text(SandboxStateFiles.wechatAppSecret) ?? SandboxID.hex(32)

        let alipayKey = try files.privateKey(SandboxStateFiles.alipayPrivateKey) ?? RSAPrivateKey.generate()
        let (alipayAppKey, alipayAppPublic) = try merchantPair(
            files, override: overrides.alipayAppPublicKey, privateName: SandboxStateFiles.alipayAppPrivateKey,
            publicName: SandboxStateFiles.alipayAppPublicKey)

        let bill99Key = try files.privateKey(SandboxStateFiles.bill99PrivateKey) ?? RSAPrivateKey.generate()
        let (bill99MerchantKey, bill99MerchantPublic) = try merchantPair(
            files, override: overrides.bill99MerchantPublicKey, privateName: SandboxStateFiles.bill99MerchantPrivateKey,
            publicName: SandboxStateFiles.bill99MerchantPublicKey)

        return SandboxKeys(
            wechatPlatformKey: platformKey, wechatPlatformCertificate: certificate, wechatMerchantPublicKey: merchantPublic,
            wechatMerchantSerial: merchantSerial, wechatAPIv3Key: apiV3Key, wechatMerchantKey: merchantKey,
            wechatMerchantCertificate: merchantCertificate, wechatAppSecret: appSecret, alipayKey: alipayKey, alipayAppPublicKey: alipayAppPublic,
            alipayAppKey: alipayAppKey, bill99Key: bill99Key, bill99MerchantPublicKey: bill99MerchantPublic,
            bill99MerchantKey: bill99MerchantKey, rogueKey: try RSAPrivateKey.generate())
    }

    private static func merchantPair(
        _ files: KeyDirectory, override: String?, privateName: String, publicName: String
    ) throws -> (RSAPrivateKey?, RSAPublicKey) {
        var privateKey = try files.privateKey(privateName)
        if let path = override {
            let loaded = try publicKey(fileAt: path)
            if privateKey?.publicKey != loaded { privateKey = nil }
            return (privateKey, loaded)
        }
        if let key = privateKey { return (key, key.publicKey) }
        if let loaded = try files.publicKey(publicName) { return (nil, loaded) }
        let key = try RSAPrivateKey.generate()
        return (key, key.publicKey)
    }

    /// Reads a public key from a `PUBLIC KEY`/`RSA PUBLIC KEY` PEM, a `CERTIFICATE` PEM, a private key PEM (its
    /// public half) or the bare Base64 DER the Alipay console shows.
    static func publicKey(fileAt path: String) throws -> RSAPublicKey {
        try publicKey(text: String(contentsOfFile: path, encoding: .utf8))
    }

    static func publicKey(text: String) throws -> RSAPublicKey {
        if text.contains("BEGIN CERTIFICATE") { return try X509Certificate(pemRepresentation: text).publicKey }
        if text.contains("PRIVATE KEY") { return try RSAPrivateKey(pemRepresentation: text).publicKey }
        if text.contains("-----BEGIN") { return try RSAPublicKey(pemRepresentation: text) }
        let compact = text.filter { !$0.isWhitespace }
        return try RSAPublicKey(derRepresentation: try Base64.decode(compact))
    }

    /// The trimmed content of the file at `value` if it exists, else `value` itself.
    private static func text(fileOrValue value: String) throws -> String {
        if FileManager.default.fileExists(atPath: value) {
            return try String(contentsOfFile: value, encoding: .utf8).trimmingWhitespace
        }
        return value.trimmingWhitespace
    }
}

/// Optional files of one directory.
private struct KeyDirectory {
    let directory: URL?
    init(_ directory: URL?) { self.directory = directory }

    func contents(_ name: String) throws -> String? {
        guard let directory else { return nil }
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try String(contentsOf: url, encoding: .utf8)
    }

    func privateKey(_ name: String) throws -> RSAPrivateKey? { try contents(name).map { try RSAPrivateKey(pemRepresentation: $0) } }
    func publicKey(_ name: String) throws -> RSAPublicKey? { try contents(name).map { try SandboxKeys.publicKey(text: $0) } }
    func certificate(_ name: String) throws -> X509Certificate? { try contents(name).map { try X509Certificate(pemRepresentation: $0) } }
    func text(_ name: String) throws -> String? { try contents(name).map(\.trimmingWhitespace) }
}
