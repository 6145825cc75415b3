import Cryptography
import PaystreamCore

/// Decodes the answer of GET /v3/certificates (platform certificates, each AEAD_AES_256_GCM-encrypted under the
/// APIv3 key), so that operators can refresh the platform certificate files.
///
/// Guarantees: a certificate is returned only if it decrypts and authenticates under the APIv3 key, parses as
/// X.509 and carries exactly the serial_no the answer lists for it. The answer's own `Wechatpay-*` signature
/// must be checked by the caller first (with a platform key already trusted), as for every answer.
public enum WeChatPayPlatformCertificates {
    struct Wire: Decodable {
        struct Entry: Decodable {
            var serial_no: String
            var effective_time: String?
            var expire_time: String?
            var encrypt_certificate: Encrypted
        }
        struct Encrypted: Decodable {
            var algorithm: String
            var nonce: String
            var associated_data: String?
            var ciphertext: String
        }
        var data: [Entry]
    }

    public static func decode(responseBody: [UInt8], apiV3Key: WeChatPayAPIv3Key) throws(ChannelError) -> [X509Certificate] {
        let operation = "wechat.certificates"
        let wire: Wire
        do {
            wire = try ChannelJSON.decode(Wire.self, from: responseBody)
        } catch {
            throw ChannelError(.malformedResponse, channel: .wechat, operation: operation, message: ChannelJSON.describe(error))
        }
        var certificates: [X509Certificate] = []
        for entry in wire.data {
            let encrypted = entry.encrypt_certificate
            guard encrypted.algorithm == "AEAD_AES_256_GCM" else {
                throw ChannelError(
                    .malformedResponse, channel: .wechat, operation: operation, message: "unsupported algorithm \(encrypted.algorithm)")
            }
            do {
                let plaintext = try apiV3Key.open(
                    try Base64.decode(encrypted.ciphertext), nonce: Array(encrypted.nonce.utf8),
                    associatedData: Array((encrypted.associated_data ?? "").utf8))
                let certificate = try X509Certificate(pemRepresentation: String(decoding: plaintext, as: UTF8.self))
                guard certificate.serialNumberHex == entry.serial_no.uppercased() else {
                    throw ChannelError(
                        .malformedResponse, channel: .wechat, operation: operation,
                        message: "certificate serial \(certificate.serialNumberHex) is not the listed \(entry.serial_no)")
                }
                certificates.append(certificate)
            } catch let error as ChannelError {
                throw error
            } catch {
                throw ChannelError(
                    .badResponseSignature, channel: .wechat, operation: operation,
                    message: "certificate \(entry.serial_no) does not decrypt under the APIv3 key")
            }
        }
        return certificates
    }
}
