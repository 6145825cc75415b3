import AsyncHTTPClient
import Foundation
import Kafka
import Testing
import TestSupport

/// An outbox row nobody publishes is not lost, but its event never reaches its consumers. Every worker reads the
/// backlog into `/metrics` and logs an error once the oldest unsent row is older than `--outbox-stale-seconds`;
/// once a relay runs, the row goes out and the gauges fall back to zero.
@Suite("Outbox watch", .serialized)
struct OutboxWatchTests {
    /// The value of an unlabelled gauge on a worker's `/metrics`, nil until the worker answers with it.
    static func gauge(_ name: String, port: Int) async -> Double? {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")
        request.method = .GET
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)), response.status == .ok,
              let body = try? await response.body.collect(upTo: 1 << 20)
        else { return nil }
        for line in String(buffer: body).split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    @Test func aStuckOutboxRowIsReportedAndClearedOnceARelayRuns() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks"])
        // A topic of its own for the row, that no worker consumes.
        let topic = "\(h.prefix).watched"
        try KafkaTestCluster.control("CREATE \(topic) 1 3")
        _ = try await h.database.client.execute(
            """
            INSERT INTO outbox (topic, message_key, payload, created_at)
            VALUES (\(topic), 'order-watched', convert_to('{"watched":true}', 'UTF8'), now() - interval '5 minutes')
            """)
        let watchFlags = ["--outbox-watch-seconds", "0.2", "--outbox-stale-seconds", "120"]

        // No relay: the row waits, and the worker says so.
        let quietPort = try freePort()
        let quiet = try h.startWorker(extraArguments: ["--no-outbox-relay", "--ops-port", "\(quietPort)"] + watchFlags)
        var unsent: Double?, oldest: Double?
        let reported = await eventually(timeoutSeconds: 60, every: 200) {
            unsent = await Self.gauge("paystream_outbox_unsent_rows", port: quietPort)
            oldest = await Self.gauge("paystream_outbox_oldest_unsent_seconds", port: quietPort)
            return unsent != nil && oldest != nil
        }
        #expect(reported, "\(quiet.tail())")
        #expect(unsent == 1)
        #expect((300.0..<400.0).contains(oldest ?? 0), "oldest unsent: \(String(describing: oldest)) s")
        #expect(await eventually(timeoutSeconds: 10) { quiet.log.contains("outbox rows are not being published") }, "\(quiet.tail())")
        #expect(try await h.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 1)
        #expect(await quiet.terminate() == 0)

        // A worker with its relay: the row is published and marked, and the gauges read zero.
        let relayPort = try freePort()
        let relaying = try h.startWorker(extraArguments: ["--ops-port", "\(relayPort)"] + watchFlags)
        // (The gauges exist from the watch's first reading on: before it, a scrape finds none, never a false 0.)
        let cleared = await eventually(timeoutSeconds: 60, every: 200) {
            let rows = await Self.gauge("paystream_outbox_unsent_rows", port: relayPort)
            let age = await Self.gauge("paystream_outbox_oldest_unsent_seconds", port: relayPort)
            let unsentInDatabase = (try? await h.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL")) ?? -1
            return rows == 0 && age == 0 && unsentInDatabase == 0
        }
        #expect(cleared, "\(relaying.tail())")
        #expect(try await h.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0)
        let reader = try KafkaTopicReader(configuration: KafkaTestCluster.configuration())
        let published = try await reader.readAll(topic: topic, timeoutMilliseconds: 15_000)
        await reader.close()
        #expect(published.map(\.keyString) == ["order-watched"])
        #expect(await relaying.terminate() == 0)
        await h.close()
    }
}
