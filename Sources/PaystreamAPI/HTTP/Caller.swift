import Foundation
import Hummingbird
import PaystreamCore

/// Who is calling, as ``AuthenticationMiddleware`` verified it: API clients by their request signature,
/// merchants additionally by their login session, operators by theirs. Routes ask here and nowhere else.
struct Caller: Sendable {
    /// The calling account (a verified API client's); 401 `auth.missing` for an unsigned request. A merchant
    /// account also needs its merchant session (401 `auth.session_required`); an operator's session alone is
    /// not an account (403 `auth.account_required`).
    static func account(of request: Request) throws(APIError) -> AccountID {
        let auth = Authenticated.current
        guard let account = auth.account else {
            if auth.session?.role == .admin {
                throw APIError.forbidden("auth.account_required", "this route acts for an account; an operator's session is not one")
            }
            throw APIError(.unauthorized, "auth.missing", "sign the request with an API client's key (X-Paystream-App-Id, …)")
        }
        if account.kind == .merchant {
            guard let session = auth.session, session.role == .merchant, session.account == account else {
                throw APIError(
                    .unauthorized, "auth.session_required",
                    "a merchant's request needs the merchant's session: Authorization: Bearer <token from POST /v1/auth/login>")
            }
        }
        return account
    }

    /// The calling operator's login; 401 `auth.admin_required` without any identity, 403 `auth.admin_required`
    /// for a user's or merchant's.
    static func admin(of request: Request) throws(APIError) -> String {
        let auth = Authenticated.current
        if let session = auth.session, session.role == .admin { return session.login }
        if auth.account != nil || auth.session != nil {
            throw APIError.forbidden("auth.admin_required", "this route needs an operator's session")
        }
        throw APIError(.unauthorized, "auth.admin_required", "this route needs an operator's session (Authorization: Bearer)")
    }

    /// The idempotency scope of the request: the account, `admin:<login>`, or `anonymous`; nil for a merchant's
    /// signature without the merchant's session, which no stored answer may be replayed to (the route refuses it).
    static var idempotencyScope: String? {
        let auth = Authenticated.current
        if let account = auth.account {
            if account.kind == .merchant && (auth.session?.role != .merchant || auth.session?.account != account) { return nil }
            return account.description
        }
        if let session = auth.session { return session.role == .admin ? "admin:" + session.login : "session:" + session.login }
        return "anonymous"
    }

    /// Who reads a record: an operator (any record) or an account (its own records only).
    enum Viewer {
        case admin(String)
        case account(AccountID)

        /// True for an operator, or when the account is one of `parties` (owner, counterparty, …).
        func mayRead(_ parties: String?...) -> Bool {
            switch self {
            case .admin: true
            case .account(let account): parties.contains(account.description)
            }
        }
    }

    /// An operator when the request carries an operator's session, else the calling account.
    static func viewer(of request: Request) throws(APIError) -> Viewer {
        if let session = Authenticated.current.session, session.role == .admin { return .admin(session.login) }
        return .account(try account(of: request))
    }

    /// The request's correlation id: `X-Request-Id` when it is a short token, otherwise a new one.
    static func correlationID(of request: Request) -> String {
        if let given = request.header("X-Request-Id"), (1...64).contains(given.utf8.count),
            given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            return given
        }
        return "req-" + OrderNumbers.random(16)
    }
}
