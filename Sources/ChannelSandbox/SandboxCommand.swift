import ArgumentParser
import Foundation
import Logging
import PaystreamCore

/// `paystream-sim`: runs the SIMULATED channels (WeChat Pay v3, Alipay, Bill99) until SIGTERM or SIGINT.
public struct SandboxCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream-sim",
        abstract: "SIMULATED WeChat Pay v3, Alipay and Bill99 channels for development and tests (no real money).",
        discussion: """
            Serves the channels' endpoints in their real formats and signs with its own keys (generated at start, \
            or loaded from --keys-dir and the merchant key flags). Its state (orders, refunds, payouts, notifies) \
            is in memory only: it stands in for the external channels and forgets everything when it stops. \
            Once listening it writes sandbox.json, the WeChat Pay platform certificate and serial, the APIv3 key, \
            the Alipay and Bill99 public keys and the merchant keys it expects to --state-dir (pass the same \
            directory as --keys-dir next time to keep the keys). Control API: /sandbox/pay, /sandbox/faults, \
            /sandbox/orders, /sandbox/notifies, /sandbox/bills/inject, /sandbox/info.
            """)

    @Option(help: "Address to bind (loopback unless you mean otherwise).") public var host = "127.0.0.1"
    @Option(help: "Port to bind; 0 picks a free one (written to sandbox.json).") public var port = 58090
    @Option(help: "Base URL for links the sandbox hands out (bill downloads); default: the Host the caller used.")
    public var publicURL: String?
    @Option(help: "Directory to write the public material and expected merchant keys to.") public var stateDir: String?
    @Option(help: "Directory to load keys from (file names as in --state-dir); missing ones are generated.")
    public var keysDir: String?

    @Option(help: "WeChat Pay merchant public key or certificate (PEM) to verify requests with.")
    public var wechatMerchantPublicKey: String?
    @Option(help: "Serial of the merchant certificate (or a file holding it); checked in Authorization when set.")
    public var wechatMerchantSerial: String?
    @Option(help: "File holding the 32-character APIv3 key.") public var wechatApiv3KeyFile: String?
    @Option(help: "Alipay application public key (PEM or bare Base64 DER) to verify requests with.")
    public var alipayAppPublicKey: String?
    @Option(help: "Bill99 merchant public key (PEM) to verify pay-to-bank requests with.")
    public var bill99MerchantPublicKey: String?

    @Option(help: "WeChat Pay mchid accepted.") public var wechatMchid = "1900000109"
    @Option(help: "WeChat Pay appid accepted.") public var wechatAppid = "wxd678efh567hg6787"
    @Option(help: "Alipay app_id accepted.") public var alipayAppId = "2021000000000001"
    @Option(help: "Alipay seller (partner) id reported.") public var alipaySellerId = "2088000000000001"
    @Option(help: "Bill99 memberCode accepted.") public var bill99MemberCode = "10012138842"
    @Option(help: "Where Bill99 payout results go when the order names no notifyUrl.") public var bill99NotifyUrl: String?
    @Option(help: "Notify URL for WeChat static-QR payments made without an order.") public var wechatStaticNotifyUrl: String?
    @Option(help: "Notify URL for Alipay static-QR payments made without an order.") public var alipayStaticNotifyUrl: String?

    @Option(help: "Comma-separated waits in ms between notify attempts (attempts = count + 1).")
    public var notifyRetryMs = "1000,2000,5000,10000,30000"
    @Option(help: "Timeout of one notify attempt in ms.") public var notifyTimeoutMs = 5000
    @Option(help: "PEM certificates to trust for HTTPS notify URLs instead of the system's roots (tests).")
    public var notifyTrustCa: String?
    @Option(help: "How long refunds, transfers and payouts stay processing, in ms.") public var settleDelayMs = 500
    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).") public var logLevel = "info"

    public init() {}

    public func makeConfiguration() throws -> SandboxConfiguration {
        var configuration = SandboxConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.publicBaseURL = publicURL
        configuration.notifyTrustRootsPath = notifyTrustCa
        configuration.wechatMerchantID = wechatMchid
        configuration.wechatAppID = wechatAppid
        configuration.alipayAppID = alipayAppId
        configuration.alipaySellerID = alipaySellerId
        configuration.bill99MemberCode = bill99MemberCode
        configuration.bill99NotifyURL = bill99NotifyUrl
        configuration.defaultNotifyURLs[.wechat] = wechatStaticNotifyUrl
        configuration.defaultNotifyURLs[.alipay] = alipayStaticNotifyUrl
        configuration.notifyRetrySchedule = try notifyRetryMs.split(separator: ",").map { part in
            guard let milliseconds = Int(part.trimmingWhitespace), milliseconds >= 0 else {
                throw ValidationError("--notify-retry-ms takes comma-separated non-negative integers")
            }
            return .milliseconds(milliseconds)
        }
        configuration.notifyTimeout = .milliseconds(notifyTimeoutMs)
        configuration.settleDelay = .milliseconds(settleDelayMs)
        try configuration.validate()
        return configuration
    }

    public func run() async throws {
        var logger = Logger(label: "paystream.sim")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let configuration = try makeConfiguration()
        var overrides = SandboxKeys.KeyFileOverrides()
        overrides.wechatMerchantPublicKey = wechatMerchantPublicKey
        overrides.wechatMerchantSerial = wechatMerchantSerial
        overrides.wechatAPIv3Key = wechatApiv3KeyFile
        overrides.alipayAppPublicKey = alipayAppPublicKey
        overrides.bill99MerchantPublicKey = bill99MerchantPublicKey
        let keys = try SandboxKeys.load(directory: keysDir.map { URL(fileURLWithPath: $0) }, overrides: overrides)
        let sandbox = try ChannelSandbox(configuration: configuration, keys: keys, logger: logger)
        logger.notice(
            "paystream-sim starting: SIMULATED channels, in-memory state",
            metadata: ["host": "\(host)", "port": "\(port)", "wechatPlatformSerial": "\(keys.wechatPlatformSerial)"])
        try await sandbox.run(stateDirectory: stateDir.map { URL(fileURLWithPath: $0) }, handleSignals: true)
    }
}
