import AsyncHTTPClient
import Foundation
import Logging
import PaystreamCore

/// A WeChat Pay API v3 client: Native (QR) orders, query, close, refunds, transfers to balance, trade bills.
///
/// Guarantees: every request carries a fresh `WECHATPAY2-SHA256-RSA2048` Authorization (new nonce and timestamp
/// per attempt) over the exact bytes sent; every answer, success or error, that carries `Wechatpay-*` headers is
/// verified with the platform key its serial names, within 300 s of now, before it is read; a 2xx answer without
/// a valid signature is `.badResponseSignature` (an unknown serial is `.unknownPlatformKey`). `.notFound` comes
/// only from a verified answer. Retries follow ``ChannelHTTPTransport``: every call here is a read or carries
/// out_trade_no / out_refund_no / out_bill_no.
public struct WeChatPayV3Client: PaymentChannel, PayoutChannel {
    public var channel: Channel { .wechat }

    public let configuration: WeChatPayConfiguration
    let signer: WeChatPayRequestSigner
    let responseCheck: WeChatPaySignatureCheck
    /// What sensitive request fields are encrypted under (``WeChatPayPlatformKeys/encryptionKey``).
    let platformKeys: WeChatPayPlatformKeys
    let transport: ChannelHTTPTransport
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - httpClient: the process's shared client (`HTTPClient(eventLoopGroupProvider: .singleton)`); the caller
    ///     owns its lifecycle.
    ///   - now: the clock for request timestamps and answer freshness (tests inject one).
    public init(
        configuration: WeChatPayConfiguration, credentials: WeChatPayCredentials, httpClient: HTTPClient,
        logger: Logger = Logger(label: "paystream.channels.wechat"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.signer = WeChatPayRequestSigner(
            merchantID: configuration.merchantID, certificateSerial: configuration.merchantCertificateSerial,
            privateKey: credentials.merchantPrivateKey)
        self.responseCheck = WeChatPaySignatureCheck(
            platformKeys: credentials.platformKeys, maximumSkew: WeChatPayNotifyVerifier.maximumClockSkew)
        self.platformKeys = credentials.platformKeys
        self.transport = ChannelHTTPTransport(
            client: httpClient, options: configuration.http, channel: .wechat, logger: logger)
        self.now = now
    }

    /// Loads the keys the configuration names, then builds the client.
    public init(
        configuration: WeChatPayConfiguration, httpClient: HTTPClient,
        logger: Logger = Logger(label: "paystream.channels.wechat")
    ) throws(ChannelError) {
        self.init(
            configuration: configuration, credentials: try WeChatPayCredentials.load(from: configuration),
            httpClient: httpClient, logger: logger)
    }

    /// Sends one signed request and returns the verified 2xx answer; maps everything else to a ``ChannelError``.
    func perform(
        _ operation: String, _ method: ChannelHTTPRequest.Method, _ target: String, body: [UInt8]? = nil, expectBody: Bool = true,
        extraHeaders: [(String, String)] = []
    ) async throws(ChannelError) -> ChannelHTTPResponse {
        let base = configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        let signer = self.signer
        let now = self.now
        let response = try await transport.send(operation, repeatable: true) { () throws(ChannelError) in
            let timestamp = String(Int64(now().timeIntervalSince1970.rounded(.down)))
            let nonce = ChannelIdentifiers.nonce()
            let authorization = try signer.authorization(
                method: method.rawValue, url: target, timestamp: timestamp, nonce: nonce, body: body ?? [])
            var headers = [
                ("Authorization", authorization), ("Accept", "application/json"), ("User-Agent", "paystream-channels/1"),
            ]
            if body != nil { headers.append(("Content-Type", "application/json")) }
            headers += extraHeaders
            return ChannelHTTPRequest(method: method, url: base + target, headers: headers, body: body)
        }
        let verified = try verify(response, operation)
        guard (200...299).contains(response.status) else { throw failure(response, operation, verified: verified) }
        guard verified else {
            throw ChannelError(
                .badResponseSignature, channel: .wechat, operation: operation, message: "answer is not signed",
                httpStatus: response.status)
        }
        if expectBody, response.body.isEmpty {
            throw ChannelError(
                .malformedResponse, channel: .wechat, operation: operation, message: "empty answer",
                httpStatus: response.status)
        }
        return response
    }

    /// True when the answer carries a valid signature, false when it carries none; throws when it carries one
    /// that does not verify.
    private func verify(_ response: ChannelHTTPResponse, _ operation: String) throws(ChannelError) -> Bool {
        let serial = response.header("Wechatpay-Serial")
        let signature = response.header("Wechatpay-Signature")
        if serial == nil && signature == nil { return false }
        guard
            let failure = responseCheck.check(
                timestamp: response.header("Wechatpay-Timestamp"), nonce: response.header("Wechatpay-Nonce"),
                signature: signature, serial: serial, body: response.body, now: now())
        else { return true }
        let code: ChannelError.Code = if case .unknownKey = failure { .unknownPlatformKey } else { .badResponseSignature }
        throw ChannelError(
            code, channel: .wechat, operation: operation, message: "answer signature: \(failure)",
            httpStatus: response.status)
    }

    private func failure(_ response: ChannelHTTPResponse, _ operation: String, verified: Bool) -> ChannelError {
        let wire = try? ChannelJSON.decode(WeChatWireError.self, from: response.body)
        let status = response.status
        let retriable = status == 429 || status >= 500
        let note = verified ? "" : " (unsigned answer)"
        if verified, status == 404 || wire?.code == "ORDER_NOT_EXIST" || wire?.code == "RESOURCE_NOT_EXISTS" {
            return ChannelError(
                .notFound, channel: .wechat, operation: operation, message: "not found at WeChat Pay", httpStatus: status,
                channelCode: wire?.code, channelMessage: wire?.message, isVerifiedAnswer: true)
        }
        if (400...499).contains(status), status != 401, status != 403, status != 429, wire != nil {
            return ChannelError(
                .rejected, channel: .wechat, operation: operation, message: "WeChat Pay refused the request" + note,
                httpStatus: status, channelCode: wire?.code, channelMessage: wire?.message, isVerifiedAnswer: verified)
        }
        return ChannelError(
            .httpStatus, channel: .wechat, operation: operation, message: "unexpected HTTP status" + note,
            httpStatus: status, channelCode: wire?.code, channelMessage: wire?.message, isRetriable: retriable, isVerifiedAnswer: verified)
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: ChannelHTTPResponse, _ operation: String) throws(ChannelError)
        -> T
    {
        do {
            return try ChannelJSON.decode(type, from: response.body)
        } catch {
            throw ChannelError(
                .malformedResponse, channel: .wechat, operation: operation, message: ChannelJSON.describe(error),
                httpStatus: response.status)
        }
    }

    func encode(_ value: some Encodable, _ operation: String) throws(ChannelError) -> [UInt8] {
        do {
            return try ChannelJSON.encode(value)
        } catch {
            throw ChannelError(.invalidRequest, channel: .wechat, operation: operation, message: "cannot encode: \(error)")
        }
    }

    func mapped<T>(_ operation: String, _ body: () throws(WeChatPayMapping.Invalid) -> T) throws(ChannelError) -> T {
        do {
            return try body()
        } catch {
            throw ChannelError(.malformedResponse, channel: .wechat, operation: operation, message: error.description)
        }
    }

    /// A path segment; identifiers are checked to letters, digits and `_-|*`, so only `|` needs escaping.
    static func segment(_ value: String) -> String { FormCoding.escape(value) }
}
