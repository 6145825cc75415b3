import Cryptography
import Foundation
import PaystreamCore

/// A login session: `<Base64URL of the claims JSON>.<Base64URL of HMAC-SHA256(session key, first part)>`.
///
/// Claims: `sub` (the login), `role` (`merchant` or `admin`), `acct` (the merchant account), `iat` and `exp`
/// (seconds since 1970), `sid` (random), `gen` (the login's password generation). Verification checks the MAC in
/// constant time first, then the expiry; a token says nothing that the server did not sign. Sessions last ``lifetime``
/// and are not renewable. Whether the session was revoked since (a logout, a new password) is the API's check.
public struct SessionToken: Sendable, Equatable {
    public static let lifetime: TimeInterval = 30 * 60

    public let login: String
    public let role: Logins.Role
    public let account: AccountID?
    public let expiresAt: Date
    /// The login's password generation it was issued under (0 for sessions issued before generations existed).
    public let generation: Int64

    private struct Claims: Codable {
        var sub: String
        var role: Logins.Role
        var acct: String?
        var iat: Int64
        var exp: Int64
        var sid: String
        /// The password generation (``Logins/Principal/generation``); absent in tokens issued before it existed.
        var gen: Int64?
    }

    public static func issue(for principal: Logins.Principal, key: [UInt8], now: Date = Date()) throws -> (token: String, expiresAt: Date) {
        let expires = now.addingTimeInterval(lifetime)
        let claims = Claims(
            sub: principal.login, role: principal.role, acct: principal.account?.description,
            iat: Int64(now.timeIntervalSince1970), exp: Int64(expires.timeIntervalSince1970), sid: Hex.encode(SecureRandom.bytes(count: 12)),
            gen: principal.generation)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = Base64URL.encode(try encoder.encode(claims))
        let mac = Base64URL.encode(HMACSHA256.authenticationCode(key: key, message: Array(payload.utf8)))
        return (payload + "." + mac, Date(timeIntervalSince1970: TimeInterval(claims.exp)))
    }

    public enum Failure: String, Error, Sendable { case malformed, badSignature, expired }

    public static func verify(_ token: String, key: [UInt8], now: Date = Date()) throws(Failure) -> SessionToken {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 2048, parts.count == 2 else { throw .malformed }
        let expected = Base64URL.encode(HMACSHA256.authenticationCode(key: key, message: Array(parts[0].utf8)))
        guard constantTimeEquals(Array(parts[1].utf8), Array(expected.utf8)) else { throw .badSignature }
        guard let json = try? Base64URL.decode(String(parts[0])), let claims = try? JSONDecoder().decode(Claims.self, from: Data(json))
        else { throw .malformed }
        guard Double(claims.exp) > now.timeIntervalSince1970 else { throw .expired }
        let account = claims.acct.flatMap(AccountID.init)
        if claims.role == .merchant && account?.kind != .merchant { throw .malformed }
        return SessionToken(
            login: claims.sub, role: claims.role, account: account, expiresAt: Date(timeIntervalSince1970: TimeInterval(claims.exp)),
            generation: claims.gen ?? 0)
    }
}
