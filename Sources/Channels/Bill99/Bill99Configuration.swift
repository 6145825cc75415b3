import Cryptography
import PaystreamCore

/// Bill99 (快钱) pay-to-bank settings.
///
/// Guarantees: paths only, never key material; keys are read by ``Bill99Credentials/load(from:)``.
public struct Bill99Configuration: Sendable, Equatable {
    /// The merchant's member code (memberCode in every message head).
    public var memberCode: String
    /// The merchant's private key (PEM or bare Base64 DER) that signs requests.
    public var merchantPrivateKeyPath: String
    /// Bill99's public key or certificate (PEM or bare Base64 DER) that signs answers and notifies.
    public var bill99PublicKeyPath: String
    /// The service's base URL (the sandbox's, until the real endpoint is known).
    public var baseURL: String
    /// The pay-to-bank path (the simulator's contract: `/bill99/pay2bank`).
    public var payPath: String
    /// The result-query path (the simulator's contract: `/bill99/pay2bank/query`).
    public var queryPath: String
    /// The bank-card four-element verification path (INVENTED by the simulator: `/bill99/cardverify`).
    public var cardVerifyPath: String
    /// Where Bill99 sends the result notify (sent as the order's notifyUrl).
    public var notifyURL: String?
    /// feeAction: who pays the fee ("0" payer, "1" payee in the integrations seen); omitted when nil.
    public var feeAction: String?
    public var http: ChannelHTTPOptions

    public init(
        memberCode: String, merchantPrivateKeyPath: String, bill99PublicKeyPath: String, baseURL: String,
        payPath: String = "/bill99/pay2bank", queryPath: String = "/bill99/pay2bank/query",
        cardVerifyPath: String = "/bill99/cardverify", notifyURL: String? = nil,
        feeAction: String? = nil, http: ChannelHTTPOptions = ChannelHTTPOptions()
    ) {
        self.memberCode = memberCode
        self.merchantPrivateKeyPath = merchantPrivateKeyPath
        self.bill99PublicKeyPath = bill99PublicKeyPath
        self.baseURL = baseURL
        self.payPath = payPath
        self.queryPath = queryPath
        self.cardVerifyPath = cardVerifyPath
        self.notifyURL = notifyURL
        self.feeAction = feeAction
        self.http = http
    }
}

/// The keys a Bill99 client and notify verifier need.
public struct Bill99Credentials: Sendable {
    public let merchantPrivateKey: RSAPrivateKey
    public let bill99PublicKey: RSAPublicKey

    public init(merchantPrivateKey: RSAPrivateKey, bill99PublicKey: RSAPublicKey) {
        self.merchantPrivateKey = merchantPrivateKey
        self.bill99PublicKey = bill99PublicKey
    }

    public static func load(from configuration: Bill99Configuration) throws(ChannelError) -> Bill99Credentials {
        Bill99Credentials(
            merchantPrivateKey: try KeyFiles.privateKey(
                configuration.merchantPrivateKeyPath, channel: .bill99, what: "merchant private key"),
            bill99PublicKey: try KeyFiles.publicKey(configuration.bill99PublicKeyPath, channel: .bill99, what: "Bill99 public key"))
    }
}
