import Foundation
import Hummingbird

/// WeChat's web authorization (网页授权), as an official account's server meets it: the user's WeChat gives their
/// browser a `code`, and the server exchanges it for the user's openid.
///
/// - `GET /sns/oauth2/access_token?appid=&secret=&code=&grant_type=authorization_code` → 200
///   `{"access_token","expires_in":7200,"refresh_token","openid","scope":"snsapi_base"}`; a refusal is also 200, as
///   at WeChat, with `{"errcode","errmsg"}`: 40013 invalid appid, 40125 invalid appsecret, 40029 invalid code
///   (unknown or older than 5 minutes), 40163 code been used, 40002 invalid grant_type.
/// - SIMULATED user consent, which at WeChat happens in the user's WeChat app: `POST /sandbox/wechat/authorize
///   {"openid"?,"realName"?}` → `{"code","openid"}` (a new openid when none is given). `realName` is the SIMULATED
///   real-name record WeChat keeps of its user: a transfer to that openid naming anyone else fails (`NAME_NOT_CORRECT`).
///
/// Guarantees: a code is redeemed once; only this sandbox's AppID and AppSecret are accepted.
struct WeChatOAuthEndpoints: Sendable {
    let core: SandboxCore

    static let accessTokenPath = "/sns/oauth2/access_token"
    static let openidBytes = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-|*".utf8)

    struct AccessToken: Encodable {
        var access_token: String
        var expires_in = 7200
        var refresh_token: String
        var openid: String
        var scope = "snsapi_base"
    }

    struct Refusal: Encodable {
        var errcode: Int
        var errmsg: String
    }

    struct Consent: Decodable {
        var openid: String?
        var realName: String?
    }
    struct Authorized: Encodable {
        var code: String
        var openid: String
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get(RouterPath(stringLiteral: Self.accessTokenPath)) { request, _ -> Response in
            let query = request.uri.queryParameters
            let value = { (name: String) in query.get(name).map { String($0) } }
            guard value("appid") == core.configuration.wechatAppID else { return .json(.ok, Refusal(errcode: 40013, errmsg: "invalid appid")) }
            guard value("secret") == core.keys.wechatAppSecret else { return .json(.ok, Refusal(errcode: 40125, errmsg: "invalid appsecret")) }
            guard value("grant_type") == "authorization_code" else { return .json(.ok, Refusal(errcode: 40002, errmsg: "invalid grant_type")) }
            switch await core.identities.redeem(value("code") ?? "", now: Date()) {
            case .openid(let openid):
                return .json(.ok, AccessToken(access_token: SandboxID.alphanumeric(64), refresh_token: SandboxID.alphanumeric(64), openid: openid))
            case .refused(let errcode, let errmsg):
                core.logger.info("WeChat OAuth code refused", metadata: ["errcode": "\(errcode)"])
                return .json(.ok, Refusal(errcode: errcode, errmsg: errmsg))
            }
        }
        let control = ControlEndpoints(core: core)
        router.post("/sandbox/wechat/authorize") { request, _ -> Response in
            await control.run {
                var request = request
                let bytes = try await request.bodyBytes()
                let consent = bytes.isEmpty ? Consent() : try control.decode(Consent.self, bytes)
                let openid = consent.openid ?? SandboxID.wechatOpenID()
                guard (1...128).contains(openid.utf8.count), openid.utf8.allSatisfy(Self.openidBytes.contains) else {
                    throw SandboxError(.badRequest, "openid must be 1...128 letters, digits or _-|*")
                }
                if let realName = consent.realName {
                    guard (1...64).contains(realName.count) else { throw SandboxError(.badRequest, "realName is 1...64 characters") }
                    await core.identities.recordRealName(realName, of: openid)
                }
                return .json(.ok, Authorized(code: await core.identities.authorize(openid: openid, now: Date()), openid: openid))
            }
        }
    }
}
