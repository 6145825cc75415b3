/// Which requests must carry a one-time token (the seed's anti-replay "Validator" token), shared by the API,
/// which refuses such a request without one, and the clients here (demo, benchmarks, tests), which fetch one.
///
/// The money-moving requests: a withdrawal, a refund, sending an envelope, grabbing one.
public enum OneTimeTokenRule {
    /// The request header that carries the token.
    public static let header = "X-Paystream-Token"
    /// How long an issued token stays usable.
    public static let lifetimeSeconds = 300
    /// The most tokens one `POST /v1/tokens` may ask for.
    public static let maxBatch = 50
    /// The most tokens one account is issued per window of ``lifetimeSeconds`` (about 16 money-moving requests a
    /// second): beyond it `POST /v1/tokens` answers 429, so that no client can fill Redis with tokens.
    public static let issueLimit = 5_000
    /// The push event that delivers tokens (`data: {"tokens":[…],"expiresInSeconds":300}`).
    public static let pushEvent = "token.issued"

    /// Whether `method path` is money-moving. The path is compared by its non-empty segments, as the router
    /// matches it: `/v1/withdrawals/` and `//v1/withdrawals` are the same route and need a token too.
    public static func requiresToken(method: String, path: String) -> Bool {
        guard method == "POST" else { return false }
        let segments = path.split(separator: "/")
        guard segments.count >= 2, segments[0] == "v1" else { return false }
        switch segments.count {
        case 2: return ["withdrawals", "refunds", "envelopes"].contains(segments[1])
        case 4: return segments[1] == "envelopes" && segments[3] == "grab"
        default: return false
        }
    }
}
