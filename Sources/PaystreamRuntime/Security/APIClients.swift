import Cryptography
import Foundation
import PaystreamCore
import Postgres

/// API clients: an app id bound to one user or merchant account, with an HMAC secret that signs its requests
/// (``RequestSignature``). The secret is stored sealed with the field keyring (AES-256-GCM, field label
/// `api_clients.secret`, bound to the client's app id and account: ``SealedColumns/apiClientRow(appID:account:)``)
/// and shown once, when the client is created.
public struct APIClients: Sendable {
    public let postgres: PostgresClient
    public let cipher: FieldCipher

    public init(postgres: PostgresClient, cipher: FieldCipher) {
        self.postgres = postgres
        self.cipher = cipher
    }

    public struct Credentials: Sendable {
        public let appID: String
        public let account: AccountID
        public let secret: [UInt8]
    }

    static let field = SealedColumns.apiClientSecret

    /// A new client for `account`, with a random app id and a random 32-byte secret.
    public func create(for account: AccountID) async throws -> Credentials {
        let credentials = Credentials(
            appID: "app_" + Hex.encode(SecureRandom.bytes(count: 12)), account: account, secret: SecureRandom.bytes(count: 32))
        try await insert(credentials)
        return credentials
    }

    /// Stores given credentials (tests and the demo provision known clients this way).
    public func insert(_ credentials: Credentials) async throws {
        let sealed = try Self.seal(credentials, cipher)
        try await postgres.execute(
            """
            INSERT INTO api_clients (app_id, account_id, secret_sealed)
            VALUES (\(credentials.appID), \(credentials.account.description), \(sealed))
            """)
    }

    /// Stores many credentials in one statement (the benchmarks provision thousands of grabbers).
    public func insert(all credentials: [Credentials]) async throws {
        var ids: [String] = [], accounts: [String] = [], secrets: [String] = []
        for c in credentials {
            ids.append(c.appID)
            accounts.append(c.account.description)
            secrets.append(try Self.seal(c, cipher))
        }
        try await postgres.execute(
            """
            INSERT INTO api_clients (app_id, account_id, secret_sealed)
            SELECT * FROM unnest(\(ids)::text[], \(accounts)::text[], \(secrets)::text[])
            """)
    }

    /// The enabled client with `appID`, its secret opened; nil when there is none.
    public func find(_ appID: String) async throws -> Credentials? {
        let rows = try await postgres.query(
            "SELECT account_id, secret_sealed FROM api_clients WHERE app_id = \(appID) AND disabled_at IS NULL")
        guard let row = rows.first, let account = AccountID(try row.decode(String.self, column: "account_id")) else { return nil }
        let secret = try Base64.decode(
            cipher.open(
                try row.decode(String.self, column: "secret_sealed"), field: Self.field,
                row: SealedColumns.apiClientRow(appID: appID, account: account.description)))
        return Credentials(appID: appID, account: account, secret: secret)
    }

    static func seal(_ credentials: Credentials, _ cipher: FieldCipher) throws -> String {
        try cipher.seal(
            Base64.encode(credentials.secret), field: field,
            row: SealedColumns.apiClientRow(appID: credentials.appID, account: credentials.account.description))
    }

    public func disable(_ appID: String) async throws {
        try await postgres.execute("UPDATE api_clients SET disabled_at = now() WHERE app_id = \(appID) AND disabled_at IS NULL")
    }
}
