import PaystreamCore

/// How the channel sandbox behaves: where it listens, the merchant identities it accepts and the timing of
/// its simulated channels.
///
/// Guarantees: the defaults bind to loopback only; every duration and count has an explicit upper bound checked
/// by ``validate()`` before the sandbox starts.
public struct SandboxConfiguration: Sendable {
    /// The address to bind; `127.0.0.1` unless a person asks for another.
    public var host: String = "127.0.0.1"
    /// The port to bind; 0 picks a free one (read it back from ``ChannelSandbox/boundPort()``).
    public var port: Int = 0
    /// The base URL put into bill download links; by default the `Host` the caller used.
    public var publicBaseURL: String?

    /// WeChat Pay merchant number (`mchid`) and app id the sandbox accepts.
    public var wechatMerchantID: String = "1900000109"
    public var wechatAppID: String = "wxd678efh567hg6787"
    /// Alipay app id the gateway accepts and the seller (partner) id it reports.
    public var alipayAppID: String = "2021000000000001"
    public var alipaySellerID: String = "2088000000000001"
    /// Bill99 member code the pay-to-bank endpoint accepts.
    public var bill99MemberCode: String = "10012138842"
    /// Where Bill99 payout results are posted when the order does not name a `notifyUrl`.
    public var bill99NotifyURL: String?
    /// Notify URLs used when a static-QR payment (`POST /sandbox/pay` for an order the platform never created)
    /// names none.
    public var defaultNotifyURLs: [Channel: String] = [:]

    /// Waits between notify attempts after a failure; attempts = count + 1.
    public var notifyRetrySchedule: [Duration] = [.seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30)]
    /// How long one notify attempt may take before it counts as failed.
    public var notifyTimeout: Duration = .seconds(5)
    /// PEM certificates the notify client trusts instead of the system's roots (a platform serving HTTPS with a
    /// certificate of its own, as in tests); nil: the system's roots.
    public var notifyTrustRootsPath: String?
    /// How long refunds, transfers and payouts stay in their processing state before they finish.
    public var settleDelay: Duration = .milliseconds(500)
    /// A request whose signature timestamp is this far from now (or further) is refused, as WeChat Pay does.
    public var timestampTolerance: Duration = .seconds(300)

    /// Bounds that keep the sandbox's memory finite.
    public var maxOrders = 100_000
    public var maxNotifyRecords = 10_000

    public init() {}

    /// Throws a description of the first bound a value is outside of.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw SandboxConfigurationError(message: message) }
        }
        try check((0...65_535).contains(port), "port \(port) is outside 0...65535")
        try check(notifyRetrySchedule.count <= 20, "at most 20 notify retries")
        try check(
            notifyRetrySchedule.allSatisfy { $0 >= .zero && $0 <= .seconds(6 * 3600) },
            "each notify retry wait must be within 0...6h")
        try check(notifyTimeout > .zero && notifyTimeout <= .seconds(60), "notify timeout must be within (0, 60s]")
        try check(settleDelay >= .zero && settleDelay <= .seconds(3600), "settle delay must be within 0...1h")
        try check((1...10_000_000).contains(maxOrders), "maxOrders must be within 1...10000000")
        try check((1...1_000_000).contains(maxNotifyRecords), "maxNotifyRecords must be within 1...1000000")
    }
}

/// A configuration value outside its bounds.
public struct SandboxConfigurationError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
