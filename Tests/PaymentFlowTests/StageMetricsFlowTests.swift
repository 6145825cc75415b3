import AsyncHTTPClient
import Foundation
import Testing
import TestSupport

/// The stages of a grab are timed on the API's `/metrics` (`paystream_api_stage_seconds`), so that an operator
/// can tell, under load, where a request waits: the signature's nonce, the one-time token, the grab script, the
/// Kafka acknowledgement, and the request as a whole.
@Suite(.serialized) struct StageMetricsFlowTests {
    /// The `_count` of each stage on the operations port `port`, or nil when it does not answer.
    func stageCounts(_ port: Int) async -> [String: Int]? {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")
        request.method = .GET
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)), response.status.code == 200,
            let body = try? await response.body.collect(upTo: 1 << 22)
        else { return nil }
        var counts: [String: Int] = [:]
        for line in String(buffer: body).split(separator: "\n") where line.hasPrefix("paystream_api_stage_seconds_count{stage=\"") {
            let rest = line.dropFirst("paystream_api_stage_seconds_count{stage=\"".count)
            guard let quote = rest.firstIndex(of: "\""), let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            counts[String(rest[..<quote])] = Int(value)
        }
        return counts
    }

    @Test func aGrabsStagesAreTimedOnTheOperationsPort() async throws {
        try await FlowHarness.run { h in
            let sender = "user:stg\(h.prefix.suffix(6))"
            let grabber = "user:stgg\(h.prefix.suffix(6))"
            let envelope = try await EnvelopeFlowTests.fundedEnvelope(h, sender: sender, totalFen: 300, shares: 3, grabbers: [grabber])
            let opsPort = try freePort()
            let apiPort = try freePort()
            let api2 = try h.startSecondAPI(["--ops-port", "\(opsPort)"], port: apiPort)
            #expect(await eventually(timeoutSeconds: 60) { await stageCounts(opsPort) != nil }, "\(api2.tail())")
            let before = await stageCounts(opsPort) ?? [:]
            #expect(before["grab_script"] == nil && before["grab_produce"] == nil, "no grab yet: \(before)")

            // One grab at the second API, signed and with its one-time token as a client sends it.
            let path = "/v1/envelopes/\(envelope)/grab"
            var headers = ["X-Paystream-Unsigned": "1"]
            for (name, value) in try await h.authenticated(["X-Paystream-Account": grabber], method: "POST", url: h.apiURL + path, body: Array("{}".utf8)) {
                headers[name] = value
            }
            let reply = try await h.send(.POST, "http://127.0.0.1:\(apiPort)" + path, json: "{}", headers: headers)
            #expect(reply.status == 200 && reply.string("credit") == "queued", "\(reply.text)")

            let after = await stageCounts(opsPort) ?? [:]
            for stage in ["grab_script", "grab_produce", "signature_nonce", "token_spend"] {
                #expect(after[stage] == 1, "\(stage): \(after)")
            }
            // The request stage counts every request the process answered (its health checks too), the grab among them.
            #expect((after["request"] ?? 0) > (before["request"] ?? 0), "\(after)")
            _ = await api2.terminate()
        }
    }
}
