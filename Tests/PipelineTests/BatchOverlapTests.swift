import EventBus
import Foundation
import Kafka
import PaystreamCore
import Testing
import TestSupport

@testable import PaystreamRuntime

/// The worker claims the next batch of a poll while the one before is being written, and runs its rules only
/// after that one has committed (`BatchProcessor.start`). Here every batch is one message, so consecutive batches
/// overlap whenever their keys and orders differ, and each user's requests follow one another in one partition.
@Suite("Worker pipeline: the next batch claimed while one is written")
struct BatchOverlapTests {
    /// Each user has 1,000 fen and asks, in this order, to withdraw 600, 500 and 400. Applied in partition order,
    /// the 500 is refused (400 left) and the 400 accepted. If a batch's rules ran before the batch before it had
    /// committed, the two requests after the first could be judged against the wrong balance or in the wrong order.
    @Test func consecutiveBatchesOfOneAccountAreJudgedInPartitionOrder() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "withdrawals"], partitions: 1)
        let producer = try KafkaTestCluster.producer()
        let users = 6
        try await h.produce(
            try (0..<users).map { try EventFactory.payment(order: "qf-\($0)", user: "q\($0)", fen: 1_000, purpose: .recharge) },
            to: "payment.callbacks", producer: producer)
        var requests: [MoneyEvent] = []
        for u in 0..<users {
            for (n, fen) in [600, 500, 400].enumerated() {
                requests.append(try EventFactory.withdrawal(order: "qw-\(u)-\(n)", user: "q\(u)", fen: Int64(fen)))
            }
        }
        let worker = try h.startWorker(extraArguments: ["--batch-size", "1", "--batches-per-poll", "16"])
        #expect(await eventually { (try? await h.appliedKeys(prefix: "notify:wechat:wx-qf-")) == Int64(users) }, "\(worker.tail())")
        try await h.produce(requests, to: "withdrawals", producer: producer)

        let judged = try await eventually(timeoutSeconds: 60) {
            try await h.count("SELECT count(*) FROM processed_keys WHERE idempotency_key LIKE 'withdraw-request:qw-%' AND result <> 'applied'")
                == Int64(users)
        }
        #expect(judged, "worker log:\n\(worker.tail())")
        for u in 0..<users {
            let balance = try await h.balance("user:q\(u)")
            #expect(balance.available == 0 && balance.frozen == 1_000, "q\(u): \(balance)")
        }
        let created = try await h.count("SELECT count(*) FROM orders WHERE order_id LIKE 'qw-%' AND order_id NOT LIKE '%-1'")
        #expect(created == Int64(2 * users), "the 600 and the 400 of every user are accepted")
        #expect(try await h.count("SELECT count(*) FROM orders WHERE order_id LIKE 'qw-%-1'") == 0, "no 500 is accepted")
        let deadLetters = try await eventually { (try? await h.deadLetters("withdrawals").count) == users }
        #expect(deadLetters)
        for letter in try await h.deadLetters("withdrawals") {
            #expect(letter.keyString?.hasSuffix("-1") == true)
            #expect(letter.header(PipelineHeaders.errorCode)?.stringValue == "balance.insufficient_available")
        }
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        #expect(await worker.terminate() == 0, "\(worker.tail())")
        await producer.shutdown()
        await h.close()
    }

    @Test func aOneShotSignalGivesEveryWaiterTheFirstOutcome() async throws {
        struct Refused: Error {}
        let success = OneShotSignal()
        async let early: Void = success.wait()
        try await Task.sleep(nanoseconds: 10_000_000)
        success.succeed()
        success.fail(Refused())  // ignored: the outcome is set once
        try await early
        try await success.wait()

        let failure = OneShotSignal()
        let before = Task { try await failure.wait() }
        try await Task.sleep(nanoseconds: 10_000_000)
        failure.fail(Refused())
        failure.succeed()  // ignored
        await #expect(throws: Refused.self) { try await before.value }
        await #expect(throws: Refused.self) { try await failure.wait() }
    }

    /// A batch waits for the one before it with its connection for a limited time only (then it gives the connection
    /// back and waits without it): a timed wait ends with TimedOut when the signal is not set in time, leaves the
    /// signal and its other waiters alone, and returns at once for a signal already set.
    @Test func aTimedWaitEndsWithoutTouchingTheSignalOrItsOtherWaiters() async throws {
        let signal = OneShotSignal()
        let patient = Task { try await signal.wait() }
        let started = ContinuousClock.now
        await #expect(throws: OneShotSignal.TimedOut.self) { try await signal.wait(atMost: .milliseconds(50)) }
        #expect(ContinuousClock.now - started >= .milliseconds(50))
        let inTime = Task { try await signal.wait(atMost: .seconds(30)) }
        try await Task.sleep(nanoseconds: 10_000_000)
        signal.succeed()
        try await patient.value
        try await inTime.value
        try await signal.wait(atMost: .milliseconds(1))
    }
}
