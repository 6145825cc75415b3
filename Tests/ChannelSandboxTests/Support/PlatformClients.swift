import Cryptography
import Foundation

/// The platform side of WeChat Pay v3, written here independently of the sandbox: signs requests with the
/// merchant key and checks signatures of answers and notifies.
struct WeChatTestClient: Sendable {
    let baseURL: String
    let merchantID: String
    let serial: String
    let key: RSAPrivateKey

    static func message(_ lines: [String], body: [UInt8]) -> [UInt8] {
        Array(lines.map { $0 + "\n" }.joined().utf8) + body + Array("\n".utf8)
    }

    func authorization(
        method: String, target: String, body: [UInt8], timestamp: Int = Int(Date().timeIntervalSince1970),
        nonce: String = UUID().uuidString.replacingOccurrences(of: "-", with: ""), signingKey: RSAPrivateKey? = nil
    ) throws -> String {
        let signature = try (signingKey ?? key).signatureSHA256(
            for: Self.message([method, target, String(timestamp), nonce], body: body))
        return "WECHATPAY2-SHA256-RSA2048 mchid=\"\(merchantID)\",nonce_str=\"\(nonce)\",signature=\"\(Base64.encode(signature))\",timestamp=\"\(timestamp)\",serial_no=\"\(serial)\""
    }

    /// A signed request; `authorization` replaces the header (nil: no header at all).
    func send(
        _ method: String, _ target: String, json: String? = nil, authorization: String?? = .none
    ) async throws -> HTTPResult {
        let body = json.map { Array($0.utf8) } ?? []
        var headers = ["Accept": "application/json"]
        if json != nil { headers["Content-Type"] = "application/json" }
        switch authorization {
        case .none: headers["Authorization"] = try self.authorization(method: method, target: target, body: body)
        case .some(.some(let value)): headers["Authorization"] = value
        case .some(.none): break
        }
        return try await http(method, baseURL + target, body: json == nil ? nil : body, headers: headers)
    }

    /// True if the Wechatpay-* headers sign `body` with `certificate`'s key and name its serial.
    static func verify(headers: [String: String], body: [UInt8], certificate: X509Certificate) throws -> Bool {
        guard let timestamp = headers["wechatpay-timestamp"], let nonce = headers["wechatpay-nonce"],
            let signature = headers["wechatpay-signature"], headers["wechatpay-serial"] == certificate.serialNumberHex
        else { return false }
        return try certificate.publicKey.isValidSignatureSHA256(
            try Base64.decode(signature), for: message([timestamp, nonce], body: body))
    }

    /// Decrypts a notify's resource with the APIv3 key.
    static func decrypt(notify body: [UInt8], apiV3Key: String) throws -> (envelope: [String: Any], plaintext: [String: Any]) {
        let envelope = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
        let resource = envelope["resource"] as? [String: Any] ?? [:]
        let plain = try AES256GCM.open(
            ciphertextAndTag: try Base64.decode(resource["ciphertext"] as? String ?? ""), key: Array(apiV3Key.utf8),
            nonce: Array((resource["nonce"] as? String ?? "").utf8),
            authenticating: Array((resource["associated_data"] as? String ?? "").utf8))
        return (envelope, try JSONSerialization.jsonObject(with: Data(plain)) as? [String: Any] ?? [:])
    }
}

/// The platform side of Alipay RSA2, written independently of the sandbox.
enum AlipayTestSigning {
    static func content(_ parameters: [String: String], excluding: Set<String>) -> String {
        parameters.filter { !excluding.contains($0.key) && !$0.value.isEmpty }
            .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    static func signedRequest(method: String, biz: String, appID: String, key: RSAPrivateKey, extra: [String: String] = [:])
        throws -> [String: String]
    {
        var parameters = [
            "app_id": appID, "method": method, "format": "JSON", "charset": "utf-8", "sign_type": "RSA2",
            "timestamp": "2024-05-01 12:00:00", "version": "1.0", "biz_content": biz,
        ].merging(extra) { _, new in new }
        parameters["sign"] = Base64.encode(try key.signatureSHA256(for: content(parameters, excluding: ["sign"])))
        return parameters
    }

    static func form(_ parameters: [String: String]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return parameters.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
    }

    static func parseForm(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    /// The exact text of `"<key>":{...}` in an Alipay answer (the signed part), found by brace matching.
    static func responseObjectText(_ body: String, key: String) -> String? {
        guard let start = body.range(of: "\"\(key)\":")?.upperBound else { return nil }
        var depth = 0
        var inString = false
        var escaped = false
        var index = start
        while index < body.endIndex {
            let character = body[index]
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "{" {
                depth += 1
            } else if character == "}" {
                depth -= 1
                if depth == 0 { return String(body[start...index]) }
            }
            index = body.index(after: index)
        }
        return nil
    }
}
