import Cryptography
import Foundation
import Hummingbird
import PaystreamRuntime
import Redis

/// The back-office console's sign-in: an operator's session in an HTTP-only, same-site-strict cookie, and the
/// CSRF token every form carries.
///
/// Guarantees:
/// - The cookie holds a ``SessionToken`` signed with a key derived from the session key for the console alone,
///   so a console cookie is not an API bearer token and an API token is not a console session.
/// - Only a login with the `admin` role gets a console session; it lasts ``SessionToken/lifetime`` (30 minutes).
/// - Signing out revokes the token in Redis until it would have expired; a revoked token is refused.
/// - Every state-changing request carries `csrf`, an HMAC of the session token under the console key, compared
///   in constant time; a request that a browser marks cross-site (`Sec-Fetch-Site: cross-site`) is refused
///   whatever it carries. The sign-in form itself is protected the same way with a random pre-session cookie
///   (double submit), so nobody can sign a browser into an account of theirs.
struct ConsoleSessions: Sendable {
    let security: APISecurity
    let secureCookies: Bool

    static let cookie = "paystream_console"
    static let signInCookie = "paystream_console_signin"

    init(security: APISecurity, publicURL: String) {
        self.security = security
        self.secureCookies = publicURL.hasPrefix("https://")
    }

    private var key: [UInt8] { HMACSHA256.authenticationCode(key: security.sessionKey, message: Array("paystream-console-session".utf8)) }

    /// An operator signed in to the console.
    struct Operator: Sendable {
        let login: String
        let token: String
        /// The value every form of this session must send back as `csrf`.
        let csrf: String
    }

    /// A new session for `principal`, with the `Set-Cookie` value that carries it.
    func open(_ principal: PaystreamRuntime.Logins.Principal, now: Date) throws -> (operator: Operator, cookie: String) {
        let issued = try SessionToken.issue(for: principal, key: key, now: now)
        let cookie = setCookie(Self.cookie, issued.token, maxAge: Int(SessionToken.lifetime))
        return (Operator(login: principal.login, token: issued.token, csrf: csrf(for: issued.token)), cookie)
    }

    /// The operator whose valid, unrevoked admin session `request` carries, or nil.
    func signedIn(_ request: Request, now: Date) async throws -> Operator? {
        guard let token = Self.cookies(of: request)[Self.cookie],
            let session = try? SessionToken.verify(token, key: key, now: now), session.role == .admin
        else { return nil }
        guard try await security.revocation(of: token, session: session) == nil else { return nil }
        return Operator(login: session.login, token: token, csrf: csrf(for: token))
    }

    /// Revokes the operator's session until it would expire; the `Set-Cookie` value that clears the cookie.
    func close(_ signedIn: Operator, now: Date) async throws -> String {
        if let session = try? SessionToken.verify(signedIn.token, key: key, now: now) {
            try await security.revoke(signedIn.token, session: session, now: now)
        }
        return setCookie(Self.cookie, "", maxAge: 0)
    }

    /// Whether the form's `csrf` is this session's (and the browser did not say the request is cross-site).
    func isGenuine(_ form: ConsoleForm, of signedIn: Operator, request: Request) -> Bool {
        guard !Self.isCrossSite(request), let sent = form["csrf"] else { return false }
        return constantTimeEquals(sent, signedIn.csrf)
    }

    /// The sign-in form's token: the pre-session cookie's value when the browser has one, else a new one to set.
    func signInToken(_ request: Request) -> (token: String, cookie: String?) {
        if let known = Self.cookies(of: request)[Self.signInCookie], known.utf8.count == 32, known.utf8.allSatisfy(Self.isHexDigit) {
            return (known, nil)
        }
        let fresh = Hex.encode(SecureRandom.bytes(count: 16))
        return (fresh, setCookie(Self.signInCookie, fresh, maxAge: 3600))
    }

    /// Whether the sign-in form came from this console: its hidden token equals the pre-session cookie.
    func isGenuineSignIn(_ form: ConsoleForm, request: Request) -> Bool {
        guard !Self.isCrossSite(request), let cookie = Self.cookies(of: request)[Self.signInCookie], cookie.utf8.count == 32,
            let sent = form["csrf"]
        else { return false }
        return constantTimeEquals(sent, cookie)
    }

    private func csrf(for token: String) -> String {
        Hex.encode(HMACSHA256.authenticationCode(key: key, message: Array("csrf:\(token)".utf8)))
    }

    private func setCookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/console; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "")
    }

    static func isCrossSite(_ request: Request) -> Bool {
        request.headers[HeaderField.Name("Sec-Fetch-Site")!] == "cross-site"
    }

    /// The request's cookies by name (the first of a name wins).
    static func cookies(of request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if out[name] == nil { out[name] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return out
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) }
}
