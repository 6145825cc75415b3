import AsyncHTTPClient
import Channels
import Foundation
import Logging
import PaystreamCore

/// The configured channels: clients that call them and verifiers for their notifies.
///
/// Guarantees: every key is loaded (and checked) when the set is built, so a process with a missing or bad
/// key fails at start, not at its first payment. Notify URLs are `<publicURL>/notify/{wechat,alipay,bill99}`.
struct ChannelSet: Sendable {
    let wechat: WeChatPayV3Client
    let wechatNotify: WeChatPayNotifyVerifier
    let alipay: AlipayClient
    let alipayNotify: AlipayNotifyVerifier
    let bill99: Bill99Client
    let bill99Notify: Bill99NotifyVerifier
    /// Bank-card four-element verification (Bill99).
    var cardVerifier: any CardVerifier { bill99 }
    /// WeChat's web authorization (openids for WeChat withdrawals); nil when no AppSecret is configured, and then
    /// no WeChat account can be bound (503 `wechat.binding_unavailable`).
    let wechatOAuth: WeChatOAuthClient?
    /// Where SMS codes go: the sandbox's SIMULATED gateway, or none configured (``UnconfiguredSMSGateway``).
    let sms: any SMSGateway

    func payments(_ channel: Channel) throws(APIError) -> any PaymentChannel {
        switch channel {
        case .wechat: wechat
        case .alipay: alipay
        case .bill99: throw .badRequest("channel.unsupported", "Bill99 takes no payments, only payouts")
        }
    }

    func payouts(_ channel: Channel) -> any PayoutChannel {
        channel == .wechat ? wechat : bill99
    }

    struct Invalid: Error, CustomStringConvertible { let description: String }

    /// The channels as the sandbox (paystream-sim) describes them in its `--state-dir`: its `sandbox.json`,
    /// its public keys and the merchant keys it generated. For local runs and tests only: against the real
    /// channels use ``load(file:publicURL:httpClient:)``.
    static func sandbox(stateDirectory: String, publicURL: String, httpClient: HTTPClient) throws -> ChannelSet {
        let directory = URL(fileURLWithPath: stateDirectory)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func text(_ name: String) throws -> String {
            try String(contentsOfFile: path(name), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        struct Summary: Decodable {
            var baseURL: String
            var wechatMerchantID: String
            var wechatAppID: String
            var alipayAppID: String
            var alipayGateway: String
            var bill99MemberCode: String
        }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: URL(fileURLWithPath: path("sandbox.json"))))
        let file = ChannelsFile(
            wechat: .init(
                merchantID: summary.wechatMerchantID, appID: summary.wechatAppID,
                merchantPrivateKeyPath: path("wechat_merchant_private_key.pem"),
                merchantCertificateSerial: try text("wechat_merchant_serial.txt"), apiV3KeyPath: path("wechat_apiv3_key.txt"),
                platformCertificatePaths: [path("wechat_platform_cert.pem")], baseURL: summary.baseURL,
                appSecretPath: path("wechat_app_secret.txt"), oauthBaseURL: summary.baseURL),
            alipay: .init(
                appID: summary.alipayAppID, appPrivateKeyPath: path("alipay_app_private_key.pem"),
                alipayPublicKeyPath: path("alipay_public_key.pem"), gatewayURL: summary.alipayGateway),
            bill99: .init(
                memberCode: summary.bill99MemberCode, merchantPrivateKeyPath: path("bill99_merchant_private_key.pem"),
                bill99PublicKeyPath: path("bill99_public_key.pem"), baseURL: summary.baseURL),
            sms: .init(simulatedBaseURL: summary.baseURL))
        return try make(file, publicURL: publicURL, httpClient: httpClient)
    }

    /// The channels as a JSON file describes them (see ``ChannelsFile``).
    static func load(file: String, publicURL: String, httpClient: HTTPClient) throws -> ChannelSet {
        let described = try JSONDecoder().decode(ChannelsFile.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        return try make(described, publicURL: publicURL, httpClient: httpClient)
    }

    static func make(_ file: ChannelsFile, publicURL: String, httpClient: HTTPClient) throws -> ChannelSet {
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        let w = file.wechat
        let wechatConfiguration = WeChatPayConfiguration(
            merchantID: w.merchantID, appID: w.appID, merchantPrivateKeyPath: w.merchantPrivateKeyPath,
            merchantCertificateSerial: w.merchantCertificateSerial, apiV3KeyPath: w.apiV3KeyPath,
            platformCertificatePaths: w.platformCertificatePaths ?? [], platformPublicKeyPaths: w.platformPublicKeyPaths ?? [:],
            baseURL: w.baseURL ?? "https://api.mch.weixin.qq.com", notifyURL: base + "/notify/wechat")
        let wechatCredentials = try WeChatPayCredentials.load(from: wechatConfiguration)
        let a = file.alipay
        let alipayConfiguration = AlipayConfiguration(
            appID: a.appID, appPrivateKeyPath: a.appPrivateKeyPath, alipayPublicKeyPath: a.alipayPublicKeyPath,
            gatewayURL: a.gatewayURL ?? "https://openapi.alipay.com/gateway.do", notifyURL: base + "/notify/alipay",
            returnURL: a.returnURL)
        let alipayCredentials = try AlipayCredentials.load(from: alipayConfiguration)
        let b = file.bill99
        let bill99Configuration = Bill99Configuration(
            memberCode: b.memberCode, merchantPrivateKeyPath: b.merchantPrivateKeyPath, bill99PublicKeyPath: b.bill99PublicKeyPath,
            baseURL: b.baseURL, notifyURL: base + "/notify/bill99")
        let bill99Credentials = try Bill99Credentials.load(from: bill99Configuration)
        return ChannelSet(
            wechat: WeChatPayV3Client(configuration: wechatConfiguration, credentials: wechatCredentials, httpClient: httpClient),
            wechatNotify: WeChatPayNotifyVerifier(credentials: wechatCredentials, configuration: wechatConfiguration),
            alipay: AlipayClient(configuration: alipayConfiguration, credentials: alipayCredentials, httpClient: httpClient),
            alipayNotify: AlipayNotifyVerifier(configuration: alipayConfiguration, credentials: alipayCredentials),
            bill99: Bill99Client(configuration: bill99Configuration, credentials: bill99Credentials, httpClient: httpClient),
            bill99Notify: Bill99NotifyVerifier(configuration: bill99Configuration, credentials: bill99Credentials),
            wechatOAuth: try w.appSecretPath.map {
                try WeChatOAuthClient(
                    appID: w.appID, appSecretPath: $0, baseURL: w.oauthBaseURL ?? "https://api.weixin.qq.com", httpClient: httpClient)
            },
            sms: file.sms?.simulatedBaseURL.map { SimulatedSMSGateway(baseURL: $0, httpClient: httpClient) } ?? UnconfiguredSMSGateway())
    }
}

/// The channels' identities and key files, as `paystream-api --channels FILE` reads them (JSON). Keys stay in
/// their files (mode 0600, outside the repository); this file only names them.
///
/// ```json
/// {"wechat": {"merchantID": "1900000001", "appID": "wx…", "merchantPrivateKeyPath": "/etc/paystream/keys/wechat_key.pem",
///             "merchantCertificateSerial": "…", "apiV3KeyPath": "/etc/paystream/keys/wechat_apiv3.txt",
///             "platformCertificatePaths": ["/etc/paystream/keys/wechatpay_platform.pem"],
///             "appSecretPath": "/etc/paystream/keys/wechat_app_secret.txt"},
///  "alipay": {"appID": "2021…", "appPrivateKeyPath": "…", "alipayPublicKeyPath": "…"},
///  "bill99": {"memberCode": "…", "merchantPrivateKeyPath": "…", "bill99PublicKeyPath": "…", "baseURL": "https://…"},
///  "sms": {"simulatedBaseURL": "http://127.0.0.1:58090"}}
/// ```
struct ChannelsFile: Codable, Sendable {
    struct WeChat: Codable, Sendable {
        var merchantID: String
        var appID: String
        var merchantPrivateKeyPath: String
        var merchantCertificateSerial: String
        var apiV3KeyPath: String
        var platformCertificatePaths: [String]?
        var platformPublicKeyPaths: [String: String]?
        var baseURL: String?
        /// The official account's AppSecret (a file), for binding WeChat accounts by web authorization.
        var appSecretPath: String?
        /// `https://api.weixin.qq.com` unless given (the sandbox serves it at its base URL).
        var oauthBaseURL: String?
    }
    struct Alipay: Codable, Sendable {
        var appID: String
        var appPrivateKeyPath: String
        var alipayPublicKeyPath: String
        var gatewayURL: String?
        var returnURL: String?
    }
    struct Bill99: Codable, Sendable {
        var memberCode: String
        var merchantPrivateKeyPath: String
        var bill99PublicKeyPath: String
        var baseURL: String
    }
    /// The SMS gateway. Only the SIMULATED one exists yet (paystream-sim's base URL); without it, nothing that
    /// needs an SMS code (card binding) can complete: 503 `sms.unavailable`.
    struct SMS: Codable, Sendable {
        var simulatedBaseURL: String?
    }
    var wechat: WeChat
    var alipay: Alipay
    var bill99: Bill99
    var sms: SMS?
}
