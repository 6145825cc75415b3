import Channels
import Cryptography
import Foundation
import Redis

/// One-time SMS verification codes: 6 digits, valid 5 minutes, at most 5 attempts, rate-limited per phone.
///
/// Guarantees:
/// - a code is drawn uniformly from 000000...999999 with the secure generator and is never stored, logged or
///   answered: Redis holds only its keyed digest (HMAC-SHA256 under the field keyring's index key, over the
///   purpose, the subject it confirms and the code), under a key that expires with the code;
/// - checking is one Lua script, so concurrent attempts cannot exceed the limit: five wrong answers are
///   counted, the sixth attempt is refused even with the right code; a confirmed code is deleted (single use);
/// - a phone (known only by its blind index: Redis never sees the number) gets at most one code per 60 s and
///   five per hour (the hour counted from the first code of the window); a refused send names when to retry.
struct SMSCodes: Sendable {
    let redis: RedisClient
    let cipher: FieldCipher
    let gateway: any SMSGateway
    let keyPrefix: String

    static let digits = 6
    static let lifetimeSeconds = 300
    static let maxAttempts = 5
    static let minimumIntervalSeconds = 60
    static let maxPerHour = 5

    enum Verdict: Equatable {
        case confirmed
        case wrong(attemptsLeft: Int)
        case expired
        case exhausted
    }

    /// ARGV: interval seconds, codes per hour, `claim` (take the slot) or `peek` (only ask).
    static let sendSlot = RedisScript(
        """
        local wait = redis.call('TTL', KEYS[1])
        if wait > 0 then return {'wait', wait} end
        local sent = tonumber(redis.call('GET', KEYS[2]) or '0')
        if sent >= tonumber(ARGV[2]) then return {'wait', math.max(redis.call('TTL', KEYS[2]), 1)} end
        if ARGV[3] == 'claim' then
          redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
          if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], 3600) end
        end
        return {'ok', 0}
        """)

    static let check = RedisScript(
        """
        local stored = redis.call('HMGET', KEYS[1], 'mac', 'attempts')
        if not stored[1] then return {'expired', 0} end
        local attempts = tonumber(stored[2] or '0')
        if attempts >= tonumber(ARGV[2]) then return {'exhausted', attempts} end
        if stored[1] == ARGV[1] then
          redis.call('DEL', KEYS[1])
          return {'confirmed', attempts}
        end
        redis.call('HINCRBY', KEYS[1], 'attempts', 1)
        return {'wrong', attempts + 1}
        """)

    func codeKey(purpose: String, subject: String) -> String { "\(keyPrefix)sms:code:\(purpose):\(subject)" }

    /// Whether `phoneIndex` may get a code now; `claim` also takes the slot. Throws ``RateLimited`` (with the
    /// seconds to wait) when the phone had its codes.
    func sendSlot(phoneIndex: String, claim: Bool) async throws {
        let slot = try await redis.evaluate(
            Self.sendSlot, keys: ["\(keyPrefix)sms:rate:\(phoneIndex):interval", "\(keyPrefix)sms:rate:\(phoneIndex):hour"],
            arguments: [String(Self.minimumIntervalSeconds), String(Self.maxPerHour), claim ? "claim" : "peek"])
        let reply = slot.elements ?? []
        if reply.first?.string == "wait" {
            throw RateLimited(retryAfterSeconds: Int(reply.last?.int64 ?? Int64(Self.minimumIntervalSeconds)))
        }
    }

    /// A fresh code for `subject`, stored as its digest for ``lifetimeSeconds``, sent to `phone` with `text`.
    /// The caller has claimed the phone's slot (``sendSlot(phoneIndex:claim:)``). 503 `sms.unavailable` when the
    /// gateway did not take the message (the slot stays used).
    func issue(purpose: String, subject: String, phone: String, text: (String) -> String) async throws {
        let code = Self.newCode()
        let key = codeKey(purpose: purpose, subject: subject)
        for result in try await redis.pipeline([
            ["DEL", key],
            ["HSET", key, "mac", try digest(purpose: purpose, subject: subject, code: code), "attempts", "0"],
            ["EXPIRE", key, String(Self.lifetimeSeconds)],
        ]) {
            _ = try result.get()
        }
        do {
            _ = try await gateway.send(phone: phone, text: text(code))
        } catch {
            _ = try? await redis.send(["DEL", key])
            throw APIError(.serviceUnavailable, "sms.unavailable", "the verification code could not be sent; retry later")
        }
    }

    /// Checks `code` for `subject`; counts a wrong one.
    func verify(purpose: String, subject: String, code: String) async throws -> Verdict {
        let reply = try await redis.evaluate(
            Self.check, keys: [codeKey(purpose: purpose, subject: subject)],
            arguments: [try digest(purpose: purpose, subject: subject, code: code), String(Self.maxAttempts)])
        let fields = reply.elements ?? []
        switch fields.first?.string {
        case "confirmed": return .confirmed
        case "wrong": return .wrong(attemptsLeft: max(0, Self.maxAttempts - Int(fields.last?.int64 ?? 0)))
        case "exhausted": return .exhausted
        default: return .expired
        }
    }

    func digest(purpose: String, subject: String, code: String) throws -> String {
        try cipher.blindIndex(field: "sms.code", value: "\(purpose):\(subject):\(code)")
    }

    /// 6 digits, uniform: 4 random bytes, redrawn above the largest multiple of 10^6.
    static func newCode() -> String {
        let range: UInt32 = 1_000_000
        let limit = UInt32.max - UInt32.max % range
        while true {
            let value = SecureRandom.bytes(count: 4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if value < limit {
                let text = String(value % range)
                return String(repeating: "0", count: digits - text.count) + text
            }
        }
    }

    /// A refused send: the phone must wait this many seconds.
    struct RateLimited: Error {
        let retryAfterSeconds: Int
    }
}
