import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import PaystreamRuntime
import Risk
import ServiceLifecycle

/// `paystream-api`: the HTTP API for clients, merchants, the back office and the channels' notifies, plus the
/// payout and refund dispatchers, the payment poller, the envelope activator and the envelope reloader, and the sweep
/// that rejects withdrawals frozen after their destination was removed.
public struct APICommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream-api",
        abstract: "Serve the Paystream HTTP API and channel notify endpoints; dispatch payouts and refunds to the channels.")

    @OptionGroup public var options: ServiceOptions
    @Option(help: "Address to listen on.") public var host = "127.0.0.1"
    @Option(help: "Port to listen on.") public var port = 58080
    @Option(help: "The URL channels and payers reach this API at (notify URLs, collection pages). Default http(s)://host:port.")
    public var publicURL: String?
    @Option(help: "Serve HTTPS with this certificate chain (PEM). Plain HTTP is allowed only on a loopback address.")
    public var tlsCert: String?
    @Option(help: "The private key (PEM) of --tls-cert.") public var tlsKey: String?
    @Option(help: "Close a connection on which nothing was read or written for this many seconds while no request is in flight (one whose request head or body stalls, too); an open event stream is a request in flight. Longer than clients' own pool idle time (60 s is common), so that a client does not send on a connection being closed.")
    public var httpIdleTimeoutSeconds: Double = 75
    @Option(help: "Send every event stream a keep-alive comment this often (shorter than any proxy's idle timeout).")
    public var pushKeepAliveSeconds: Double = 15
    @Flag(help: "Do not run the dispatchers, the payment poller, the envelope activator and reloader, the removed-destination sweep in this process.") public var noDispatch = false
    @Option(help: "Seconds between looks for withdrawals frozen after their holder removed the card or unbound the WeChat account they pay, which are then rejected as the removal would have; 0 turns the sweep off (an operator rejects them).")
    public var removedDestinationSweepSeconds: Double = 2
    @Option(help: "Seconds between looks at the keys file (--keys-file or PAYSTREAM_KEYS_FILE): replaced by a successor (`paystream keys rotate`), it is taken without a restart; 0 turns it off.")
    public var keysReloadSeconds: Double = 5
    @Option(help: "Withdrawals the removed-destination sweep rejects in one transaction.")
    public var removedDestinationSweepBatch = 100
    @Option(help: "Ask the channel about an unpaid order this many seconds after it was created (its notify may be lost).")
    public var paymentQueryAfterSeconds = 60.0
    @Option(help: "Close at the channel, and mark failed, an order still unpaid this many seconds after it was created. At least 7200: the channels keep an order payable for 2 hours.")
    public var paymentExpireSeconds = 8_100.0
    @Flag(help: .hidden) public var testShortPaymentExpiry = false
    @Option(help: "Seconds a refused payout must stay unknown to the channel before the withdrawal fails and is unfrozen.")
    public var payoutRefusalSettleSeconds = 600
    @Option(help: "Seconds after a grab finds an activated envelope missing from Redis before it is loaded again from the ledger (grabs whose produce was in flight reach Kafka meanwhile; the reload then also waits for the worker to commit them).")
    public var envelopeReloadSettleSeconds = 30
    @Option(help: "Seconds between questions to the channel about a refund held for an operator (abnormal at the channel, reported for another amount, or no longer known to it), until the channel settles it or an operator resolves it.")
    public var refundAbnormalRecheckSeconds = 600
    @Option(help: "Seconds a refund the channel refused for good must stay unknown to it before its money comes back to the payer.")
    public var refundRefusalSettleSeconds = 600
    @Option(help: "Days after a WeChat Pay payment within which it can be refunded (WeChat Pay takes refunds for one year).")
    public var refundWindowDaysWechat = 365
    @Option(help: "Days after an Alipay payment within which it can be refunded (the merchant's contract sets it; three months unless agreed otherwise).")
    public var refundWindowDaysAlipay = 90

    public init() {}

    public func validate() throws {
        guard (0.1...3600).contains(pushKeepAliveSeconds) else {
            throw ValidationError("--push-keep-alive-seconds must be between 0.1 and 3600, not \(pushKeepAliveSeconds)")
        }
        guard payoutRefusalSettleSeconds >= 0 else { throw ValidationError("--payout-refusal-settle-seconds must be at least 0") }
        // The channels keep an unpaid order payable for 2 hours: failing it sooner could fail an order that is then
        // paid. Tests shorten it with a flag nothing else passes.
        guard paymentExpireSeconds >= 7_200 || (testShortPaymentExpiry && paymentExpireSeconds > 0) else {
            throw ValidationError("--payment-expire-seconds must be at least 7200 (the channels' own expiry of an order), not \(paymentExpireSeconds)")
        }
        guard removedDestinationSweepSeconds == 0 || (0.1...3600).contains(removedDestinationSweepSeconds) else {
            throw ValidationError("--removed-destination-sweep-seconds must be 0 (off) or between 0.1 and 3600, not \(removedDestinationSweepSeconds)")
        }
        guard keysReloadSeconds == 0 || (0.1...3600).contains(keysReloadSeconds) else {
            throw ValidationError("--keys-reload-seconds must be 0 (off) or between 0.1 and 3600, not \(keysReloadSeconds)")
        }
        guard (1...10_000).contains(removedDestinationSweepBatch) else {
            throw ValidationError("--removed-destination-sweep-batch must be between 1 and 10000, not \(removedDestinationSweepBatch)")
        }
        guard envelopeReloadSettleSeconds >= 0 else { throw ValidationError("--envelope-reload-settle-seconds must be at least 0") }
        guard refundAbnormalRecheckSeconds >= 1 else { throw ValidationError("--refund-abnormal-recheck-seconds must be at least 1") }
        guard refundRefusalSettleSeconds >= 0 else { throw ValidationError("--refund-refusal-settle-seconds must be at least 0") }
        for (flag, days) in [("wechat", refundWindowDaysWechat), ("alipay", refundWindowDaysAlipay)] where !(1...3660).contains(days) {
            throw ValidationError("--refund-window-days-\(flag) must be between 1 and 3660, not \(days)")
        }
    }

    public func run() async throws {
        let logger = Logger(label: "paystream.api")
        let (host, port) = (self.host, self.port)
        let server = try serverBuilder()
        let publicURL = self.publicURL ?? "\(tlsCert == nil ? "http" : "https")://\(host):\(port)"
        let built = try await options.build(role: "paystream-api", publicURL: publicURL, keyedStatements: true, logger: logger)
        var services = built.services
        services.refundAbnormalRecheckSeconds = Int64(refundAbnormalRecheckSeconds)
        services.refundWindowDays = [.wechat: refundWindowDaysWechat, .alipay: refundWindowDaysAlipay]
        let app = Application(
            router: APIRouter.make(services, https: tlsCert != nil),
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "paystream-api"),
            onServerRunning: { _ in logger.info("paystream-api listening", metadata: ["host": "\(host)", "port": "\(port)", "publicURL": "\(publicURL)"]) },
            logger: logger)
        var group: [any Service] = [
            app, RuleReloader(rules: built.rules), GrayRuleReloader(cache: services.gray),
            PushKeepAlive(hub: services.push, interval: .milliseconds(Int64(pushKeepAliveSeconds * 1000))),
            PushRelay(
                hub: services.push, registry: built.registry, kafka: built.configuration.kafka(clientID: "paystream-api-push"), logger: logger,
                security: services.security),
        ]
        if keysReloadSeconds > 0, let path = options.keysFile ?? ProcessInfo.processInfo.environment["PAYSTREAM_KEYS_FILE"] {
            group.append(KeysReloader(path: path, security: services.security, logger: logger, interval: .milliseconds(Int64(keysReloadSeconds * 1000))))
        }
        if !noDispatch {
            group += [
                PayoutDispatcher(services: services, refusalSettlesAfter: payoutRefusalSettleSeconds), RefundDispatcher(services: services, refusalSettlesAfter: refundRefusalSettleSeconds),
                PaymentPoller(
                    services: services, queryAfter: .milliseconds(Int64(paymentQueryAfterSeconds * 1000)),
                    expireAfter: .milliseconds(Int64(paymentExpireSeconds * 1000))),
                EnvelopeActivator(services: services),
                EnvelopeReloader(
                    services: services,
                    grabLog: GrabLogWatch(kafka: built.configuration.kafka(clientID: "paystream-api-grab-log"), registry: built.registry, logger: logger),
                    settleSeconds: envelopeReloadSettleSeconds),
            ]
            if removedDestinationSweepSeconds > 0 {
                group.append(RemovedDestinationSweep(
                    services: services, interval: .milliseconds(Int64(removedDestinationSweepSeconds * 1000)), batch: removedDestinationSweepBatch))
            }
        }
        if built.configuration.opsPort > 0 {
            let probe = built.probe
            group.append(
                OpsServer.make(
                    host: built.configuration.opsHost, port: built.configuration.opsPort, serverName: "paystream-api", logger: logger,
                    readiness: { await probe.check() }))
        }
        try await ServiceGroup(
            configuration: .init(services: group, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        ).run()
        await built.close()
    }
}

extension APICommand {
    static let loopbackHosts: Set<String> = ["127.0.0.1", "::1", "localhost"]

    /// The server's TLS settings: the chain and key from PEM files, TLS 1.2 at least.
    static func tlsConfiguration(cert: String, key: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(cert).map { NIOSSLCertificateSource.certificate($0) }
        guard !chain.isEmpty else { throw ValidationError("--tls-cert \(cert) holds no certificate") }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        return tls
    }

    /// HTTPS with the given certificate and key, or plain HTTP/1.1 on a loopback address only; either way an idle
    /// connection is closed after `--http-idle-timeout-seconds` (a client that opens connections and sends nothing,
    /// or trickles a request, does not hold them for ever).
    func serverBuilder() throws -> HTTPServerBuilder {
        guard httpIdleTimeoutSeconds > 0 else { throw ValidationError("--http-idle-timeout-seconds must be above 0") }
        let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .milliseconds(Int64(httpIdleTimeoutSeconds * 1000))))
        switch (tlsCert, tlsKey) {
        case (let cert?, let key?):
            return try .tls(http1, tlsConfiguration: Self.tlsConfiguration(cert: cert, key: key))
        case (nil, nil):
            guard Self.loopbackHosts.contains(host) else {
                throw ValidationError("plain HTTP is served on loopback only; give --tls-cert and --tls-key to listen on \(host)")
            }
            return http1
        default:
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }
}

/// Sends every open event stream its keep-alive, for as long as the process runs.
struct PushKeepAlive: Service {
    let hub: PushHub
    let interval: Duration
    func run() async throws {
        await cancelWhenGracefulShutdown { await hub.runKeepAlive(every: interval) }
    }
}

/// Reads the gray release rule every second, for as long as the process runs.
struct GrayRuleReloader: Service {
    let cache: GrayRuleCache
    func run() async throws {
        await cache.refresh()
        await cancelWhenGracefulShutdown { await cache.run() }
    }
}

/// Reloads the risk rules file when it changes, for as long as the process runs.
struct RuleReloader: Service {
    let rules: RuleBook
    func run() async throws {
        await cancelWhenGracefulShutdown { await rules.run() }
    }
}
