import AsyncHTTPClient
import Foundation
import Logging
import PaystreamCore

/// An Alipay openapi client (RSA2): precreate (QR), page-pay URL, query, close, refund, refund query, bill URL.
///
/// Guarantees: every call carries the common parameters (app_id, method, format=JSON, charset=utf-8,
/// sign_type=RSA2, timestamp in Asia/Shanghai, version=1.0, notify_url, biz_content) signed over the sorted raw
/// `k=v&…` of all non-empty parameters but `sign`, URL-encoded only after signing; every answer's
/// `<method>_response` is verified over its exact text before it is read, and results are taken only from
/// verified answers with code 10000. Amounts go out as `Amount.yuanString` and come back through
/// `Amount.parseYuan` (exact; more than two decimals is a malformed answer). Every call is a read or carries
/// out_trade_no / out_request_no, so it is retried within ``ChannelHTTPOptions``.
public struct AlipayClient: PaymentChannel {
    public var channel: Channel { .alipay }

    public let configuration: AlipayConfiguration
    let credentials: AlipayCredentials
    let reader: AlipayResponseReader
    let transport: ChannelHTTPTransport
    let now: @Sendable () -> Date

    public init(
        configuration: AlipayConfiguration, credentials: AlipayCredentials, httpClient: HTTPClient,
        logger: Logger = Logger(label: "paystream.channels.alipay"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.reader = AlipayResponseReader(alipayPublicKey: credentials.alipayPublicKey)
        self.transport = ChannelHTTPTransport(
            client: httpClient, options: configuration.http, channel: .alipay, logger: logger)
        self.now = now
    }

    /// Loads the keys the configuration names, then builds the client.
    public init(
        configuration: AlipayConfiguration, httpClient: HTTPClient, logger: Logger = Logger(label: "paystream.channels.alipay")
    ) throws(ChannelError) {
        self.init(
            configuration: configuration, credentials: try AlipayCredentials.load(from: configuration),
            httpClient: httpClient, logger: logger)
    }

    /// The common parameters plus `sign` for one call.
    public func signedParameters(method: String, bizContent: String, extra: [String: String] = [:], at date: Date)
        throws(ChannelError) -> [String: String]
    {
        var parameters = extra
        parameters["app_id"] = configuration.appID
        parameters["method"] = method
        parameters["format"] = "JSON"
        parameters["charset"] = "utf-8"
        parameters["sign_type"] = "RSA2"
        parameters["timestamp"] = ChannelTime.shanghaiDateTime(date)
        parameters["version"] = "1.0"
        parameters["notify_url"] = configuration.notifyURL
        parameters["biz_content"] = bizContent
        parameters["sign"] = try AlipaySignatures.signRequest(parameters, with: credentials.appPrivateKey)
        return parameters
    }

    /// Calls `method` and returns the verified `<method>_response` bytes of a code-10000 answer.
    func call(_ method: String, biz: [String: String]) async throws(ChannelError) -> [UInt8] {
        let bizContent: String
        do {
            bizContent = String(decoding: try ChannelJSON.encode(biz), as: UTF8.self)
        } catch {
            throw ChannelError(.invalidRequest, channel: .alipay, operation: method, message: "cannot encode biz_content")
        }
        let url = configuration.gatewayURL
        let response = try await transport.send(method, repeatable: true) { [self] () throws(ChannelError) in
            let parameters = try signedParameters(method: method, bizContent: bizContent, at: now())
            let form = FormCoding.encode(parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            return ChannelHTTPRequest(
                method: .POST, url: url,
                headers: [
                    ("Content-Type", "application/x-www-form-urlencoded;charset=utf-8"), ("Accept", "application/json"),
                ],
                body: Array(form.utf8))
        }
        guard response.status == 200 else {
            throw ChannelError(
                .httpStatus, channel: .alipay, operation: method, message: "unexpected HTTP status",
                httpStatus: response.status, isRetriable: response.status == 429 || response.status >= 500)
        }
        let content = try reader.read(response.body, method: method, operation: method)
        let status = try decode(AlipayWireStatus.self, content.raw, method)
        guard status.code == "10000" else {
            let notFound = content.verified && status.sub_code.map(Self.notFoundCodes.contains) == true
            throw ChannelError(
                notFound ? .notFound : .rejected, channel: .alipay, operation: method,
                message: "Alipay answered code \(status.code) \(status.msg ?? "")" + (content.verified ? "" : " (unsigned answer)"),
                httpStatus: response.status, channelCode: status.sub_code ?? status.code, channelMessage: status.sub_msg,
                isRetriable: status.code == "20000" || status.sub_code?.hasSuffix("SYSTEM_ERROR") == true, isVerifiedAnswer: content.verified)
        }
        guard content.verified else {
            throw ChannelError(.badResponseSignature, channel: .alipay, operation: method, message: "answer is not signed")
        }
        return content.raw
    }

    static let notFoundCodes: Set<String> = ["ACQ.TRADE_NOT_EXIST"]

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ operation: String) throws(ChannelError) -> T {
        do {
            return try ChannelJSON.decode(type, from: bytes)
        } catch {
            throw ChannelError(.malformedResponse, channel: .alipay, operation: operation, message: ChannelJSON.describe(error))
        }
    }

    func yuan(_ text: String?, _ name: String, _ operation: String) throws(ChannelError) -> Amount? {
        guard let text else { return nil }
        do {
            return try Amount.parseYuan(text)
        } catch {
            throw ChannelError(
                .malformedResponse, channel: .alipay, operation: operation, message: "\(name) \"\(text)\" is not an exact yuan amount")
        }
    }

    func required<T>(_ value: T?, _ name: String, _ operation: String) throws(ChannelError) -> T {
        guard let value else {
            throw ChannelError(.malformedResponse, channel: .alipay, operation: operation, message: "answer has no \(name)")
        }
        return value
    }
}
