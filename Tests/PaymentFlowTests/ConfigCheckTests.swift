import Cryptography
import Foundation
import Postgres
import TestSupport
import Testing

/// `paystream config check` validates a deployment's configuration before it starts, naming each problem.
@Suite("paystream config check", .serialized)
struct ConfigCheckTests {
    /// Runs `paystream config check` with `arguments`; returns the exit status and what it printed.
    static func check(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        let process = try ManagedProcess(executable: "paystream", arguments: ["config", "check"] + arguments, environment: environment, name: "config-check")
        let status = await process.waitForExit(timeoutSeconds: 120)
        return (status, process.log)
    }

    static func line(_ output: String, _ prefix: String) -> String {
        output.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init) ?? "(no line starting \(prefix))"
    }

    @Test func aGoodDeploymentPassesAndABrokenOneIsRefusedPartByPart() async throws {
        let h = try await FlowHarness.start(grayTwins: true)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("config"))
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let rules = TestEnvironment.repositoryRoot.appendingPathComponent("deploy/risk/rules.yaml").path
        let services = [
            "--pg-url", h.database.url, "--redis-url", try TestEnvironment.redisURL(), "--kafka-bootstrap", try KafkaTestCluster.bootstrap(),
        ]

        // Everything as the harness's own processes run it, and a TLS pair that belongs together.
        let key = try RSAPrivateKey.generate()
        let certificate = try X509Certificate.selfSigned(key: key, commonName: "paystream-api", validDays: 90, subjectAlternativeNames: ["localhost"])
        let certPath = scratch.appendingPathComponent("cert.pem").path
        try certificate.pemRepresentation.write(toFile: certPath, atomically: true, encoding: .utf8)
        let keyPath = scratch.appendingPathComponent("key.pem").path
        try key.pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)
        let good = try await Self.check(
            services + [
                "--topics-dir", h.topicsDirectory.path, "--keys-file", h.keysFile.path, "--sandbox-state-dir", h.stateDirectory.path,
                "--risk-rules", rules, "--tls-cert", certPath, "--tls-key", keyPath, "--connect",
            ])
        #expect(good.status == 0, "\(good.output)")
        for part in ["configuration", "topics", "keys", "channels", "risk rules", "tls", "postgres", "redis", "kafka"] {
            #expect(Self.line(good.output, "ok    \(part):") != "(no line starting ok    \(part):)", "\(part) in:\n\(good.output)")
        }
        #expect(Self.line(good.output, "ok    tls:").contains("key matches"))
        #expect(good.output.contains("config check: OK"))

        // A configuration file whose Kafka properties would override a safety setting stops everything.
        let configFile = scratch.appendingPathComponent("config.json")
        try #"{"kafkaBootstrapServers": "127.0.0.1:9092", "kafkaProperties": {"acks": "1"}, "postgresURL": "postgres://u@127.0.0.1:5432/p", "postgresPoolSize": 4, "redisURL": "redis://127.0.0.1:6379/0", "redisPoolSize": 4, "topicsDirectory": "topics", "opsHost": "127.0.0.1", "opsPort": 9100, "logLevel": "info", "logFormat": "json"}"#
            .write(to: configFile, atomically: true, encoding: .utf8)
        let unsafe = try await Self.check(["--config", configFile.path])
        #expect(unsafe.status == 1)
        #expect(Self.line(unsafe.output, "FAIL  configuration:").contains("may not set acks"), "\(unsafe.output)")

        // Every other part broken at once: each is named, none hides another.
        let otherKey = try RSAPrivateKey.generate()
        let otherKeyPath = scratch.appendingPathComponent("other-key.pem").path
        try otherKey.pemRepresentation.write(toFile: otherKeyPath, atomically: true, encoding: .utf8)
        let badRules = scratch.appendingPathComponent("rules.yaml")
        try "rules:\n  - name: [unclosed\n".write(to: badRules, atomically: true, encoding: .utf8)
        let channelsFile = scratch.appendingPathComponent("channels.json")
        try #"{"wechat": {"merchantID": "1900000001", "appID": "wx1", "merchantPrivateKeyPath": "/nonexistent/wechat_key.pem", "merchantCertificateSerial": "1", "apiV3KeyPath": "/nonexistent/apiv3.txt"}, "alipay": {"appID": "2021", "appPrivateKeyPath": "/nonexistent/a.pem", "alipayPublicKeyPath": "/nonexistent/b.pem"}, "bill99": {"memberCode": "1", "merchantPrivateKeyPath": "/nonexistent/c.pem", "bill99PublicKeyPath": "/nonexistent/d.pem", "baseURL": "https://bill99.invalid"}}"#
            .write(to: channelsFile, atomically: true, encoding: .utf8)
        // A topic declared but never created, and a database nobody migrated.
        let topics = scratch.appendingPathComponent("topics")
        try FileManager.default.copyItem(at: h.topicsDirectory, to: topics)
        var declaration = try JSONSerialization.jsonObject(with: Data(contentsOf: topics.appendingPathComponent("refunds.json"))) as! [String: Any]
        declaration["name"] = "\(h.prefix).never.created"
        declaration["consumerGroup"] = "\(h.prefix)-never-created"
        try JSONSerialization.data(withJSONObject: declaration).write(to: topics.appendingPathComponent("never.json"))
        let empty = "t_" + TestEnvironment.uniqueName("empty").replacingOccurrences(of: "-", with: "_")
        _ = try await h.database.client.execute(PostgresQuery(sql: "CREATE DATABASE \(PostgresQuery.quoteIdentifier(empty))", bindings: []))
        var emptyURL = URLComponents(string: h.database.url)!
        emptyURL.path = "/" + empty
        let broken = try await Self.check(
            ["--pg-url", emptyURL.string!, "--redis-url", try TestEnvironment.redisURL(), "--kafka-bootstrap", try KafkaTestCluster.bootstrap(),
             "--topics-dir", topics.path, "--keys-file", scratch.appendingPathComponent("no-keys.json").path, "--channels", channelsFile.path,
             "--risk-rules", badRules.path, "--tls-cert", certPath, "--tls-key", otherKeyPath, "--connect"],
            environment: ["PAYSTREAM_KEYS": ""])
        #expect(broken.status == 1, "\(broken.output)")
        #expect(Self.line(broken.output, "ok    configuration:").hasPrefix("ok"), "\(broken.output)")
        #expect(Self.line(broken.output, "ok    topics:").hasPrefix("ok"))
        #expect(Self.line(broken.output, "FAIL  keys:").contains("no-keys.json"), "\(broken.output)")
        #expect(Self.line(broken.output, "FAIL  channels:").contains("/nonexistent/"), "\(broken.output)")
        #expect(Self.line(broken.output, "FAIL  risk rules:").hasPrefix("FAIL"), "\(broken.output)")
        #expect(Self.line(broken.output, "FAIL  tls:").hasPrefix("FAIL"), "\(broken.output)")
        #expect(Self.line(broken.output, "FAIL  postgres:").contains("migrations pending: 1 "), "\(broken.output)")
        #expect(Self.line(broken.output, "ok    redis:").hasPrefix("ok"))
        #expect(Self.line(broken.output, "FAIL  kafka:").contains("\(h.prefix).never.created missing"), "\(broken.output)")
        #expect(broken.output.contains("config check: FAILED"))
        await h.stop()
    }
}
