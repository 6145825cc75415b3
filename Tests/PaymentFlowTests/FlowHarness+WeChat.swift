import Foundation

extension FlowHarness {
    /// The WeChat user `openID` (a new one when nil) authorizes in the sandbox's SIMULATED WeChat; the code it gets.
    /// `realName` is the real name WeChat holds for that user (SIMULATED: transfers naming another person fail).
    func wechatCode(openID: String? = nil, realName: String? = nil) async throws -> (code: String, openID: String) {
        var fields: [String: String] = [:]
        fields["openid"] = openID
        fields["realName"] = realName
        let body = String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
        let consent = try await sandbox(.POST, "/sandbox/wechat/authorize", body)
        guard consent.status == 200, let code = consent.string("code"), let openid = consent.string("openid") else {
            throw HarnessError("the sandbox gave no code: \(consent.text)")
        }
        return (code, openid)
    }

    /// Binds a WeChat user to `account` as a client does (WeChat's code, exchanged by the API); returns the openid,
    /// which WeChat withdrawals of `account` may then name.
    @discardableResult
    func bindWeChat(as account: String, openID: String? = nil, realName: String? = nil) async throws -> String {
        let (code, openid) = try await wechatCode(openID: openID, realName: realName)
        let bound = try await post("/v1/wechat-accounts", #"{"code":"\#(code)"}"#, as: account)
        guard [200, 201].contains(bound.status), bound.string("openId") == openid else { throw HarnessError("binding refused: \(bound.text)") }
        return openid
    }

    /// A funded user with one WeChat account bound: the user, the openid and the binding's id.
    func fundedUserWithWeChat(_ label: String, fen: Int64) async throws -> (user: String, openID: String, bindingID: String) {
        let user = try await fundedUser(label, fen: fen)
        let openID = try await bindWeChat(as: user)
        let bindings = try await get("/v1/wechat-accounts", as: user).json["wechatAccounts"] as? [[String: Any]]
        guard let bindingID = bindings?.first?["bindingId"] as? String else { throw HarnessError("\(user) has no WeChat binding") }
        return (user, openID, bindingID)
    }
}
