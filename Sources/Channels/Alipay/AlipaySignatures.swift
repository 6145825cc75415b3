import Cryptography
import Foundation
import PaystreamCore

/// Alipay RSA2 signing and verification (SHA256withRSA, PKCS#1 v1.5, Base64).
///
/// Guarantees: the signed content is every parameter with a non-empty value except the excluded names, sorted by
/// key in byte order, joined as `k=v` with `&`, values raw (before any URL encoding) — the same string whatever
/// order the parameters came in. Requests exclude only `sign` (sign_type is signed); notifies and return URLs
/// exclude `sign` and `sign_type`.
public enum AlipaySignatures {
    public static func content(_ parameters: [String: String], excluding excluded: Set<String>) -> String {
        parameters.filter { !excluded.contains($0.key) && !$0.value.isEmpty }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { "\($0.key)=\($0.value)" }
            .joined(separator: "&")
    }

    /// The request signature over all parameters but `sign`.
    public static func signRequest(_ parameters: [String: String], with key: RSAPrivateKey) throws(ChannelError) -> String {
        do {
            return Base64.encode(try key.signatureSHA256(for: content(parameters, excluding: ["sign"])))
        } catch {
            throw ChannelError(.configuration, channel: .alipay, operation: "sign", message: "cannot sign: \(error)")
        }
    }

    static func isValid(_ signature: String, over content: some Collection<UInt8>, with key: RSAPublicKey) -> Bool {
        guard let bytes = try? Base64.decode(signature) else { return false }
        return key.isValidSignatureSHA256(bytes, for: content)
    }
}

/// Reads a synchronous gateway answer `{"<method>_response": {...}, "sign": "..."}`.
///
/// Guarantees: the signature is checked over the exact bytes of the `<method>_response` value as they appear in
/// the body (falling back to `error_response` for gateway-level errors), with Alipay's public key; a signed
/// answer is returned only if it verifies; duplicate top-level keys are refused. An answer without `sign` is
/// returned as unverified only so that its error code can be reported: callers never take a result from it.
struct AlipayResponseReader: Sendable {
    let alipayPublicKey: RSAPublicKey

    struct Content {
        var raw: [UInt8]
        var verified: Bool
    }

    func read(_ body: [UInt8], method: String, operation: String) throws(ChannelError) -> Content {
        let responseKey = method.replacingOccurrences(of: ".", with: "_") + "_response"
        let members: [(key: String, raw: ArraySlice<UInt8>)]
        do {
            members = try JSONMemberScanner.topLevelMembers(body)
        } catch {
            throw malformed(operation, "answer is not a JSON object")
        }
        guard Set(members.map(\.key)).count == members.count else { throw malformed(operation, "duplicate keys in answer") }
        guard let content = members.first(where: { $0.key == responseKey }) ?? members.first(where: { $0.key == "error_response" })
        else { throw malformed(operation, "answer has no \(responseKey)") }
        guard let signMember = members.first(where: { $0.key == "sign" }) else {
            return Content(raw: Array(content.raw), verified: false)
        }
        guard let sign = try? ChannelJSON.decode(String.self, from: Array(signMember.raw)) else {
            throw malformed(operation, "sign is not a string")
        }
        guard AlipaySignatures.isValid(sign, over: content.raw, with: alipayPublicKey) else {
            throw ChannelError(
                .badResponseSignature, channel: .alipay, operation: operation,
                message: "\(responseKey) does not verify with Alipay's public key")
        }
        return Content(raw: Array(content.raw), verified: true)
    }

    private func malformed(_ operation: String, _ message: String) -> ChannelError {
        ChannelError(.malformedResponse, channel: .alipay, operation: operation, message: message)
    }
}
