import EventBus
import Foundation
import Kafka
import PaystreamCore
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The worker applies every money message exactly once, whatever happens to it: duplicates, SIGKILL in the
/// middle of a batch, rebalances between two workers (broker faults: PipelineBrokerFaultTests). Real worker processes, the embedded
/// broker over TCP, and a fresh PostgreSQL database per test.
@Suite("Worker pipeline: exactly once", .serialized)
struct ExactlyOnceTests {
    @Test func theSameMessageDeliveredFiveTimesChangesBalancesOnce() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "withdrawals"])
        let producer = try KafkaTestCluster.producer()
        let worker = try h.startWorker()
        try await h.produce([try EventFactory.payment(order: "r-1", user: "alice", fen: 5_000, purpose: .recharge)], to: "payment.callbacks", producer: producer)
        // The recharge comes through another topic family: wait for it before withdrawing.
        #expect(await eventually { (try? await h.balance("user:alice").available) == 5_000 })
        let request = try EventFactory.withdrawal(order: "w-1", user: "alice", fen: 2_000)
        // Five deliveries of one message, then the next step of the same order (same key, same partition).
        try await h.produce([request, request, request, request, request, try EventFactory.approval(order: "w-1")], to: "withdrawals", producer: producer)
        let approved = try await eventually {
            try await h.count("SELECT count(*) FROM orders WHERE order_id = 'w-1' AND status = 'approved'") == 1
        }
        #expect(approved, "worker log:\n\(worker.tail())")
        let alice = try await h.balance("user:alice")
        #expect(alice.available == 3_000)
        #expect(alice.frozen == 2_000)
        #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'withdrawFreeze'") == 1)
        #expect(try await h.count("SELECT count(*) FROM processed_keys WHERE idempotency_key = 'withdraw-request:w-1'") == 1)
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        #expect(await worker.terminate() == 0, "graceful exit on SIGTERM:\n\(worker.tail())")
        await producer.shutdown()
        await h.close()
    }

    /// Funds `senders` frozen balances, then produces `count` transfers between them; returns the expected
    /// available balance of each receiver.
    static func transferStream(_ h: PipelineHarness, producer: KafkaProducer, count: Int, senders: Int, tag: String,
                               pauseEvery: Int = 0) async throws -> [String: Int64] {
        let fundFen: Int64 = 1_000_000
        try await h.produce(try (0..<senders).map { try EventFactory.payment(order: "\(tag)-fund-\($0)", user: "\(tag)-s\($0)", fen: fundFen) },
                            to: "payment.callbacks", producer: producer)
        var expected: [String: Int64] = [:]
        var events: [MoneyEvent] = []
        for i in 0..<count {
            let receiver = "\(tag)-r\(i % 50)"
            let fen = Int64(1 + i % 97)
            expected["user:\(receiver)", default: 0] += fen
            events.append(try EventFactory.transfer(order: "\(tag)-t\(i)", from: "\(tag)-s\(i % senders)", to: receiver, fen: fen))
        }
        // Transfers need the funding applied first; they may arrive before it and be refused, so wait.
        _ = await eventually { (try? await h.appliedKeys(prefix: "notify:wechat:wx-\(tag)-fund")) == Int64(senders) }
        let chunk = pauseEvery > 0 ? pauseEvery : count
        var start = 0
        while start < count {
            try await h.produce(Array(events[start..<min(count, start + chunk)]), to: "transfer.requests", producer: producer)
            start += chunk
            if pauseEvery > 0 { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        return expected
    }

    static func expectAllAppliedOnce(_ h: PipelineHarness, tag: String, count: Int, expected: [String: Int64], log: String) async throws {
        let done = try await eventually(timeoutSeconds: 120) { try await h.appliedKeys(prefix: "transfer:\(tag)-t") == Int64(count) }
        let applied = try await h.appliedKeys(prefix: "transfer:\(tag)-t")
        #expect(done, "applied \(applied) of \(count)\n\(log)")
        #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'transfer'") == Int64(count))
        for (account, fen) in expected {
            #expect(try await h.balance(account).available == fen, "\(account)")
        }
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        let deadLetters = try await h.deadLetters("transfer.requests")
        #expect(deadLetters.isEmpty, "unexpected dead letters: \(deadLetters.prefix(3).map { $0.header(PipelineHeaders.errorCode)?.stringValue ?? "" })")
    }

    @Test func aWorkerKilledInTheMiddleOfABatchAppliesEverythingExactlyOnceAfterRestart() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "transfer.requests"])
        let producer = try KafkaTestCluster.producer()
        // The first worker dies by SIGKILL right after its 3rd ledger commit, before committing offsets.
        let doomed = try h.startWorker(environment: ["PAYSTREAM_TEST_KILL_AFTER_LEDGER_COMMIT": "3"])
        let expected = try await Self.transferStream(h, producer: producer, count: 3_000, senders: 20, tag: "k", pauseEvery: 300)
        let died = await doomed.waitForExit(timeoutSeconds: 60)
        #expect(died == SIGKILL || doomed.tail().contains("FAULT INJECTION"), "the fault fired:\n\(doomed.tail())")
        // A second worker is killed at a random moment too, then a third finishes the stream.
        let second = try h.startWorker()
        try await Task.sleep(nanoseconds: UInt64.random(in: 1_000_000_000...2_500_000_000))
        await second.kill9()
        let survivor = try h.startWorker()
        try await Self.expectAllAppliedOnce(h, tag: "k", count: 3_000, expected: expected, log: survivor.tail())
        await survivor.terminate()
        await producer.shutdown()
        await h.close()
    }

    @Test func twoWorkersWithARebalanceInTheMiddleApplyNothingTwiceAndSkipNothing() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "transfer.requests"], partitions: 6)
        let producer = try KafkaTestCluster.producer()
        let first = try h.startWorker()
        let streaming = Task { try await Self.transferStream(h, producer: producer, count: 4_000, senders: 30, tag: "rb", pauseEvery: 200) }
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let second = try h.startWorker()  // joins: rebalance
        try await Task.sleep(nanoseconds: 2_000_000_000)
        #expect(await first.terminate() == 0)  // leaves: rebalance again, after committing its batch
        let expected = try await streaming.value
        try await Self.expectAllAppliedOnce(h, tag: "rb", count: 4_000, expected: expected, log: second.tail())
        await second.terminate()
        await producer.shutdown()
        await h.close()
    }
}
