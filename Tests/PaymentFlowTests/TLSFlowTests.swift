import AsyncHTTPClient
import Cryptography
import Foundation
import NIOSSL
import Testing
import TestSupport

/// paystream-api serves HTTPS with a certificate generated for the test, and refuses plain HTTP anywhere but
/// loopback.
@Suite(.serialized) struct TLSFlowTests {
    @Test func theAPIServesHTTPSAndARechargeGoesThroughIt() async throws {
        let key = try RSAPrivateKey.generate()
        let certificate = try X509Certificate.selfSigned(
            key: key, commonName: "paystream-api test", validDays: 1, subjectAlternativeNames: ["127.0.0.1", "localhost"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("tls"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certPath = directory.appendingPathComponent("cert.pem").path
        let keyPath = directory.appendingPathComponent("key.pem").path
        try certificate.pemRepresentation.write(toFile: certPath, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)

        // A client that trusts exactly this certificate (and verifies the host name against it).
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certPath))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            try await FlowHarness.run(apiTLS: (certPath, keyPath, client)) { h in
                #expect(h.apiURL.hasPrefix("https://"))
                let user = "user:tls\(h.prefix.suffix(6))"
                let order = try await h.post("/v1/recharges", #"{"amountFen":4321,"channel":"wechat"}"#, as: user)
                #expect(order.status == 201, "\(order.text)")
                // Browsers that reached it over HTTPS never fall back to plain HTTP.
                #expect(order.headers["strict-transport-security"] == "max-age=31536000")
                try await h.pay("wechat", try #require(order.string("orderId")))
                #expect(await h.waitFor(try #require(order.string("orderId")), status: "paid"))
                #expect(try await h.get("/v1/balance", as: user).int("availableFen") == 4321)
                // A client that does not trust the certificate is refused by TLS, not answered.
                await #expect(throws: (any Error).self) {
                    _ = try await HTTPClient.shared.execute(HTTPClientRequest(url: h.apiURL + "/healthz"), timeout: .seconds(10))
                }
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    @Test func plainHTTPIsRefusedOffLoopback() async throws {
        let api = try ManagedProcess(
            executable: "paystream-api",
            arguments: ["--host", "0.0.0.0", "--port", "0", "--sandbox-state-dir", "/nonexistent", "--log-format", "json"], name: "api-plain")
        let status = await api.waitForExit(timeoutSeconds: 30)
        #expect(status != 0)
        let log = try String(contentsOf: api.logFile, encoding: .utf8)
        #expect(log.contains("plain HTTP is served on loopback only"), "\(log)")
    }
}
