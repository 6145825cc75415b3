import Foundation
import Hummingbird
import PaystreamRuntime

/// `POST /v1/auth/login` `{"login","password"}` → 200 `{"token","expiresAt","role","account"?}`: a session for a
/// merchant's back office or an operator, sent as `Authorization: Bearer <token>`, valid 30 minutes.
/// Refusals: 401 `auth.login_failed` (unknown login or wrong password — the same answer and the same work for
/// both), 429 `auth.locked` with `Retry-After` after 5 failures in a row (15 minutes, also for the right password;
/// counted per login name, so an unknown name is locked the same way and the lockout does not reveal which exist),
/// `POST /v1/auth/logout` (with the session) → 204: the session is refused from then on (401 `auth.session_revoked`)
/// on every API process, until it would have expired.
/// 503 `auth.busy` with `Retry-After: 1` while 8 attempts are being checked already (not counted as a failure).
struct LoginRoutes: Sendable {
    let services: APIServices

    struct Body: Decodable {
        var login: String?
        var password: String?
    }

    struct Session: Encodable {
        var token: String
        var expiresAt: Date
        var role: String
        var account: String?
    }

    func register(on router: Router<APIRequestContext>) {
        router.post("/v1/auth/logout") { request, _ in
            await handle(request, services) { correlationID in
                guard let session = Authenticated.current.session, let token = Authenticated.current.sessionToken else {
                    throw APIError(.unauthorized, "auth.session_required", "log out with the session to end (Authorization: Bearer)")
                }
                try await services.security.revoke(token, session: session, now: services.now())
                services.logger.notice("logout", metadata: ["login": "\(session.login)", "correlation_id": "\(correlationID)"])
                return Response(status: .noContent)
            }
        }
        router.post("/v1/auth/login") { request, _ in
            await handle(request, services) { correlationID in
                var request = request
                let body = try await request.decode(Body.self)
                guard let login = body.login, (1...64).contains(login.utf8.count), let password = body.password,
                    (1...1024).contains(password.utf8.count)
                else { throw APIError.badRequest("request.missing_field", "login and password are required") }
                switch try await services.security.logins.verify(login: login, password: password, now: services.now()) {
                case .accepted(let principal):
                    let issued = try SessionToken.issue(for: principal, key: services.security.sessionKey, now: services.now())
                    services.logger.notice("login", metadata: ["login": "\(login)", "role": "\(principal.role.rawValue)", "correlation_id": "\(correlationID)"])
                    return .json(.ok, Session(token: issued.token, expiresAt: issued.expiresAt, role: principal.role.rawValue, account: principal.account?.description))
                case .rejected:
                    services.logger.notice("login refused", metadata: ["login": "\(login)", "correlation_id": "\(correlationID)"])
                    throw APIError(.unauthorized, "auth.login_failed", "the login or the password is wrong")
                case .busy:
                    services.logger.warning("login refused: password checks saturated", metadata: ["login": "\(login)", "correlation_id": "\(correlationID)"])
                    return APIError(.serviceUnavailable, "auth.busy", "too many sign-ins are being checked; try again in a moment")
                        .response(correlationID: correlationID, retryAfterSeconds: 1)
                case .locked(let until):
                    services.logger.warning("login locked", metadata: ["login": "\(login)", "until": "\(until)", "correlation_id": "\(correlationID)"])
                    return APIError(.tooManyRequests, "auth.locked", "too many failed logins; try again later")
                        .response(correlationID: correlationID, retryAfterSeconds: Int(until.timeIntervalSince(services.now()).rounded(.up)))
                }
            }
        }
    }
}
