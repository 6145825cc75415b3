import Cryptography
import Foundation
import Testing

/// WeChat Pay APIv3 vectors from ../shared/vectors (published SDK test data).
@Suite struct WeChatPayV3VectorTests {
    @Test(arguments: [
        "wechatpay_v3_rsa_sha256_sign_wechatpay-go.json", "wechatpay_v3_rsa_sha256_sign_wechatpay-java.json",
    ])
    func rsaSHA256SignMatchesSDK(file: String) throws {
        let vector = try VectorFile(file)
        let key = try RSAPrivateKey(pemRepresentation: try vector.string("private_key_pem"))
        let message = try vector.string("message")
        let signature = try key.signatureSHA256(for: message)
        #expect(Base64.encode(signature) == (try vector.string("expected_signature_base64")))

        let publicKey: RSAPublicKey
        if let pem = vector.fields["public_key_pem_derived"] as? String {
            publicKey = try RSAPublicKey(pemRepresentation: pem)
        } else {
            let certificate = try X509Certificate(pemRepresentation: try vector.string("certificate_pem"))
            #expect(certificate.serialNumberHex == (try vector.string("merchant_certificate_serial")))
            publicKey = try certificate.publicKey
        }
        #expect(publicKey == key.publicKey)
        let expected = try Base64.decode(try vector.string("expected_signature_base64"))
        #expect(publicKey.isValidSignatureSHA256(expected, for: message))
        #expect(!publicKey.isValidSignatureSHA256(expected, for: message + " "))
    }

    @Test func requestSignH5() throws {
        let vector = try VectorFile("wechatpay_v3_request_sign_h5_yansongda-pay.json")
        let message = ChannelSigningStrings.wechatPayV3Request(
            method: try vector.string("method"), url: try vector.string("url"),
            timestamp: try vector.string("timestamp"), nonce: try vector.string("nonce"),
            body: try vector.string("body"))
        #expect(message == (try vector.string("message")))
        let key = try RSAPrivateKey(pemRepresentation: try vector.string("merchant_private_key_pem"))
        let signature = try key.signatureSHA256(for: message)
        #expect(Base64.encode(signature) == (try vector.string("expected_signature")))
        let certificate = try X509Certificate(pemRepresentation: try vector.string("merchant_public_key_pem"))
        #expect(try certificate.publicKey == key.publicKey)
        #expect(try certificate.publicKey.isValidSignatureSHA256(signature, for: message))
    }

    @Test func responseVerifyH5() throws {
        let vector = try VectorFile("wechatpay_v3_response_verify_h5_yansongda-pay.json")
        let headers = try vector.stringMap("headers")
        let message = ChannelSigningStrings.wechatPayV3Response(
            timestamp: try #require(headers["Wechatpay-Timestamp"]), nonce: try #require(headers["Wechatpay-Nonce"]),
            body: try vector.string("body"))
        #expect(message == (try vector.string("message_to_verify")))
        let publicKey = try X509Certificate(pemRepresentation: try vector.string("public_key_pem")).publicKey
        let signature = try Base64.decode(try #require(headers["Wechatpay-Signature"]))
        #expect(publicKey.isValidSignatureSHA256(signature, for: message))
        #expect(
            !publicKey.isValidSignatureSHA256(
                signature, for: message.replacingOccurrences(of: "prepay_id=wx", with: "prepay_id=wy")))
    }

    @Test(arguments: [
        "wechatpay_v3_aead_aes256gcm_wechatpay-java.json", "wechatpay_v3_aead_transaction_notify_easywechat.json",
    ])
    func aeadDecryptsAndReencrypts(file: String) throws {
        let vector = try VectorFile(file)
        let key = Array(try vector.string("apiv3_key").utf8)
        let nonce = Array(try vector.string("nonce").utf8)
        let aad = Array(try vector.string("associated_data").utf8)
        let combined = try Base64.decode(try vector.string("ciphertext_base64"))
        let plaintext = try AES256GCM.open(ciphertextAndTag: combined, key: key, nonce: nonce, authenticating: aad)
        #expect(String(decoding: plaintext, as: UTF8.self) == (try vector.string("expected_plaintext")))
        let box = try AES256GCM.seal(plaintext, key: key, nonce: nonce, authenticating: aad)
        #expect(box.ciphertextAndTag == combined)

        var tampered = combined
        tampered[0] ^= 0x01
        let error = #expect(throws: CryptoError.self) {
            try AES256GCM.open(ciphertextAndTag: tampered, key: key, nonce: nonce, authenticating: aad)
        }
        #expect(error?.code == .authenticationFailed)
    }

    /// wechatpay-go's test uses a 16-byte "APIv3 key", so Go's AES picks AES-128: the vector is AES-128-GCM.
    @Test func aeadWechatpayGoIsAES128() throws {
        let vector = try VectorFile("wechatpay_v3_aead_aes256gcm_wechatpay-go.json")
        let key = Array(try vector.string("apiv3_key").utf8)
        #expect(key.count == 16)
        let nonce = Array(try vector.string("nonce").utf8)
        let aad = Array(try vector.string("associated_data").utf8)
        let combined = try Base64.decode(try vector.string("ciphertext_base64"))
        let plaintext = try AES128GCM.open(ciphertextAndTag: combined, key: key, nonce: nonce, authenticating: aad)
        #expect(String(decoding: plaintext, as: UTF8.self) == (try vector.string("expected_plaintext")))
        let error = #expect(throws: CryptoError.self) {
            try AES256GCM.open(ciphertextAndTag: combined, key: key, nonce: nonce, authenticating: aad)
        }
        #expect(error?.code == .invalidLength)
    }

    @Test func notifyEndToEndWechatpayGo() throws {
        let vector = try VectorFile("wechatpay_v3_notify_e2e_wechatpay-go.json")
        let certificate = try X509Certificate(pemRepresentation: try vector.string("platform_certificate_pem"))
        let headers = try vector.stringMap("headers")
        #expect(certificate.serialNumberHex == (try vector.string("platform_certificate_serial_hex_computed")))
        #expect(certificate.serialNumberHex == headers["Wechatpay-Serial"])
        let timestamp = try #require(headers["Wechatpay-Timestamp"])
        #expect(certificate.isValid(at: Date(timeIntervalSince1970: try #require(TimeInterval(timestamp)))))

        let body = try vector.string("body")
        let message = ChannelSigningStrings.wechatPayV3Response(
            timestamp: timestamp, nonce: try #require(headers["Wechatpay-Nonce"]), body: body)
        #expect(message == (try vector.string("message_to_verify")))
        let signature = try Base64.decode(try #require(headers["Wechatpay-Signature"]))
        #expect(try certificate.publicKey.isValidSignatureSHA256(signature, for: message))

        // The vector notes the platform key is the same key as the wechatpay-go signing vector's.
        let signer = try VectorFile("wechatpay_v3_rsa_sha256_sign_wechatpay-go.json")
        #expect(
            try certificate.publicKey
                == RSAPrivateKey(pemRepresentation: try signer.string("private_key_pem")).publicKey)

        // Its APIv3 key is 16 bytes (Go picks AES-128 by key length).
        let resource = try vector.json("body").object("resource")
        let plaintext = try AES128GCM.open(
            ciphertextAndTag: try Base64.decode(try resource.string("ciphertext")),
            key: Array(try vector.string("mch_apiv3_key").utf8), nonce: Array(try resource.string("nonce").utf8),
            authenticating: Array(try resource.string("associated_data").utf8))
        #expect(String(decoding: plaintext, as: UTF8.self) == (try vector.string("expected_plaintext")))
    }

    @Test func notifyEndToEndYansongda() throws {
        let vector = try VectorFile("wechatpay_v3_notify_e2e_yansongda-pay.json")
        let headers = try vector.stringMap("headers")
        let body = try vector.string("body")
        let message = ChannelSigningStrings.wechatPayV3Response(
            timestamp: try #require(headers["Wechatpay-Timestamp"]), nonce: try #require(headers["Wechatpay-Nonce"]),
            body: body)
        #expect(message == (try vector.string("message_to_verify")))
        let publicKey = try X509Certificate(pemRepresentation: try vector.string("public_key_pem")).publicKey
        let signature = try Base64.decode(try #require(headers["Wechatpay-Signature"]))
        #expect(publicKey.isValidSignatureSHA256(signature, for: message))
        #expect(!publicKey.isValidSignatureSHA256(signature, for: body))

        let resource = try vector.json("body").object("resource")
        let plaintext = try AES256GCM.open(
            ciphertextAndTag: try Base64.decode(try resource.string("ciphertext")),
            key: Array(try vector.string("mch_apiv3_key").utf8), nonce: Array(try resource.string("nonce").utf8),
            authenticating: Array(try resource.string("associated_data").utf8))
        let pem = String(decoding: plaintext, as: UTF8.self)
        #expect(pem == (try vector.string("expected_plaintext")))
        let platform = try X509Certificate(pemRepresentation: pem)
        #expect(platform.serialNumberHex == (try vector.string("expected_plaintext_certificate_serial")))
        #expect(platform.serialNumberHex == headers["Wechatpay-Serial"])
    }

    @Test func certificatesDownloadDecrypts() throws {
        let vector = try VectorFile("wechatpay_v3_certificates_download_decrypt_wechatpay-java.json")
        let entry = try vector.json("response_body").firstOfArray("data")
        let encrypted = try entry.object("encrypt_certificate")
        #expect(try encrypted.string("algorithm") == "AEAD_AES_256_GCM")
        let plaintext = try AES256GCM.open(
            ciphertextAndTag: try Base64.decode(try encrypted.string("ciphertext")),
            key: Array(try vector.string("apiv3_key").utf8), nonce: Array(try encrypted.string("nonce").utf8),
            authenticating: Array(try encrypted.string("associated_data").utf8))
        let pem = String(decoding: plaintext, as: UTF8.self)
        #expect(pem == (try vector.string("expected_plaintext_certificate_pem")))

        let certificate = try X509Certificate(pemRepresentation: pem)
        #expect(certificate.serialNumberHex == (try vector.string("expected_certificate_serial")))
        #expect(certificate.serialNumberHex == (try entry.string("serial_no")))
        let rfc3339 = ISO8601DateFormatter()
        #expect(certificate.notValidBefore == rfc3339.date(from: try entry.string("effective_time")))
        #expect(certificate.notValidAfter == rfc3339.date(from: try entry.string("expire_time")))
        #expect(try certificate.publicKey.bitCount == 2048)
    }
}
