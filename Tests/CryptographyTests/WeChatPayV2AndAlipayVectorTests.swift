import Cryptography
import Foundation
import Testing

/// WeChat Pay v2 (MD5 / HMAC-SHA256 signs) and Alipay RSA2 vectors from ../shared/vectors.
@Suite struct WeChatPayV2AndAlipayVectorTests {
    @Test func wechatPayV2MD5Yansongda() throws {
        let vector = try VectorFile("wechatpay_v2_md5_sign_yansongda-pay.json")
        #expect(try vector.string("sign_type") == "MD5")
        let signString = ChannelSigningStrings.wechatPayV2(
            parameters: try vector.stringMap("params"), apiKey: try vector.string("api_key"))
        #expect(signString == (try vector.string("expected_string_sign_temp")))
        #expect(Hex.encode(MD5.hash(signString), uppercase: true) == (try vector.string("expected_sign")))
    }

    @Test func wechatPayV2OfficialMD5AndHMACSHA256() throws {
        let vector = try VectorFile("wechatpay_v2_sign_md5_hmacsha256_official_wxjava.json")
        let apiKey = try vector.string("api_key")
        let signString = ChannelSigningStrings.wechatPayV2(parameters: try vector.stringMap("params"), apiKey: apiKey)
        #expect(signString == (try vector.string("stringSignTemp")))
        let md5 = Hex.encode(MD5.hash(signString), uppercase: true)
        #expect(constantTimeEquals(md5, try vector.string("expected_sign_MD5")))
        let hmac = Hex.encode(HMACSHA256.authenticationCode(key: apiKey, message: signString), uppercase: true)
        #expect(constantTimeEquals(hmac, try vector.string("expected_sign_HMAC-SHA256")))
    }

    @Test func alipayRequestSign() throws {
        let vector = try VectorFile("alipay_rsa2_request_sign_yansongda-pay.json")
        let content = ChannelSigningStrings.alipay(
            parameters: try vector.stringMap("request_params"), excluding: ["sign"])
        #expect(content == (try vector.string("expected_sign_content")))
        let key = try RSAPrivateKey(pemRepresentation: try vector.string("app_private_key_pem"))
        let signature = try key.signatureSHA256(for: content)
        #expect(Base64.encode(signature) == (try vector.string("expected_sign")))

        // The same key as bare Base64 DER, the way Alipay hands it out.
        let fromDER = try RSAPrivateKey(
            derRepresentation: try Base64.decode(try vector.string("app_private_key_pkcs1_base64")))
        #expect(try fromDER.signatureSHA256(for: content) == signature)
        let publicKey = try RSAPublicKey(pemRepresentation: try vector.string("app_public_key_pem_derived"))
        #expect(publicKey == key.publicKey)
        #expect(publicKey.isValidSignatureSHA256(signature, for: content))
    }

    struct NotifyCase: Sendable, CustomTestStringConvertible {
        let file: String
        let parametersField: String
        let excluded: Set<String>
        let keyField: String
        var testDescription: String { file }
    }

    static let notifyCases = [
        NotifyCase(
            file: "alipay_rsa2_notify_trade_success_alipay-sdk-nodejs.json", parametersField: "notify_params",
            excluded: ["sign", "sign_type"], keyField: "alipay_public_key_pem"),
        NotifyCase(
            file: "alipay_rsa2_notify_keep_sign_type_alipay-sdk-nodejs.json", parametersField: "notify_params",
            excluded: ["sign"], keyField: "alipay_public_key_pem"),
        NotifyCase(
            file: "alipay_rsa2_notify_sandbox_yansongda-pay.json", parametersField: "notify_params",
            excluded: ["sign", "sign_type"], keyField: "alipay_public_cert_pem"),
        NotifyCase(
            file: "alipay_rsa2_return_url_sandbox_yansongda-pay.json", parametersField: "decoded_params",
            excluded: ["sign", "sign_type"], keyField: "alipay_public_cert_pem"),
    ]

    @Test(arguments: notifyCases)
    func alipayNotifyVerifies(_ testCase: NotifyCase) throws {
        let vector = try VectorFile(testCase.file)
        let parameters = try vector.stringMap(testCase.parametersField)
        let content = ChannelSigningStrings.alipay(parameters: parameters, excluding: testCase.excluded)
        #expect(content == (try vector.string("expected_sign_content")))

        let keyText = try vector.string(testCase.keyField)
        let publicKey =
            keyText.contains("CERTIFICATE")
            ? try X509Certificate(pemRepresentation: keyText).publicKey : try RSAPublicKey(pemRepresentation: keyText)
        let signature = try Base64.decode(try #require(parameters["sign"]))
        #expect(publicKey.isValidSignatureSHA256(signature, for: content))
        #expect(!publicKey.isValidSignatureSHA256(signature, for: content.replacingOccurrences(of: "0.", with: "9.")))
    }

    @Test func alipayResponseSignNodeSDK() throws {
        let vector = try VectorFile("alipay_rsa2_response_sign_alipay-sdk-nodejs.json")
        let body = try vector.string("response_body")
        let content = try vector.string("expected_signed_content")
        // The signed content is the raw text of the response object inside the body.
        #expect(body.contains("\"\(try vector.string("response_key"))\":\(content)"))
        let signature = try Base64.decode(try vector.json("response_body").string("sign"))
        let publicKey = try RSAPublicKey(pemRepresentation: try vector.string("alipay_public_key_pem"))
        #expect(publicKey.isValidSignatureSHA256(signature, for: content))
        #expect(
            !publicKey.isValidSignatureSHA256(signature, for: content.replacingOccurrences(of: "10000", with: "40004")))
    }

    @Test func alipayResponseSignGopay() throws {
        let vector = try VectorFile("alipay_rsa2_response_sign_trade_query_gopay.json")
        let content = try vector.string("expected_signed_content")
        let publicKey = try RSAPublicKey(pemRepresentation: try vector.string("alipay_public_key_pem"))
        let signature = try Base64.decode(try vector.string("sign"))
        #expect(publicKey.isValidSignatureSHA256(signature, for: content))
        #expect(!publicKey.isValidSignatureSHA256(signature, for: content + " "))
    }
}
