import Foundation
import Hummingbird
import PaystreamCore

/// Who is calling.
///
/// PROVISIONAL: until the security issue's signed requests and sessions land, the caller names itself in
/// trusted headers, which only a gateway on the same host may set: `X-Paystream-Account` (a `user:` or
/// `merchant:` account) for clients and merchants, `X-Paystream-Admin` (an operator's name) for the back
/// office. The routes already enforce that a caller acts only on its own account.
struct Caller: Sendable {
    static let accountHeader = "X-Paystream-Account"
    static let adminHeader = "X-Paystream-Admin"

    /// The calling account; 401 when absent or not a user or merchant account.
    static func account(of request: Request) throws(APIError) -> AccountID {
        guard let text = request.header(accountHeader) else {
            throw APIError(.unauthorized, "auth.missing", "\(accountHeader) is required")
        }
        guard let account = AccountID(text), account.kind == .user || account.kind == .merchant else {
            throw APIError(.unauthorized, "auth.invalid_account", "\(accountHeader) must name a user: or merchant: account")
        }
        return account
    }

    /// The calling operator's name; 401 when absent or malformed.
    static func admin(of request: Request) throws(APIError) -> String {
        guard let name = request.header(adminHeader), !name.isEmpty, name.count <= 64,
            name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { throw APIError(.unauthorized, "auth.admin_required", "\(adminHeader) naming the operator is required") }
        return name
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

    /// An operator when `X-Paystream-Admin` is present (and valid), else the calling account. A malformed
    /// `X-Paystream-Account` is refused even next to a valid operator header.
    static func viewer(of request: Request) throws(APIError) -> Viewer {
        if request.header(adminHeader) == nil { return .account(try account(of: request)) }
        if request.header(accountHeader) != nil { _ = try account(of: request) }
        return .admin(try admin(of: request))
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
