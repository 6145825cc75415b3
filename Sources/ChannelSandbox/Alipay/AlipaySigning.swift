import Cryptography

/// Alipay RSA2 (SHA256withRSA, Base64) signing content as the openapi gateway builds it.
///
/// Guarantees: the content is every parameter with a non-empty value except the excluded names, sorted by key in
/// byte order, joined as `k=v` with `&`, values raw (not URL-encoded) — the same string for the same parameters
/// whatever order they arrived in.
enum AlipaySigning {
    static func content(_ parameters: [String: String], excluding excluded: Set<String>) -> String {
        parameters.filter { !excluded.contains($0.key) && !$0.value.isEmpty }
            .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { "\($0.key)=\($0.value)" }
            .joined(separator: "&")
    }

    static func sign(_ content: String, with key: RSAPrivateKey) throws -> String {
        Base64.encode(try key.signatureSHA256(for: content))
    }

    static func verify(_ signature: String, content: String, with key: RSAPublicKey) -> Bool {
        guard let bytes = try? Base64.decode(signature) else { return false }
        return key.isValidSignatureSHA256(bytes, for: content)
    }

    /// Request verification: all parameters except `sign` (`sign_type` included).
    static func verifyRequest(_ parameters: [String: String], with key: RSAPublicKey) -> Bool {
        guard let signature = parameters["sign"] else { return false }
        return verify(signature, content: content(parameters, excluding: ["sign"]), with: key)
    }

    /// Notify and return-URL signing: all parameters except `sign` and `sign_type`.
    static func signNotify(_ parameters: [String: String], with key: RSAPrivateKey) throws -> String {
        try sign(content(parameters, excluding: ["sign", "sign_type"]), with: key)
    }
}
