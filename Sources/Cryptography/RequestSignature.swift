/// Paystream's request signature: HMAC-SHA256, with the client's secret, over a canonical text of the request.
///
/// The canonical text is six lines joined by `\n` (no trailing newline):
/// ```
/// POST                                   the method, upper-case
/// /v1/withdrawals                        the path exactly as sent (percent-encoding kept)
/// a=1&b=2                                the query's `name=value` pairs as sent, sorted by bytes; empty if none
/// e3b0c442…b855                          hex SHA-256 of the body bytes (of nothing, for no body)
/// 1764100000                             the timestamp header: seconds since 1970
/// 6f1c…                                  the nonce header
/// ```
/// and the signature is the standard Base64 of the 32-byte code. The same type signs (clients, tests, the demo)
/// and verifies (paystream-api), so both sides agree by construction; the format is fixed in docs/api.md.
public enum RequestSignature {
    public static let appIDHeader = "X-Paystream-App-Id"
    public static let timestampHeader = "X-Paystream-Timestamp"
    public static let nonceHeader = "X-Paystream-Nonce"
    public static let signatureHeader = "X-Paystream-Signature"

    public static func canonicalText(
        method: String, path: String, query: String?, body: some Collection<UInt8>, timestamp: String, nonce: String
    ) -> String {
        let pairs = (query ?? "").split(separator: "&", omittingEmptySubsequences: true).map(String.init)
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        return [method.uppercased(), path, pairs.joined(separator: "&"), Hex.encode(SHA256.hash(body)), timestamp, nonce]
            .joined(separator: "\n")
    }

    /// The Base64 signature of the canonical text.
    public static func sign(secret: some Collection<UInt8>, canonicalText: String) -> String {
        Base64.encode(HMACSHA256.authenticationCode(key: secret, message: Array(canonicalText.utf8)))
    }

    /// True when `signature` is the signature of `canonicalText` (compared in constant time).
    public static func isValid(signature: String, secret: some Collection<UInt8>, canonicalText: String) -> Bool {
        constantTimeEquals(Array(signature.utf8), Array(sign(secret: secret, canonicalText: canonicalText).utf8))
    }

    /// The four headers of a signed request (for clients and tests).
    public static func headers(
        appID: String, secret: some Collection<UInt8>, method: String, path: String, query: String?, body: some Collection<UInt8>,
        timestamp: Int, nonce: String
    ) -> [(name: String, value: String)] {
        let text = canonicalText(method: method, path: path, query: query, body: body, timestamp: String(timestamp), nonce: nonce)
        return [
            (appIDHeader, appID), (timestampHeader, String(timestamp)), (nonceHeader, nonce),
            (signatureHeader, sign(secret: secret, canonicalText: text)),
        ]
    }
}
