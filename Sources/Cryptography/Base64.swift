import Foundation

/// Standard Base64 (RFC 4648 §4, with padding), as WeChat Pay and Alipay use for signatures and ciphertexts.
public enum Base64 {
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes padded standard Base64. Line breaks, spaces, URL-safe characters and missing padding throw
    /// ``CryptoError/Code/invalidEncoding``.
    public static func decode(_ text: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: text) else {
            throw CryptoError(.invalidEncoding, "text is not valid padded Base64 (\(text.utf8.count) characters)")
        }
        return Array(data)
    }
}
