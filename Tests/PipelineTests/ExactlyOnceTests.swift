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

    /// A poll holds several batches (here up to 8 of 5 messages), applied one after the other while the next
    /// is decoded. Each order's steps must still be applied in order (an approval before its request would
    /// be refused and dead-lettered), and a worker killed between two batches of one poll, whose offsets were
    /// not committed, leaves the batches it did commit to be seen as duplicates by the next worker.
    @Test func aPollOfManySmallBatchesKeepsEveryOrdersStepsInOrderAndSurvivesAKillBetweenThem() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "withdrawals"])
        let producer = try KafkaTestCluster.producer()
        let users = 20, ordersPerUser = 3, fundFen: Int64 = 100_000
        try await h.produce(
            try (0..<users).map { try EventFactory.payment(order: "pf-\($0)", user: "p\($0)", fen: fundFen, purpose: .recharge) },
            to: "payment.callbacks", producer: producer)
        let funder = try h.startWorker()
        #expect(await eventually { (try? await h.appliedKeys(prefix: "notify:wechat:wx-pf-")) == Int64(users) }, "\(funder.tail())")
        #expect(await funder.terminate() == 0)

        // Every request is followed by its approval, on the same key; all are in the topic before a worker polls.
        var events: [MoneyEvent] = []
        var frozen: [String: Int64] = [:]
        for n in 0..<ordersPerUser {
            for u in 0..<users {
                let fen = Int64(100 * (n + 1) + u)
                frozen["user:p\(u)", default: 0] += fen
                events.append(try EventFactory.withdrawal(order: "pw-\(u)-\(n)", user: "p\(u)", fen: fen))
                events.append(try EventFactory.approval(order: "pw-\(u)-\(n)"))
            }
        }
        try await h.produce(events, to: "withdrawals", producer: producer)
        let small = ["--batch-size", "5", "--batches-per-poll", "8"]
        let doomed = try h.startWorker(environment: ["PAYSTREAM_TEST_KILL_AFTER_LEDGER_COMMIT": "3"], extraArguments: small)
        let died = await doomed.waitForExit(timeoutSeconds: 60)
        #expect(died == SIGKILL || doomed.tail().contains("FAULT INJECTION"), "the fault fired:\n\(doomed.tail())")
        let committedBeforeKill = try await h.count("SELECT count(*) FROM orders WHERE order_id LIKE 'pw-%'")
        #expect(committedBeforeKill > 0, "the killed worker committed some batches to the ledger")

        let survivor = try h.startWorker(extraArguments: small)
        let approved = try await eventually(timeoutSeconds: 90) {
            try await h.count("SELECT count(*) FROM orders WHERE order_id LIKE 'pw-%' AND status = 'approved'") == Int64(users * ordersPerUser)
        }
        #expect(approved, "survivor log:\n\(survivor.tail())")
        for (account, fen) in frozen {
            let balance = try await h.balance(account)
            #expect(balance.frozen == fen, "\(account)")
            #expect(balance.available == fundFen - fen, "\(account)")
        }
        #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE kind = 'withdrawFreeze'") == Int64(users * ordersPerUser))
        let deadLetters = try await h.deadLetters("withdrawals")
        #expect(deadLetters.isEmpty, "out of order or refused: \(deadLetters.prefix(3).map { $0.header(PipelineHeaders.errorCode)?.stringValue ?? "" })")
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        #expect(await survivor.terminate() == 0)
        await producer.shutdown()
        await h.close()
    }
}
