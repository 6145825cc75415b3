import Cryptography
import PaystreamCore

/// Alipay openapi settings: identity, where the keys are, and where to call.
///
/// Guarantees: it holds file paths, never key material; keys are read only by
/// ``AlipayCredentials/load(from:)``.
public struct AlipayConfiguration: Sendable, Equatable {
    public var appID: String
    /// The application private key: PEM (PKCS#8 or PKCS#1) or the bare Base64 the Alipay console hands out.
    public var appPrivateKeyPath: String
    /// Alipay's public key: a `PUBLIC KEY` PEM, bare Base64, or Alipay's public-key certificate (PEM).
    public var alipayPublicKeyPath: String
    /// `https://openapi.alipay.com/gateway.do`, or the sandbox's `/gateway.do`.
    public var gatewayURL: String
    /// Where Alipay sends trade_status_sync notifies.
    public var notifyURL: String
    /// Where the browser returns after page pay, if anywhere.
    public var returnURL: String?
    public var http: ChannelHTTPOptions

    public init(
        appID: String, appPrivateKeyPath: String, alipayPublicKeyPath: String,
        gatewayURL: String = "https://openapi.alipay.com/gateway.do", notifyURL: String, returnURL: String? = nil,
        http: ChannelHTTPOptions = ChannelHTTPOptions()
    ) {
        self.appID = appID
        self.appPrivateKeyPath = appPrivateKeyPath
        self.alipayPublicKeyPath = alipayPublicKeyPath
        self.gatewayURL = gatewayURL
        self.notifyURL = notifyURL
        self.returnURL = returnURL
        self.http = http
    }
}

/// The keys an Alipay client and notify verifier need.
public struct AlipayCredentials: Sendable {
    public let appPrivateKey: RSAPrivateKey
    public let alipayPublicKey: RSAPublicKey

    public init(appPrivateKey: RSAPrivateKey, alipayPublicKey: RSAPublicKey) {
        self.appPrivateKey = appPrivateKey
        self.alipayPublicKey = alipayPublicKey
    }

    /// Reads both files; fails with `.configuration` if one is missing or unusable.
    public static func load(from configuration: AlipayConfiguration) throws(ChannelError) -> AlipayCredentials {
        AlipayCredentials(
            appPrivateKey: try KeyFiles.privateKey(configuration.appPrivateKeyPath, channel: .alipay, what: "app private key"),
            alipayPublicKey: try KeyFiles.publicKey(
                configuration.alipayPublicKeyPath, channel: .alipay, what: "Alipay public key"))
    }
}
