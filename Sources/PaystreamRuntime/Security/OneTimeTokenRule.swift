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
    /// The push event that delivers tokens (`data: {"tokens":[…],"expiresInSeconds":300}`).
    public static let pushEvent = "token.issued"

    public static func requiresToken(method: String, path: String) -> Bool {
        guard method == "POST" else { return false }
        switch path {
        case "/v1/withdrawals", "/v1/refunds", "/v1/envelopes": return true
        default:
            let segments = path.split(separator: "/", omittingEmptySubsequences: false)
            // "", "v1", "envelopes", id, "grab"
            return segments.count == 5 && segments[1] == "v1" && segments[2] == "envelopes" && segments[4] == "grab" && !segments[3].isEmpty
        }
    }
}
