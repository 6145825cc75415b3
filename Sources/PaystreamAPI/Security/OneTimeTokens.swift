import Cryptography
import Foundation
import PaystreamRuntime
import Redis

/// One-time tokens against replayed money-moving requests (the seed's "Validator"): a client asks for tokens,
/// they reach it only over its authenticated push channel, and each money-moving request spends one.
///
/// Guarantees:
/// - a token is 128 random bits from the secure generator, bound to the account that asked for it, usable for
///   ``OneTimeTokenRule/lifetimeSeconds``; Redis holds only its SHA-256 digest (with the account), never the
///   token, so reading Redis yields nothing to spend;
/// - spending is one Lua script: the token is deleted and marked spent in the same step, so two requests with
///   one token cannot both pass; a spent token is told apart (409 `token.reused`) from one that is unknown,
///   expired or another account's (403 `token.invalid`) for as long as it would have lived, and twice that;
/// - a token is never in an HTTP answer: ``issue(for:count:)`` returns them to the caller, which seals them
///   into the push message (``TokenPush``).
struct OneTimeTokens: Sendable {
    let redis: RedisClient
    let keyPrefix: String

    enum Verdict: Equatable { case accepted, reused, invalid }

    /// KEYS: the token's key, its spent marker. ARGV: the account, the marker's lifetime.
    static let spend = RedisScript(
        """
        local owner = redis.call('GET', KEYS[1])
        if owner == ARGV[1] then
          redis.call('DEL', KEYS[1])
          redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
          return 'accepted'
        end
        if redis.call('GET', KEYS[2]) == ARGV[1] then return 'reused' end
        return 'invalid'
        """)

    /// KEYS: the account's issue counter. ARGV: how many are asked for, the limit, the window in seconds.
    /// Returns {1, issued so far} when granted (counted), {0, seconds until the window ends} when not.
    static let issueWindow = RedisScript(
        """
        local asked = tonumber(ARGV[1])
        local issued = tonumber(redis.call('GET', KEYS[1]) or '0')
        if issued + asked > tonumber(ARGV[2]) then return {0, math.max(redis.call('TTL', KEYS[1]), 1)} end
        issued = redis.call('INCRBY', KEYS[1], asked)
        if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
        return {1, issued}
        """)

    /// An account asked for more tokens than ``OneTimeTokenRule/issueLimit`` allows in the current window.
    struct IssueLimited: Error {
        let retryAfterSeconds: Int
    }

    private func keys(_ token: String) -> (live: String, spent: String) {
        let digest = Hex.encode(SHA256.hash(token))
        return ("\(keyPrefix)ott:\(digest)", "\(keyPrefix)ott-spent:\(digest)")
    }

    /// `count` new tokens of `account`, stored (as digests) before they are returned. Throws ``IssueLimited`` when
    /// the account was issued ``OneTimeTokenRule/issueLimit`` tokens within the window (nothing is issued then).
    func issue(for account: String, count: Int) async throws -> [String] {
        let window = try await redis.multiplexed.evaluate(
            Self.issueWindow, keys: ["\(keyPrefix)ott-issued:\(account)"],
            arguments: [String(count), String(OneTimeTokenRule.issueLimit), String(OneTimeTokenRule.lifetimeSeconds)])
        let reply = window.elements ?? []
        guard reply.first?.int64 == 1 else {
            throw IssueLimited(retryAfterSeconds: Int(reply.last?.int64 ?? Int64(OneTimeTokenRule.lifetimeSeconds)))
        }
        let tokens = (0..<count).map { _ in Base64URL.encode(SecureRandom.bytes(count: 16)) }
        let commands = tokens.map { token in ["SET", keys(token).live, account, "EX", String(OneTimeTokenRule.lifetimeSeconds)] }
        for result in try await redis.pipeline(commands) { _ = try result.get() }
        return tokens
    }

    /// Spends `token` for `account`.
    func spend(_ token: String, account: String) async throws -> Verdict {
        // A token is 22 Base64URL characters; anything else cannot be one.
        guard token.utf8.count == 22, token.utf8.allSatisfy(Self.isBase64URLByte) else { return .invalid }
        let (live, spent) = keys(token)
        let reply = try await redis.multiplexed.evaluate(
            Self.spend, keys: [live, spent], arguments: [account, String(2 * OneTimeTokenRule.lifetimeSeconds)])
        switch reply {
        case .bulkString(let bytes) where bytes == Array("accepted".utf8): return .accepted
        case .bulkString(let bytes) where bytes == Array("reused".utf8): return .reused
        default: return .invalid
        }
    }

    private static func isBase64URLByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x5F
    }
}

/// The push message that carries issued tokens to the API process holding the client's event stream, on the
/// notifications topic: `{"audience":"user:42","event":"token.issued","sealed":"<AES-256-GCM>"}`. The tokens
/// are sealed with the field keyring (label ``label``), so the topic never holds them in the clear; the relay
/// opens them and pushes `{"tokens":[…],"expiresInSeconds":300}` to the audience's connections only.
struct TokenPush: Codable, Sendable {
    var audience: String
    var event: String
    var sealed: String

    static let label = "push.one_time_tokens"

    struct Delivered: Codable, Sendable {
        var tokens: [String]
        var expiresInSeconds: Int
    }
}
