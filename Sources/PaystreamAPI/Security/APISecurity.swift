import Cryptography
import Foundation
import Logging
import PaystreamRuntime
import Postgres
import Redis
import Synchronization

/// What authentication needs: the API clients' secrets (cached), the logins (and their password generations, which
/// end older sessions), the session key and Redis for the nonces already seen and the sessions logged out. Also the
/// platform's keys, which a running process takes again when its keys file is replaced by a successor
/// (``replaceKeys(_:)``, ``KeysReloader``): after `paystream keys rotate`, a process not restarted opens what the
/// rotation re-sealed under the new version.
final class APISecurity: Sendable {
    let logins: Logins
    let redis: RedisClient
    let keyPrefix: String
    private let postgres: PostgresClient
    private let keys: Mutex<SecurityKeys>

    /// The field cipher of the keys in force now.
    var cipher: FieldCipher { keys.withLock { $0.cipher } }
    /// The session key in force now.
    var sessionKey: [UInt8] { keys.withLock { $0.sessionKey } }
    /// The API clients, opened with the keys in force now.
    var clients: APIClients { APIClients(postgres: postgres, cipher: cipher) }
    /// A request's timestamp may differ from the server's clock by at most this many seconds.
    static let clockSkew: TimeInterval = 300
    /// How long a client's secret is kept in memory; a disabled client is refused at most this long after.
    static let cacheLifetime: TimeInterval = 60

    private let cache = Mutex<[String: (credentials: APIClients.Credentials, until: Date)]>([:])

    init(postgres: PostgresClient, redis: RedisClient, keys: SecurityKeys, keyPrefix: String) {
        self.postgres = postgres
        self.logins = Logins(postgres: postgres)
        self.keys = Mutex(keys)
        self.redis = redis
        self.keyPrefix = keyPrefix
    }

    /// Why replacement keys were refused.
    struct KeysNotASuccessor: Error, CustomStringConvertible {
        let description: String
    }

    /// Why `new` cannot replace `current` (``replaceKeys(_:)``), or nil when it can.
    static func refusal(of new: SecurityKeys, replacing current: SecurityKeys) -> KeysNotASuccessor? {
        let was = current.fields, now = new.fields
        guard now.succeeds(was) else {
            return KeysNotASuccessor(description: "the new keys (\(now)) do not keep every key of the ones in force (\(was)) and their blind-index key")
        }
        guard now.currentVersion >= was.currentVersion else {
            return KeysNotASuccessor(description: "the new keys (\(now)) seal under an older version than the ones in force (\(was))")
        }
        if let bound = was.rowsBoundFrom, now.rowsBoundFrom.map({ $0 > bound }) ?? true {
            return KeysNotASuccessor(description: "the new keys (\(now)) bind fewer versions to their rows than the ones in force (\(was))")
        }
        guard constantTimeEquals(new.sessionKey, current.sessionKey) else {
            return KeysNotASuccessor(description: "the new keys change the session key, which signs every session out: restart to take it")
        }
        return nil
    }

    /// Puts `new` in force, if it is what a rotation makes of the keys in force, so that nothing this process could
    /// open or find becomes unreadable and nothing it refused opens again:
    /// - every data key kept and the same blind-index key (``FieldKeyring/succeeds(_:)``);
    /// - a current version no lower;
    /// - rows bound from no later a version (a rotation binds more versions, never fewer: a file that binds fewer, an
    ///   old backup or the one a rotation writes before it binds every version, would let values sealed for their
    ///   field alone open again);
    /// - the same session key (`paystream keys rotate` keeps it; a new one would sign out every session, pod by pod as
    ///   each takes the file: that takes a restart).
    /// Anything else is refused: a mistake, or another deployment's file. Returns false when `new` is the keys in
    /// force already.
    @discardableResult
    func replaceKeys(_ new: SecurityKeys) throws -> Bool {
        try keys.withLock { current in
            if let refusal = Self.refusal(of: new, replacing: current) { throw refusal }
            let was = current.fields, now = new.fields
            let same = now.currentVersion == was.currentVersion && now.versions == was.versions && now.rowsBoundFrom == was.rowsBoundFrom
            guard !same else { return false }
            current = new
            // Cached clients were opened with the old keys; they stay valid (the old keys are kept).
            return true
        }
    }

    /// One-time tokens of money-moving requests, in the same Redis.
    var tokens: OneTimeTokens { OneTimeTokens(redis: redis, keyPrefix: keyPrefix) }

    func client(_ appID: String, now: Date) async throws -> APIClients.Credentials? {
        if let hit = cache.withLock({ $0[appID] }), hit.until > now { return hit.credentials }
        guard let found = try await clients.find(appID) else { return nil }
        cache.withLock { entries in
            if entries.count > 100_000 { entries.removeAll() }
            entries[appID] = (found, now.addingTimeInterval(Self.cacheLifetime))
        }
        return found
    }

    /// How long a nonce is remembered past the acceptance window (twice the skew): the API processes' clocks
    /// differ, and one whose clock is behind still accepts a timestamp another accepted a window ago.
    static let nonceMargin: TimeInterval = 120

    /// Where a revoked session token is remembered (by its digest) until it would have expired: the console's
    /// sign-out and `POST /v1/auth/logout` write it, every request bearing a session reads it.
    private func sessionRevocationKey(digest: String) -> String { "\(keyPrefix)session:revoked:" + digest }

    private static func digest(_ token: String) -> String { Hex.encode(SHA256.hash(Array(token.utf8))) }

    /// Revokes `token` (a verified session) until it expires.
    func revoke(_ token: String, session: SessionToken, now: Date) async throws {
        let seconds = max(1, Int(session.expiresAt.timeIntervalSince(now).rounded(.up)))
        _ = try await redis.send(["SET", sessionRevocationKey(digest: Self.digest(token)), "1", "EX", String(seconds)])
    }

    /// Why a verified session is no longer accepted.
    enum Revocation: Sendable, Equatable {
        /// Logged out (`POST /v1/auth/logout`, the console's sign-out).
        case loggedOut
        /// Its login's password was set again since it was issued, or the login is gone.
        case passwordChanged
    }

    /// Whether `token` (verified as `session`) was revoked: logged out, or issued under an older password generation
    /// than its login's (PostgreSQL is read on every request that bears a session: these are merchants' and
    /// operators' requests, few, and a cache would let a session outlive a new password). Also reads the key the
    /// console used before API sessions could be revoked (`console:revoked:`), so that a console session signed out
    /// just before an upgrade stays signed out; such keys are gone 30 minutes after it.
    func revocation(of token: String, session: SessionToken) async throws -> Revocation? {
        let digest = Self.digest(token)
        let reply = try await redis.multiplexed.send(["EXISTS", sessionRevocationKey(digest: digest), "\(keyPrefix)console:revoked:" + digest])
        if (reply.int64 ?? 0) > 0 { return .loggedOut }
        guard try await logins.generation(of: session.login) == session.generation else { return .passwordChanged }
        return nil
    }

    /// Records `nonce` for `appID`; false when it was seen within twice the allowed clock skew (and the margin).
    func claimNonce(appID: String, nonce: String) async throws -> Bool {
        let key = "\(keyPrefix)nonce:\(appID):\(nonce)"
        let reply = try await redis.multiplexed.send(["SET", key, "1", "NX", "EX", String(Int(2 * Self.clockSkew + Self.nonceMargin))])
        if case .null = reply { return false }
        return true
    }
}
