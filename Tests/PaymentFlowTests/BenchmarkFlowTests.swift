import Foundation
import Testing
import TestSupport

/// `paystream-bench mixed` against a real stack (the harness's API, worker, sandbox, PostgreSQL and broker): what it
/// reports is what happened. Its figures are only worth the load it really put on the system: a back office that
/// approved nothing, as for every run before this test existed (its listing asked for more rows than the API's limit
/// and the refusal was swallowed), measured a load without a single payout.
@Suite(.serialized) struct BenchmarkFlowTests {
    @Test func theMixedLoadsWithdrawalsAreApprovedAndPaidOut() async throws {
        try await FlowHarness.run { h in
            let json = FileManager.default.temporaryDirectory.appendingPathComponent("\(h.prefix)-mixed.json")
            let bench = try ManagedProcess(
                executable: "paystream-bench",
                arguments: [
                    "mixed", "--api", h.apiURL, "--sandbox", h.sandboxURL, "--rate", "10", "--seconds", "3", "--users", "10",
                    "--mix", "withdraw=2,balance=1", "--no-baselines", "--sample-interval", "0.5", "--json", json.path,
                    "--pg-url", h.database.url, "--kafka-bootstrap", try KafkaTestCluster.bootstrap(), "--redis-url", try TestEnvironment.redisURL(),
                    "--topics-dir", h.topicsDirectory.path, "--keys-file", h.keysFile.path, "--log-format", "text",
                ],
                name: "bench")
            let status = await bench.waitForExit(timeoutSeconds: 300)
            #expect(status == 0, "paystream-bench mixed: \(bench.tail())")
            // 20 withdrawal requests were planned (two thirds of 30): each was reviewed by the bench's operator and paid out.
            #expect(
                try await h.count(
                    """
                    SELECT count(*) FROM withdrawal_requests w JOIN orders o USING (order_id)
                    WHERE w.account_id LIKE 'user:mix-%' AND w.reviewed_by = 'ops-bench' AND o.status = 'paidOut'
                    """) == 20)
            #expect(try await h.count("SELECT count(*) FROM withdrawal_requests WHERE reviewed_by IS NULL") == 0)

            let figures = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any], "\(bench.tail())")
            let withdrawals = try #require(figures["withdrawals"] as? [String: Any], "no withdrawals in \(figures.keys.sorted())")

            // The report says so.
            let accepted = try #require(withdrawals["accepted"] as? Int)
            #expect(accepted == 20, "accepted: \(withdrawals)")
            #expect(withdrawals["approved"] as? Int == accepted, "\(withdrawals)")
            #expect((withdrawals["failedByCall"] as? [String: Int])?.isEmpty == true, "\(withdrawals)")
            #expect(withdrawals["statusAtEnd"] as? [String: Int] == ["paidOut": accepted], "\(withdrawals)")
            #expect(withdrawals["unreviewedAtEnd"] as? Int == 0, "\(withdrawals)")
        }
    }
}
