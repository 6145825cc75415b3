/// The strings the payment channels sign, built as their documentation and SDKs describe (see
/// shared/design/channels.md). A test helper only: the channel modules own the real builders.
enum ChannelSigningStrings {
    /// WeChat Pay APIv3 request: "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n".
    static func wechatPayV3Request(method: String, url: String, timestamp: String, nonce: String, body: String)
        -> String
    {
        "\(method)\n\(url)\n\(timestamp)\n\(nonce)\n\(body)\n"
    }

    /// WeChat Pay APIv3 response and notify: "TIMESTAMP\nNONCE\nBODY\n".
    static func wechatPayV3Response(timestamp: String, nonce: String, body: String) -> String {
        "\(timestamp)\n\(nonce)\n\(body)\n"
    }

    /// WeChat Pay v2: non-empty parameters except `sign`, sorted by key (byte order), k=v joined by "&",
    /// then "&key=API_KEY".
    static func wechatPayV2(parameters: [String: String], apiKey: String) -> String {
        sortedPairs(parameters, excluding: ["sign"]) + "&key=\(apiKey)"
    }

    /// Alipay: non-empty parameters except `excluded`, sorted by key (byte order), k=v joined by "&", values
    /// raw (already form-decoded, not URL-encoded).
    static func alipay(parameters: [String: String], excluding excluded: Set<String>) -> String {
        sortedPairs(parameters, excluding: excluded)
    }

    private static func sortedPairs(_ parameters: [String: String], excluding excluded: Set<String>) -> String {
        parameters
            .filter { !$0.value.isEmpty && !excluded.contains($0.key) }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { "\($0.key)=\($0.value)" }
            .joined(separator: "&")
    }
}
