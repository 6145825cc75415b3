import PaystreamRuntime

/// The stages of paystream-api's hot paths that are timed on `/metrics` (``StageTimer``): a request from the first
/// middleware to its answer, the signature's checks, the one-time token, and a grab's Redis script and Kafka
/// acknowledgement. The request's time less its stages' is spent in the middlewares' own work and the route.
enum APIStages {
    static let request = StageTimer("request")
    static let signatureClient = StageTimer("signature_client")
    static let signatureBody = StageTimer("signature_body")
    static let signatureNonce = StageTimer("signature_nonce")
    static let tokenSpend = StageTimer("token_spend")
    static let grabScript = StageTimer("grab_script")
    static let grabProduce = StageTimer("grab_produce")
}
