import Channels
import Foundation
import Hummingbird
import PaystreamCore
import Postgres

/// WeChat accounts: bound from WeChat's own word (web authorization), then the only openids a WeChat withdrawal
/// may name.
///
/// - `POST /v1/wechat-accounts` `{"code"}` (the code the user's WeChat gave their browser after they authorized the
///   official account, scope `snsapi_base`) → the API exchanges it at WeChat for the user's openid → 201 the
///   binding `{"bindingId","openId","appId","boundAt"}` (200 with the existing binding when this account already
///   has that openid).
/// - `GET /v1/wechat-accounts` → the caller's bindings; `DELETE /v1/wechat-accounts/{bindingId}` → 204. Unbinding
///   stops the WeChat withdrawals to that openid not sent yet, as removing a card does (``CardRoutes``).
///
/// Guarantees: an openid is bound only from WeChat's answer to a code, never from the client's word; one WeChat
/// user is bound to one account at a time (another's binding of it is 409 `wechat.bound_elsewhere`); an account
/// sees and removes only its own bindings (another's is 404 `wechat.not_found`); at most ``maxBindings`` per
/// account. Codes are not logged.
struct WeChatAccountRoutes: Sendable {
    let services: APIServices

    static let maxBindings = 5

    struct BindBody: Decodable { var code: String? }

    func register(on router: Router<APIRequestContext>) {
        router.post("/v1/wechat-accounts") { request, _ in
            await handle(request, services) { correlationID in
                var request = request
                let caller = try Caller.account(of: request)
                let body = try await request.decode(BindBody.self)
                return try await bind(caller, code: body.code, correlationID: correlationID)
            }
        }
        router.get("/v1/wechat-accounts") { request, _ in
            await handle(request, services) { _ in
                let caller = try Caller.account(of: request)
                struct Bindings: Encodable { var wechatAccounts: [WeChatAccountRecord] }
                return .json(.ok, Bindings(wechatAccounts: try await services.store.wechatAccounts(of: caller.description)))
            }
        }
        router.delete("/v1/wechat-accounts/:bindingId") { request, context in
            await handle(request, services) { correlationID in
                let caller = try Caller.account(of: request)
                let bindingID = context.parameters.get("bindingId") ?? ""
                let stopped = try await services.store.postgres.withTransaction { connection in
                    let rows = try await connection.query(
                        """
                        UPDATE wechat_accounts SET removed_at = now()
                        WHERE binding_id = \(bindingID) AND account_id = \(caller.description) AND removed_at IS NULL RETURNING openid
                        """)
                    guard let openID = try rows.first?.decode(String.self, column: "openid") else { throw Self.notFound(bindingID) }
                    return try await WithdrawalRoutes.rejectWaiting(
                        to: .wechat(openID), of: caller.description, services: services, correlationID: correlationID, on: connection)
                }
                services.logger.notice(
                    "WeChat account removed",
                    metadata: [
                        "binding_id": "\(bindingID)", "account": "\(caller)", "withdrawals_rejected": "\(stopped.joined(separator: ","))",
                        "correlation_id": "\(correlationID)",
                    ])
                return Response(status: .noContent)
            }
        }
    }

    static func notFound(_ id: String) -> APIError {
        .notFound("wechat.not_found", "no WeChat account \(id.prefix(64)) bound to this caller")
    }

    func bind(_ caller: AccountID, code: String?, correlationID: String) async throws -> Response {
        guard let code, !code.isEmpty else { throw APIError.badRequest("request.missing_field", "code (from WeChat's authorization) is required") }
        guard ChannelIdentifiers.isIdentifier(code, lengths: 1...128) else {
            throw APIError.badRequest("request.invalid_field", "code is 1...128 letters, digits or _-|*")
        }
        guard let oauth = services.channels.wechatOAuth else {
            throw APIError(.serviceUnavailable, "wechat.binding_unavailable", "WeChat authorization is not configured (no AppSecret)")
        }
        let openID: String
        do {
            openID = try await oauth.openID(forCode: code)
        } catch let error where error.code == .rejected || error.code == .invalidRequest {
            services.logger.notice(
                "WeChat refused an authorization code",
                metadata: ["account": "\(caller)", "channel_code": "\(error.channelCode ?? "")", "correlation_id": "\(correlationID)"])
            throw APIError.unprocessable(
                "wechat.code_refused", "WeChat refused the code (\(error.channelCode ?? "invalid")): it is used, expired or unknown; authorize again")
        } catch {
            services.logger.error("WeChat authorization failed", metadata: ["error": "\(error)", "correlation_id": "\(correlationID)"])
            throw APIError(.serviceUnavailable, "wechat.unavailable", "WeChat's authorization is not answering; retry later")
        }
        return try await services.store.postgres.withTransaction { connection in
            // Serializes bindings of one account, so the limit holds under concurrent requests.
            _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext('wechat_accounts:' || \(caller.description)))")
            let existing = try await connection.query(
                """
                \(unsafeRaw: WeChatAccountRecord.selectSQL)
                WHERE openid = \(openID) AND removed_at IS NULL
                """)
            if let row = existing.first {
                guard try row.decode(String.self, column: "account_id") == caller.description else {
                    throw APIError.conflict("wechat.bound_elsewhere", "this WeChat account is bound to another Paystream account")
                }
                return .json(.ok, try WeChatAccountRecord(row: row))
            }
            let count = try await connection.query(
                "SELECT count(*) AS n FROM wechat_accounts WHERE account_id = \(caller.description) AND removed_at IS NULL")
            guard try count.first?.decode(Int64.self, column: "n") ?? 0 < Self.maxBindings else {
                throw APIError.conflict("wechat.limit_reached", "an account binds at most \(Self.maxBindings) WeChat accounts; remove one first")
            }
            let bindingID = "WX" + OrderNumbers.random(20)
            let rows: PostgresRows
            do {
                rows = try await connection.query(
                    """
                    INSERT INTO wechat_accounts (binding_id, account_id, app_id, openid)
                    VALUES (\(bindingID), \(caller.description), \(oauth.appID), \(openID))
                    RETURNING binding_id, account_id, app_id, openid, bound_at
                    """)
            } catch let error as PostgresError where error.isUniqueViolation {
                // Another account bound it in the meantime.
                throw APIError.conflict("wechat.bound_elsewhere", "this WeChat account is bound to another Paystream account")
            }
            guard let row = rows.first else { throw APIError(.internalServerError, "store.lost", "binding \(bindingID) vanished") }
            services.logger.notice(
                "WeChat account bound", metadata: ["binding_id": "\(bindingID)", "account": "\(caller)", "correlation_id": "\(correlationID)"])
            return .json(.created, try WeChatAccountRecord(row: row))
        }
    }
}

/// A WeChat account an account bound, as answered.
struct WeChatAccountRecord: Sendable, Encodable {
    var bindingId: String
    /// The user's openid under ``appId``: what a WeChat withdrawal names.
    var openId: String
    var appId: String
    var boundAt: Date

    static let selectSQL = "SELECT binding_id, account_id, app_id, openid, bound_at FROM wechat_accounts"

    init(row: PostgresRow) throws {
        bindingId = try row.decode(String.self, column: "binding_id")
        openId = try row.decode(String.self, column: "openid")
        appId = try row.decode(String.self, column: "app_id")
        boundAt = try row.decode(Date.self, column: "bound_at")
    }
}

extension PaymentStore {
    /// The account's WeChat bindings, oldest first.
    func wechatAccounts(of account: String) async throws -> [WeChatAccountRecord] {
        let rows = try await postgres.query(
            """
            \(unsafeRaw: WeChatAccountRecord.selectSQL)
            WHERE account_id = \(account) AND removed_at IS NULL ORDER BY bound_at, binding_id
            """)
        return try rows.map { try WeChatAccountRecord(row: $0) }
    }

    /// True when `openID` is bound to `account` now, under `appID` (an openid means something under one AppID only).
    /// When `openID` was bound to `account` under `appID` (what the risk rules read as `wechat_bound_at`); nil when
    /// it is not bound to it.
    func wechatBoundAt(_ openID: String, of account: String, appID: String) async throws -> Date? {
        let rows = try await postgres.query(
            """
            SELECT bound_at FROM wechat_accounts
            WHERE openid = \(openID) AND account_id = \(account) AND app_id = \(appID) AND removed_at IS NULL
            """)
        return try rows.first?.decode(Date.self, column: "bound_at")
    }
}
