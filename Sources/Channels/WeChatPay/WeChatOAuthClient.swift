import AsyncHTTPClient
import Foundation
import NIOCore
import PaystreamCore

/// WeChat's web authorization (网页授权, scope `snsapi_base`), server side: exchanges the `code` a user's WeChat
/// gave their browser, after they authorized the official account, for that user's openid under the account's
/// AppID (`GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` at
/// `https://api.weixin.qq.com`, or the sandbox's base URL).
///
/// Guarantees: the openid returned is WeChat's answer for this code, checked to be 1...128 of the characters
/// WeChat's transfers take; a refusal (`errcode`) is `.rejected` with WeChat's code (40029 invalid code, 40163 code
/// been used, …) and not retriable, as a code is redeemed once, except -1 (busy) and 45xxx (rate limits), which are
/// retriable `.httpStatus` errors; the AppSecret is read from its file once and never
/// put into an error or a log. Access tokens in the answer are dropped: only the openid is used.
public struct WeChatOAuthClient: Sendable {
    public let appID: String
    public let baseURL: String
    private let appSecret: String
    private let client: HTTPClient
    private let timeout: TimeAmount

    public init(
        appID: String, appSecretPath: String, baseURL: String = "https://api.weixin.qq.com", httpClient: HTTPClient,
        timeout: TimeAmount = .seconds(5)
    ) throws(ChannelError) {
        self.appID = appID
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.appSecret = KeyFiles.stripWhitespace(try KeyFiles.text(appSecretPath, channel: .wechat, what: "the AppSecret"))
        guard !appSecret.isEmpty else {
            throw ChannelError(.configuration, channel: .wechat, operation: "load", message: "the AppSecret at \(appSecretPath) is empty")
        }
        self.client = httpClient
        self.timeout = timeout
    }

    static let operation = "wechat.sns.oauth2.access_token"

    /// The openid of the WeChat user who authorized and was given `code`.
    public func openID(forCode code: String) async throws(ChannelError) -> String {
        try ChannelIdentifiers.check(code, "code", lengths: 1...128, channel: .wechat, operation: Self.operation)
        let query = FormCoding.encode([
            ("appid", appID), ("secret", appSecret), ("code", code), ("grant_type", "authorization_code"),
        ])
        var request = HTTPClientRequest(url: baseURL + "/sns/oauth2/access_token?" + query)
        request.method = .GET
        let body: ByteBuffer
        let status: Int
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 64 * 1024)
        } catch {
            let timedOut = (error as? HTTPClientError) == .deadlineExceeded
            throw ChannelError(
                timedOut ? .timeout : .transport, channel: .wechat, operation: Self.operation,
                message: "WeChat's OAuth endpoint did not answer (\(type(of: error)))", isRetriable: true)
        }
        guard status == 200 else {
            throw ChannelError(
                .httpStatus, channel: .wechat, operation: Self.operation, message: "unexpected HTTP status", httpStatus: status,
                isRetriable: status >= 500)
        }
        struct Answer: Decodable {
            var openid: String?
            var errcode: Int?
            var errmsg: String?
        }
        let answer: Answer
        do {
            answer = try JSONDecoder().decode(Answer.self, from: Data(body.readableBytesView))
        } catch {
            throw ChannelError(.malformedResponse, channel: .wechat, operation: Self.operation, message: "the answer is not WeChat's JSON")
        }
        if let errcode = answer.errcode, errcode != 0 {
            // -1 (system busy) and 45xxx (rate limits) say nothing of the code, which may still be good.
            if errcode == -1 || (45000..<46000).contains(errcode) {
                throw ChannelError(
                    .httpStatus, channel: .wechat, operation: Self.operation, message: "WeChat is busy", httpStatus: status,
                    channelCode: String(errcode), channelMessage: answer.errmsg, isRetriable: true)
            }
            throw ChannelError(
                .rejected, channel: .wechat, operation: Self.operation, message: "WeChat refused the code", httpStatus: status,
                channelCode: String(errcode), channelMessage: answer.errmsg)
        }
        guard let openid = answer.openid, ChannelIdentifiers.isIdentifier(openid, lengths: 1...128) else {
            throw ChannelError(.malformedResponse, channel: .wechat, operation: Self.operation, message: "the answer has no usable openid")
        }
        return openid
    }
}
