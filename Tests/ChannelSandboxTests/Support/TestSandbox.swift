import AsyncHTTPClient
import Cryptography
import Foundation
import Testing

@testable import ChannelSandbox

/// Keys generated once for the whole test run (RSA generation is the slow part of starting a sandbox).
let sharedKeys: SandboxKeys = {
    do { return try SandboxKeys.generate() } catch { fatalError("cannot generate sandbox keys: \(error)") }
}()

/// A running sandbox on 127.0.0.1 with a free port, its state directory, and the platform's view of it.
struct TestSandbox: Sendable {
    let sandbox: ChannelSandbox
    let baseURL: String
    let stateDirectory: URL

    var keys: SandboxKeys { sandbox.keys }
    var configuration: SandboxConfiguration { sandbox.configuration }

    /// The platform certificate as the platform would load it from the state directory.
    func platformCertificate() throws -> X509Certificate {
        try X509Certificate(pemRepresentation: String(contentsOf: file(SandboxStateFiles.wechatPlatformCertificate), encoding: .utf8))
    }

    func apiV3Key() throws -> String {
        try String(contentsOf: file(SandboxStateFiles.wechatAPIv3Key), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func alipayPublicKey() throws -> RSAPublicKey {
        try RSAPublicKey(pemRepresentation: String(contentsOf: file(SandboxStateFiles.alipayPublicKey), encoding: .utf8))
    }

    func bill99PublicKey() throws -> RSAPublicKey {
        try RSAPublicKey(pemRepresentation: String(contentsOf: file(SandboxStateFiles.bill99PublicKey), encoding: .utf8))
    }

    func merchantKey(_ name: String) throws -> RSAPrivateKey {
        try RSAPrivateKey(pemRepresentation: String(contentsOf: file(name), encoding: .utf8))
    }

    func file(_ name: String) -> URL { stateDirectory.appendingPathComponent(name) }

    var wechat: WeChatTestClient {
        get throws {
            WeChatTestClient(
                baseURL: baseURL, merchantID: configuration.wechatMerchantID,
                serial: try String(contentsOf: file(SandboxStateFiles.wechatMerchantSerial), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines),
                key: try merchantKey(SandboxStateFiles.wechatMerchantPrivateKey))
        }
    }

    // MARK: Control API

    @discardableResult
    func control(_ method: String, _ path: String, _ json: String? = nil) async throws -> HTTPResult {
        try await http(method, baseURL + path, body: json.map { Array($0.utf8) }, headers: ["Content-Type": "application/json"])
    }

    func faults(_ json: String) async throws {
        let result = try await control("POST", "/sandbox/faults", json)
        #expect(result.status == 200, "faults refused: \(result.text)")
    }

    func pay(_ channel: String, _ outTradeNo: String, extra: String = "") async throws -> HTTPResult {
        try await control("POST", "/sandbox/pay", "{\"channel\":\"\(channel)\",\"outTradeNo\":\"\(outTradeNo)\"\(extra)}")
    }

    func notifies(reference: String) async throws -> [NotifyRecord] {
        let result = try await control("GET", "/sandbox/notifies?reference=\(reference)")
        return try decodeISO([NotifyRecord].self, result.body)
    }

    /// Polls the notify records until `condition` holds (at most `seconds`).
    func waitForNotifies(
        reference: String, seconds: Double = 8, _ condition: ([NotifyRecord]) -> Bool
    ) async throws -> [NotifyRecord] {
        let deadline = Date().addingTimeInterval(seconds)
        var records: [NotifyRecord] = []
        while Date() < deadline {
            records = try await notifies(reference: reference)
            if condition(records) { return records }
            try await Task.sleep(for: .milliseconds(25))
        }
        return records
    }
}

func decodeISO<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return try decoder.decode(type, from: Data(bytes))
}

/// Starts a sandbox (fast retry schedule and settle delay unless `configure` says otherwise), runs `body`,
/// stops the sandbox.
func withSandbox<T: Sendable>(
    _ configure: (inout SandboxConfiguration) -> Void = { _ in }, _ body: (TestSandbox) async throws -> T
) async throws -> T {
    var configuration = SandboxConfiguration()
    configuration.host = "127.0.0.1"
    configuration.port = 0
    configuration.notifyRetrySchedule = [.milliseconds(100), .milliseconds(200)]
    configuration.notifyTimeout = .seconds(3)
    configuration.settleDelay = .milliseconds(50)
    configure(&configuration)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paystream-sim-test-\(UUID().uuidString)")
    let sandbox = try ChannelSandbox(configuration: configuration, keys: sharedKeys)
    let task = Task { try await sandbox.run(stateDirectory: directory) }
    do {
        let base = try await sandbox.baseURL()
        let summary = directory.appendingPathComponent(SandboxStateFiles.summary)
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: summary.path) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let result = try await body(TestSandbox(sandbox: sandbox, baseURL: base, stateDirectory: directory))
        task.cancel()
        _ = await task.result
        try? FileManager.default.removeItem(at: directory)
        return result
    } catch {
        task.cancel()
        _ = await task.result
        try? FileManager.default.removeItem(at: directory)
        throw error
    }
}

struct HTTPResult: Sendable {
    let status: Int
    /// Header names lower-cased.
    let headers: [String: String]
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
    }
}

/// A client that reports redirects instead of following them (never shut down: it lives as long as the tests).
let noRedirectClient = HTTPClient(
    eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

func http(
    _ method: String, _ url: String, body: [UInt8]? = nil, headers: [String: String] = [:], followRedirects: Bool = true
) async throws -> HTTPResult {
    var request = HTTPClientRequest(url: url)
    request.method = method == "GET" ? .GET : .POST
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body { request.body = .bytes(body) }
    let client = followRedirects ? HTTPClient.shared : noRedirectClient
    let response = try await client.execute(request, timeout: .seconds(10))
    let buffer = try await response.body.collect(upTo: 1 << 22)
    var fields: [String: String] = [:]
    for header in response.headers { fields[header.name.lowercased()] = header.value }
    return HTTPResult(status: Int(response.status.code), headers: fields, body: Array(buffer.readableBytesView))
}
