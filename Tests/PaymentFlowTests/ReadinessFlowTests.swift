import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// `/readyz` on the operations port answers 200 only when PostgreSQL, Redis and Kafka answer, and names the one
/// that does not: what a load balancer or Kubernetes needs to keep traffic off a process that cannot serve.
@Suite(.serialized) struct ReadinessFlowTests {
    func readyz(_ port: Int) async -> (status: Int, body: String)? {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz")
        request.method = .GET
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)),
            let body = try? await response.body.collect(upTo: 1 << 16)
        else { return nil }
        return (Int(response.status.code), String(buffer: body))
    }

    @Test func readinessNamesTheDependencyThatDoesNotAnswer() async throws {
        try await FlowHarness.run { h in
            let healthyPort = try freePort()
            let healthy = try h.startSecondAPI(["--ops-port", "\(healthyPort)"])
            #expect(await eventually(timeoutSeconds: 60) { await readyz(healthyPort)?.status == 200 })
            #expect(await readyz(healthyPort)?.body == "ready\n")

            // Redis on a port where nothing listens: the API runs (liveness) but is not ready, and says why.
            let brokenPort = try freePort()
            let deadRedis = try freePort()
            let broken = try h.startSecondAPI(["--ops-port", "\(brokenPort)", "--redis-url", "redis://127.0.0.1:\(deadRedis)/0"])
            #expect(await eventually(timeoutSeconds: 60) { await readyz(brokenPort)?.status == 503 })
            let answer = await readyz(brokenPort)
            #expect(answer?.body.contains("redis:") == true && answer?.body.contains("postgres") == false, "\(String(describing: answer))")
            _ = await healthy.terminate()
            _ = await broken.terminate()
        }
    }
}
