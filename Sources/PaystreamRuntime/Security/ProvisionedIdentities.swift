import AsyncHTTPClient
import Cryptography
import Foundation
import PaystreamCore
import Postgres
import Synchronization

/// Identities made on the spot, for the demo, the benchmarks and the tests (never for production, which
/// issues clients with `paystream clients create` and logins with `paystream logins create`): an API client
/// per account, written straight into the database with the platform's keys, and login sessions for merchants
/// and operators. ``headers(account:admin:method:url:body:)`` turns "act as this account / this operator"
/// into what a real client sends: the request signed with the account's client, plus the session a merchant
/// or an operator needs.
public final class ProvisionedIdentities: Sendable {
    public let keys: SecurityKeys
    let postgres: PostgresClient
    let apiURL: String
    let http: HTTPClient
    private let clients: Mutex<[String: APIClients.Credentials]> = Mutex([:])
    private let sessions: Mutex<[String: String]> = Mutex([:])
    /// The accounts' one-time tokens, fetched over their event streams for the money-moving requests.
    public let tokens: OneTimeTokenClient
    /// The password of every provisioned login.
    public static let password = "correct horse battery staple"

    /// `tokenBatch`: how many one-time tokens an account asks for at a time; `renewTokensAhead`: see
    /// ``OneTimeTokenClient/renewAhead``.
    public init(
        keys: SecurityKeys, postgres: PostgresClient, apiURL: String, http: HTTPClient = .shared, tokenBatch: Int = 10,
        renewTokensAhead: ClosedRange<TimeInterval>? = nil
    ) {
        self.keys = keys
        self.postgres = postgres
        self.apiURL = apiURL
        self.http = http
        self.tokens = OneTimeTokenClient(apiURL: apiURL, http: http, batch: tokenBatch, renewAhead: renewTokensAhead)
    }

    /// The client of `account`, created on first use.
    public func client(for account: AccountID) async throws -> APIClients.Credentials {
        if let known = clients.withLock({ $0[account.description] }) { return known }
        let made = APIClients.Credentials(
            appID: "app_" + Hex.encode(SecureRandom.bytes(count: 12)), account: account, secret: SecureRandom.bytes(count: 32))
        try await APIClients(postgres: postgres, cipher: keys.cipher).insert(made)
        return clients.withLock { known in
            if let raced = known[account.description] { return raced }
            known[account.description] = made
            return made
        }
    }

    /// Makes the clients of `accounts` ahead of time, in batches (so that a benchmark does not time it).
    public func provision(_ accounts: [AccountID]) async throws {
        let fresh = accounts.filter { account in clients.withLock { $0[account.description] == nil } }
        for start in stride(from: 0, to: fresh.count, by: 5_000) {
            let made = fresh[start..<min(start + 5_000, fresh.count)].map { account in
                APIClients.Credentials(
                    appID: "app_" + Hex.encode(SecureRandom.bytes(count: 12)), account: account, secret: SecureRandom.bytes(count: 32))
            }
            try await APIClients(postgres: postgres, cipher: keys.cipher).insert(all: made)
            clients.withLock { known in for c in made { known[c.account.description] = c } }
        }
    }

    /// A session for `login` (a merchant account's name, or an operator's), logging in on first use.
    public func session(login: String, role: Logins.Role, account: AccountID?) async throws -> String {
        if let known = sessions.withLock({ $0[login] }) { return known }
        // Cheap hashing parameters: these are throw-away passwords; the API reads the parameters from the hash.
        let logins = Logins(postgres: postgres, hasher: try PasswordHasher(parameters: .pbkdf2SHA256(iterations: 10_000)))
        try await logins.ensure(login: login, role: role, account: account, password: Self.password)
        var request = HTTPClientRequest(url: apiURL + "/v1/auth/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = try JSONSerialization.data(withJSONObject: ["login": login, "password": Self.password])
        request.body = .bytes(Array(body))
        let response = try await http.execute(request, timeout: .seconds(30))
        let reply = try await response.body.collect(upTo: 1 << 16)
        guard response.status.code == 200,
            let object = try JSONSerialization.jsonObject(with: Data(reply.readableBytesView)) as? [String: Any],
            let token = object["token"] as? String
        else { throw ProvisioningError(description: "login \(login) answered \(response.status.code): \(String(buffer: reply))") }
        sessions.withLock { $0[login] = token }
        return token
    }

    /// The headers that make `method url body` a request of `account` (signed; a merchant's also carries its
    /// session; a money-moving one its one-time token, ``OneTimeTokenRule``) and/or of the operator `admin`
    /// (its session).
    public func headers(account: AccountID?, admin: String?, method: String, url: String, body: [UInt8]) async throws -> [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        if let account {
            out += try await headers(of: account, method: method, url: url, body: body)
            if OneTimeTokenRule.requiresToken(method: method, path: URLComponents(string: url)?.path ?? "") {
                let token = try await tokens.token(for: account, sign: signer(for: account))
                out.append((OneTimeTokenRule.header, token))
            }
        }
        if let admin { out.append(("Authorization", "Bearer " + (try await session(login: admin, role: .admin, account: nil)))) }
        return out
    }

    /// A one-time token for each of `accounts`, fetched ahead (their streams closed after): a storm of
    /// money-moving requests then measures the requests, not the token round trips.
    public func prefetchTokens(_ accounts: [AccountID]) async throws {
        try await tokens.prefetch(accounts, sign: signer(for:))
    }

    /// Renews, in the background, the tokens of every account whose tokens all expire soon
    /// (``OneTimeTokenClient/renewExpiring(sign:)``); returns how many accounts were asked for.
    @discardableResult
    public func renewExpiringTokens() -> Int {
        tokens.renewExpiring(sign: signer(for:))
    }

    /// Signs the token client's own requests of `account` (its event stream, `POST /v1/tokens`).
    private func signer(for account: AccountID) -> OneTimeTokenClient.Signer {
        { method, url, body in try await self.headers(of: account, method: method, url: url, body: body) }
    }

    /// The signature of `account` (and a merchant's session).
    private func headers(of account: AccountID, method: String, url: String, body: [UInt8]) async throws -> [(name: String, value: String)] {
        var out = Self.signatureHeaders(try await client(for: account), method: method, url: url, body: body)
        if account.kind == .merchant {
            out.append(("Authorization", "Bearer " + (try await session(login: account.description, role: .merchant, account: account))))
        }
        return out
    }

    /// The headers that sign `method url body` with `credentials`, now, with a fresh nonce.
    public static func signatureHeaders(_ credentials: APIClients.Credentials, method: String, url: String, body: [UInt8]) -> [(name: String, value: String)] {
        let components = URLComponents(string: url)
        return RequestSignature.headers(
            appID: credentials.appID, secret: credentials.secret, method: method, path: components?.percentEncodedPath ?? "/",
            query: components?.percentEncodedQuery, body: body, timestamp: Int(Date().timeIntervalSince1970),
            nonce: Hex.encode(SecureRandom.bytes(count: 16)))
    }
}

public struct ProvisioningError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
