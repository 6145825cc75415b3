import Cryptography
import Foundation
import PaystreamCore
@testable import Channels

/// Keys generated at test time (never committed), shared by the tests of one run.
enum TestKeys {
    static let merchant = try! RSAPrivateKey.generate()
    static let platform = try! RSAPrivateKey.generate()
    static let rogue = try! RSAPrivateKey.generate()
    static let platformCertificate = try! X509Certificate.selfSigned(
        key: platform, commonName: "Paystream test WeChat Pay platform", validDays: 30)
    static let apiV3KeyText = "0123456789abcdefABCDEF0123456789"
}

/// A fresh temporary directory removed when the value is dropped by the test.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("channels-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// WeChat Pay settings and keys written to files and loaded back the way production loads them.
struct WeChatFixture {
    let directory: TemporaryDirectory
    let configuration: WeChatPayConfiguration
    let credentials: WeChatPayCredentials

    init(baseURL: String = "http://127.0.0.1:9", http: ChannelHTTPOptions = ChannelHTTPOptions()) throws {
        directory = try TemporaryDirectory()
        configuration = WeChatPayConfiguration(
            merchantID: "1900000109", appID: "wxd678efh567hg6787",
            merchantPrivateKeyPath: try directory.write("apiclient_key.pem", TestKeys.merchant.pemRepresentation),
            merchantCertificateSerial: "3775B6A45ACD588826D15E583A95F5DD00000001",
            apiV3KeyPath: try directory.write("apiv3.key", TestKeys.apiV3KeyText + "\n"),
            platformCertificatePaths: [try directory.write("platform.pem", TestKeys.platformCertificate.pemRepresentation)],
            baseURL: baseURL, notifyURL: "https://paystream.example/notify/wechat", http: http)
        credentials = try WeChatPayCredentials.load(from: configuration)
    }

    var platformSerial: String { TestKeys.platformCertificate.serialNumberHex }
}

/// Signs like WeChat Pay's platform: the four `Wechatpay-*` headers over "TIMESTAMP\nNONCE\nBODY\n".
func wechatPlatformHeaders(body: [UInt8], key: RSAPrivateKey, serial: String, timestamp: Int64) throws -> [String: String] {
    let nonce = "n" + String(timestamp)
    let message = Array("\(timestamp)\n\(nonce)\n".utf8) + body + [0x0A]
    return [
        "Wechatpay-Timestamp": String(timestamp), "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": Base64.encode(try key.signatureSHA256(for: message)), "Wechatpay-Serial": serial,
    ]
}
