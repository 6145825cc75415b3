import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// The production configuration (deploy/k8s/configmap.yaml's config.json) runs the same binaries against the
/// embedded broker, with only the addresses changed and the Kafka security properties the embedded broker
/// cannot speak (SASL_SSL) left out: pool sizes, ops endpoint, log settings and every other Kafka property as
/// shipped. What cannot run here (a real Kafka cluster) is validated as far as this machine allows.
@Suite(.serialized) struct ProductionConfigTests {
    /// config.json from the ConfigMap, as the JSON object Kubernetes mounts.
    static func shippedConfiguration() throws -> [String: Any] {
        let yaml = try String(
            contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("deploy/k8s/configmap.yaml"), encoding: .utf8)
        var lines: [Substring] = []
        var inside = false
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces) == "config.json: |" { inside = true; continue }
            if inside {
                guard line.hasPrefix("    ") || line.isEmpty else { break }
                lines.append(line)
            }
        }
        let data = Data(lines.joined(separator: "\n").utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func theShippedConfigurationRunsAWorkerWithOnlyTheAddressesChanged() async throws {
        try await FlowHarness.run(grayTwins: true) { h in
            var configuration = try Self.shippedConfiguration()
            #expect(configuration["postgresPoolSize"] as? Int == 16)
            let opsPort = try freePort()
            configuration["kafkaBootstrapServers"] = try KafkaTestCluster.bootstrap()
            configuration["postgresURL"] = h.database.url
            configuration["redisURL"] = try TestEnvironment.redisURL()
            configuration["topicsDirectory"] = h.topicsDirectory.path
            configuration["opsHost"] = "127.0.0.1"
            configuration["opsPort"] = opsPort
            var kafka = try #require(configuration["kafkaProperties"] as? [String: String])
            let security = kafka.keys.filter { $0 == "security.protocol" || $0.hasPrefix("sasl.") || $0.hasPrefix("ssl.") }
            #expect(Set(security) == ["security.protocol", "sasl.mechanism", "ssl.ca.location", "ssl.endpoint.identification.algorithm"])
            for key in security { kafka.removeValue(forKey: key) }
            configuration["kafkaProperties"] = kafka
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(h.prefix)-config.json")
            try JSONSerialization.data(withJSONObject: configuration).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }

            // The check a deployment runs first passes.
            let check = try await h.paystream(
                ["config", "check", "--config", file.path, "--sandbox-state-dir", h.stateDirectory.path,
                 "--risk-rules", TestEnvironment.repositoryRoot.appendingPathComponent("deploy/risk/rules.yaml").path, "--connect"])
            #expect(check.status == 0, "\(check.output)")

            // The harness's worker hands over to one that reads only the file (and the harness's topic families).
            await h.worker.terminate()
            let families = FlowHarness.stems.filter { $0 != "notifications.outbound" }.map { "\(h.prefix).\($0)" }
            // The test run's PAYSTREAM_* addresses would win over the file (variables come after it): blank them.
            let onlyTheFile = Dictionary(
                uniqueKeysWithValues: ["PAYSTREAM_PG_URL", "PAYSTREAM_REDIS_URL", "PAYSTREAM_KAFKA_BOOTSTRAP", "PAYSTREAM_TOPICS_DIR", "PAYSTREAM_CONFIG"]
                    .map { ($0, "") })
            let worker = try ManagedProcess(
                executable: "paystream-worker", arguments: ["--config", file.path, "--families", families.joined(separator: ",")],
                environment: onlyTheFile, name: "prod-worker")
            let ready = await eventually(timeoutSeconds: 60) {
                (try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(opsPort)/readyz"), timeout: .seconds(5)).status.code) == 200
            }
            #expect(ready, "worker:\n\(worker.tail())")
            let user = try await h.fundedUser("prod", fen: 12_345)
            #expect(try await h.balance(user) == (12_345, 0), "worker:\n\(worker.tail())")
            // A graceful stop within the grace period the manifests give (60 s).
            let started = Date()
            #expect(await worker.terminate(timeoutSeconds: 60) == 0)
            #expect(Date().timeIntervalSince(started) < 60)
        }
    }
}
