import Cryptography
import PaystreamCore

/// Checks on the identifiers and texts the platform sends to channels, and random nonces.
///
/// Guarantees: an identifier that passes ``check(_:_:lengths:channel:operation:)`` contains only ASCII letters,
/// digits and `_-|*`, so it is safe in a URL path segment, an XML element and a signed string without escaping
/// ambiguity.
public enum ChannelIdentifiers {
    private static let allowed: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-|*".utf8))

    /// True when `value` has a length in `lengths` and only ASCII letters, digits and `_-|*`: what the clients send
    /// (the API checks a request with it before any money is frozen for it).
    public static func isIdentifier(_ value: String, lengths: ClosedRange<Int>) -> Bool {
        lengths.contains(value.utf8.count) && value.utf8.allSatisfy(allowed.contains)
    }

    static func check(
        _ value: String, _ name: String, lengths: ClosedRange<Int>, channel: Channel, operation: String
    ) throws(ChannelError) {
        guard isIdentifier(value, lengths: lengths) else {
            throw ChannelError(
                .invalidRequest, channel: channel, operation: operation,
                message: "\(name) must be \(lengths.lowerBound)...\(lengths.upperBound) characters of letters, digits, _-|*")
        }
    }

    static func checkText(
        _ value: String, _ name: String, maxCharacters: Int, channel: Channel, operation: String
    ) throws(ChannelError) {
        guard !value.isEmpty, value.count <= maxCharacters,
            !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw ChannelError(
                .invalidRequest, channel: channel, operation: operation,
                message: "\(name) must be 1...\(maxCharacters) characters without control characters")
        }
    }

    static func checkPositive(_ amount: Amount, _ name: String, channel: Channel, operation: String) throws(ChannelError) {
        guard amount.fen > 0 else {
            throw ChannelError(.invalidRequest, channel: channel, operation: operation, message: "\(name) must be at least 0.01")
        }
    }

    /// `count` random characters from A-Z, a-z, 0-9 (SecureRandom, rejection sampling: no modulo bias).
    static func nonce(count: Int = 32) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            for byte in SecureRandom.bytes(count: count) where byte < 248 && result.count < count {
                result.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
