import Foundation
import Redis

/// How often one account may ask the bank to verify four elements: ``maxPerHour`` times an hour (the hour counted
/// from the first ask of the window).
///
/// Why: the verification answers whether a card number, a name, an ID number and a phone belong together, so
/// without a limit an account could use the API to test stolen identity data. The SMS limits do not cover this:
/// a refused verification sends no SMS. Guarantees: counted in Redis, atomically; a refused ask does not reach
/// the bank and is not counted.
struct CardVerificationLimit: Sendable {
    let redis: RedisClient
    let keyPrefix: String

    static let maxPerHour = 10

    /// Counts one verification of `account`; nil when allowed, else the seconds until it is allowed again.
    func claim(account: String) async throws -> Int? {
        try await WindowLimit(redis: redis, key: "\(keyPrefix)card:verifications:\(account)", max: Self.maxPerHour, windowSeconds: 3600)
            .claim()
    }
}
