import EventBus
import Foundation
import Kafka
import PaystreamCore
import Postgres
import Testing
import TestSupport

@Suite("Worker pipeline: dead letters and replay", .serialized)
struct DeadLetterPipelineTests {
    @Test func aTransferLargerThanTheFrozenAmountIsRejectedDeadLetteredAndLaterReplayedOnce() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "transfer.requests"])
        let producer = try KafkaTestCluster.producer()
        let worker = try h.startWorker()
        try await h.produce([try EventFactory.payment(order: "f-1", user: "bob", fen: 1_000)], to: "payment.callbacks", producer: producer)
        #expect(await eventually { (try? await h.balance("user:bob").frozen) == 1_000 })

        // 1,500 > 1,000 frozen: refused, dead-lettered with its reason, balances untouched.
        try await h.produce([try EventFactory.transfer(order: "t-big", from: "bob", to: "carol", fen: 1_500)], to: "transfer.requests", producer: producer)
        var letters: [KafkaMessage] = []
        #expect(await eventually { letters = (try? await h.deadLetters("transfer.requests")) ?? []; return letters.count == 1 })
        let letter = try #require(letters.first.flatMap(DeadLetter.init(message:)))
        #expect(letter.errorCode == "balance.insufficient_frozen")
        #expect(letter.originalTopic == h.family("transfer.requests"))
        #expect(letter.attempts == 1)
        #expect(letters.first?.header(PipelineHeaders.correlationID)?.stringValue == "test-transfer:t-big")
        #expect(try await h.balance("user:bob") == (0, 1_000))
        #expect(try await h.balance("user:carol") == (0, 0))
        #expect(try await h.verify().isClean)

        // The cause is fixed (bob is funded again); replay applies it once; a second replay changes nothing.
        try await h.produce([try EventFactory.payment(order: "f-2", user: "bob", fen: 1_000)], to: "payment.callbacks", producer: producer)
        #expect(await eventually { (try? await h.balance("user:bob").frozen) == 2_000 })
        // The same message delivered again without a replay (as after a crash before the offset commit) keeps its
        // rejection: its dead letter stays the truth until an operator replays it.
        try await h.produce([try EventFactory.transfer(order: "t-big", from: "bob", to: "carol", fen: 1_500)], to: "transfer.requests", producer: producer)
        try await h.produce([try EventFactory.transfer(order: "t-mark", from: "bob", to: "erin", fen: 10)], to: "transfer.requests", producer: producer)
        #expect(await eventually { (try? await h.balance("user:erin").available) == 10 }, "\(worker.tail())")
        try await Task.sleep(nanoseconds: 1_000_000_000)  // t-big may be on another partition than t-mark
        #expect(try await h.balance("user:carol") == (0, 0))
        #expect(try await h.deadLetters("transfer.requests").count == 1)
        // Replay with the operator's tool, as a real process: applied once.
        let address = [letters[0].topic, "\(letters[0].partition)", "\(letters[0].offset)"]
        let common = ["--pg-url", h.database.url, "--kafka-bootstrap", try KafkaTestCluster.bootstrap(), "--topics-dir", h.topicsDirectory.path]
        let replay = try ManagedProcess(executable: "paystream-dlq", arguments: ["replay"] + address + ["--reason", "bob funded"] + common, name: "dlq")
        #expect(await replay.waitForExit(timeoutSeconds: 60) == 0, "\(replay.tail())")
        #expect(await eventually { (try? await h.balance("user:carol").available) == 1_500 }, "\(worker.tail())")
        // A second replay is refused without --force, and changes nothing with it.
        let again = try ManagedProcess(executable: "paystream-dlq", arguments: ["replay"] + address + ["--reason", "again"] + common, name: "dlq")
        #expect(await again.waitForExit(timeoutSeconds: 60) == 1, "\(again.tail())")
        let forced = try ManagedProcess(
            executable: "paystream-dlq", arguments: ["replay"] + address + ["--reason", "forced", "--force"] + common, name: "dlq")
        #expect(await forced.waitForExit(timeoutSeconds: 60) == 0, "\(forced.tail())")
        // Wait for the second replay to be consumed: a later message of another order must be applied first.
        try await h.produce([try EventFactory.transfer(order: "t-small", from: "bob", to: "dave", fen: 10)], to: "transfer.requests", producer: producer)
        #expect(await eventually { (try? await h.balance("user:dave").available) == 10 })
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(try await h.balance("user:carol") == (1_500, 0))
        #expect(try await h.balance("user:bob") == (0, 480))
        #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE idempotency_key = 'transfer:t-big'") == 1)
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }

    /// The worker dies after the transaction that recorded a rejection committed and before its dead letter was sent
    /// (or the send failed and the poll is processed again): the message, delivered again, is dead-lettered then. Its
    /// key was kept as rejected, so it used to count as a duplicate, and the message was in neither the ledger nor a
    /// dead-letter topic.
    @Test func aRejectionWhoseDeadLetterWasNotSentIsDeadLetteredWhenDeliveredAgain() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "transfer.requests"])
        let producer = try KafkaTestCluster.producer()
        // Killed right after its second ledger commit: the payment's, then the rejection's.
        let doomed = try h.startWorker(environment: ["PAYSTREAM_TEST_KILL_AFTER_LEDGER_COMMIT": "2"])
        try await h.produce([try EventFactory.payment(order: "lost-f1", user: "lou", fen: 1_000)], to: "payment.callbacks", producer: producer)
        #expect(await eventually { (try? await h.balance("user:lou").frozen) == 1_000 })
        try await h.produce([try EventFactory.transfer(order: "lost-t", from: "lou", to: "max", fen: 1_500)], to: "transfer.requests", producer: producer)
        let died = await doomed.waitForExit(timeoutSeconds: 60)
        #expect(died == SIGKILL || doomed.tail().contains("FAULT INJECTION"), "the fault fired:\n\(doomed.tail())")
        #expect(
            try await h.count("SELECT count(*) FROM processed_keys WHERE idempotency_key = 'transfer:lost-t' AND result = 'rejected:balance.insufficient_frozen'") == 1)
        #expect(try await h.deadLetters("transfer.requests").isEmpty, "the letter was not sent before the kill")

        let worker = try h.startWorker()
        var letters: [KafkaMessage] = []
        #expect(await eventually { letters = (try? await h.deadLetters("transfer.requests")) ?? []; return letters.count == 1 }, "\(worker.tail())")
        let letter = try #require(letters.first.flatMap(DeadLetter.init(message:)))
        #expect(letter.errorCode == "balance.insufficient_frozen")
        #expect(letter.originalTopic == h.family("transfer.requests"))
        #expect(try await h.balance("user:lou") == (0, 1_000))
        #expect(try await h.balance("user:max") == (0, 0))
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }

    /// A replay whose cause was not fixed is refused again. Its new letter names the letter it was replayed from, so the
    /// operator sees the whole line of failures; replaying the new one once the cause is fixed applies it once.
    @Test func aReplayRefusedAgainNamesTheLetterItWasReplayedFrom() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "transfer.requests"])
        let producer = try KafkaTestCluster.producer()
        let worker = try h.startWorker()
        try await h.produce([try EventFactory.payment(order: "ln-f1", user: "vic", fen: 1_000)], to: "payment.callbacks", producer: producer)
        #expect(await eventually { (try? await h.balance("user:vic").frozen) == 1_000 })
        try await h.produce([try EventFactory.transfer(order: "ln-t", from: "vic", to: "wes", fen: 1_500)], to: "transfer.requests", producer: producer)
        var letters: [KafkaMessage] = []
        #expect(await eventually { letters = (try? await h.deadLetters("transfer.requests")) ?? []; return letters.count == 1 })
        let first = try #require(letters.first)
        #expect(DeadLetter(message: first)?.replayOf == nil)
        let common = ["--pg-url", h.database.url, "--kafka-bootstrap", try KafkaTestCluster.bootstrap(), "--topics-dir", h.topicsDirectory.path]
        func dlq(_ arguments: [String]) async throws -> (status: Int32?, output: String) {
            let process = try ManagedProcess(executable: "paystream-dlq", arguments: arguments + common, name: "dlq")
            let status = await process.waitForExit(timeoutSeconds: 60)
            return (status, process.tail())
        }
        let firstAddress = [first.topic, "\(first.partition)", "\(first.offset)"]
        #expect(try await dlq(["replay"] + firstAddress + ["--reason", "too early"]).status == 0)
        #expect(await eventually { letters = (try? await h.deadLetters("transfer.requests")) ?? []; return letters.count == 2 }, "\(worker.tail())")
        let second = try #require(letters.last)
        let letter = try #require(DeadLetter(message: second))
        #expect(letter.replayOf == "\(first.topic)/\(first.partition)/\(first.offset)")
        #expect(letter.errorCode == "balance.insufficient_frozen" && letter.originalTopic == h.family("transfer.requests"))
        #expect(second.header(PipelineHeaders.replayedFrom) == nil)
        let shown = try await dlq(["show", second.topic, "\(second.partition)", "\(second.offset)"])
        #expect(shown.output.contains("replay of      \(first.topic)/\(first.partition)/\(first.offset)"), "\(shown.output)")

        // Fixed, then the second letter replayed: applied once; its replay carries no trace of the lineage header.
        try await h.produce([try EventFactory.payment(order: "ln-f2", user: "vic", fen: 1_000)], to: "payment.callbacks", producer: producer)
        #expect(await eventually { (try? await h.balance("user:vic").frozen) == 2_000 })
        #expect(try await dlq(["replay", second.topic, "\(second.partition)", "\(second.offset)", "--reason", "vic funded"]).status == 0)
        #expect(await eventually { (try? await h.balance("user:wes").available) == 1_500 }, "\(worker.tail())")
        #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE idempotency_key = 'transfer:ln-t'") == 1)
        #expect(try await h.deadLetters("transfer.requests").count == 2)
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }

    @Test func undecodableAndMisKeyedMessagesGoToTheDeadLetterTopicWithTheirReasons() async throws {
        let h = try await PipelineHarness.make(stems: ["transfer.requests"])
        let producer = try KafkaTestCluster.producer()
        let worker = try h.startWorker()
        let topic = h.family("transfer.requests")
        let valid = try EventFactory.transfer(order: "t-1", from: "x", to: "y", fen: 5)
        _ = try await producer.sendAll([
            KafkaOutgoingMessage(topic: topic, key: "t-9", value: "{not json"),
            KafkaOutgoingMessage(topic: topic, key: "t-9", value: #"{"type":"transferRequested","version":1,"idempotencyKey":"transfer:t-9","occurredAt":"2026-11-25T00:00:00.000Z","payload":{"orderId":"t-9","from":"user:x","to":"user:y","amountFen":12.5}}"#),
            KafkaOutgoingMessage(topic: topic, key: Array("wrong-key".utf8), value: valid.encode()),
        ])
        var letters: [KafkaMessage] = []
        #expect(await eventually { letters = (try? await h.deadLetters("transfer.requests")) ?? []; return letters.count == 3 }, "\(worker.tail())")
        let codes = Set(letters.compactMap { $0.header(PipelineHeaders.errorCode)?.stringValue })
        #expect(codes.contains("event.malformed_json"))
        #expect(codes.contains("event.invalid_amount"))
        #expect(codes.contains("event.partition_key_mismatch"))
        #expect(try await h.count("SELECT count(*) FROM journal_entries") == 0)
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }
}

@Suite("Worker pipeline: retry topics", .serialized)
struct RetryTopicTests {
    @Test func aMessageThatKeepsFailingMovesThroughTheRetryTopicsToTheDeadLetterTopic() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks"], retryDelaysMs: [300, 600])
        // A fault no rule explains: the database refuses this one order's journal entry (a stand-in for a
        // bug or a broken constraint), while the rest of its batch must still be applied.
        try await RetryTopicTests.refuseJournalEntriesOfOrderPoison(h)
        let producer = try KafkaTestCluster.producer()
        let worker = try h.startWorker()
        let started = Date()
        try await h.produce(
            [try EventFactory.payment(order: "ok-1", user: "erin", fen: 100, purpose: .recharge),
             try EventFactory.payment(order: "poison", user: "erin", fen: 200, purpose: .recharge),
             try EventFactory.payment(order: "ok-2", user: "erin", fen: 300, purpose: .recharge)],
            to: "payment.callbacks", producer: producer)
        var letters: [KafkaMessage] = []
        #expect(await eventually { letters = (try? await h.deadLetters("payment.callbacks")) ?? []; return letters.count == 1 }, "\(worker.tail())")
        let letter = try #require(letters.first.flatMap(DeadLetter.init(message:)))
        // Main topic, retry 1, retry 2: three attempts, with the retry delays in between.
        #expect(letter.attempts == 3)
        #expect(letter.errorCode == "processing.failed")
        #expect(letter.error.contains("poison order refused"))
        #expect(letter.originalTopic == h.family("payment.callbacks"))
        #expect(Date().timeIntervalSince(started) >= 0.9, "waited at least 300 + 600 ms of retry delays")
        #expect(try await h.balance("user:erin").available == 400, "the rest of the batch was applied")

        // Fixed: the replayed message is applied once.
        _ = try await h.database.client.execute("DROP TRIGGER refuse_poison ON journal_entries")
        _ = try await producer.send(letter.replayMessage(source: "test"))
        #expect(await eventually { (try? await h.balance("user:erin").available) == 600 })
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }
}

@Suite("Worker pipeline: a database that refuses every write for a while", .serialized)
struct ServerConditionTests {
    /// A failover's demoted primary answers every write with 25006 (read-only transaction), here raised by a trigger on
    /// every journal entry. No message is at fault: the worker retries in place, nothing goes to the retry or
    /// dead-letter topics (a message blamed for it would be on a retry topic within a few attempts), and everything is
    /// applied once, in order, when writes are taken again.
    @Test func nothingIsDeadLetteredAndEverythingIsAppliedAfterwards() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks"], retryDelaysMs: [100, 100])
        try await Self.refuseJournalEntries(
            h, trigger: "read_only", condition: "read_only_sql_transaction", message: "cannot execute INSERT in a read-only transaction")
        let producer = try KafkaTestCluster.producer()
        try await h.produce(
            try (1...3).map { try EventFactory.payment(order: "ro-\($0)", user: "rhea", fen: 100 * Int64($0), purpose: .recharge) },
            to: "payment.callbacks", producer: producer)
        let worker = try h.startWorker()
        // Refused several times (a batch blamed on its messages would be narrowed down and sent on by then), and
        // then long enough for anything sent to the retry topics to be there.
        #expect(await eventually { (try? await h.count("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM read_only_attempts")) ?? 0 >= 5 })
        try await Task.sleep(for: .seconds(2))
        #expect(try await h.balance("user:rhea").available == 0)
        #expect(try await h.retried("payment.callbacks", tiers: 2).isEmpty, "\(worker.tail())")
        #expect(try await h.deadLetters("payment.callbacks").isEmpty, "\(worker.tail())")
        _ = try await h.database.client.execute("DROP TRIGGER read_only ON journal_entries")
        #expect(await eventually { (try? await h.balance("user:rhea").available) == 600 }, "\(worker.tail())")
        #expect(try await h.retried("payment.callbacks", tiers: 2).isEmpty)
        #expect(try await h.deadLetters("payment.callbacks").isEmpty)
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }
}

extension ServerConditionTests {
    /// A statement cancelled (57014) may be the batch's own doing, not the server's: one message whose journal entry
    /// is always cancelled (a trigger raising `query_canceled` for it) is retried in place only a few times, then the
    /// batch is narrowed down like any other failure. The others are applied and the cancelled one ends in the dead
    /// letters, instead of holding its partition for ever.
    @Test func aStatementCancelledEveryTimeIsNarrowedDownAfterAFewAttempts() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks"], retryDelaysMs: [100, 100])
        try await Self.refuseJournalEntries(
            h, trigger: "cancelled", condition: "query_canceled", message: "canceling statement due to statement timeout", ofOrder: "slow")
        let producer = try KafkaTestCluster.producer()
        try await h.produce(
            [try EventFactory.payment(order: "fast-1", user: "cato", fen: 100, purpose: .recharge),
             try EventFactory.payment(order: "slow", user: "cato", fen: 200, purpose: .recharge),
             try EventFactory.payment(order: "fast-2", user: "cato", fen: 300, purpose: .recharge)],
            to: "payment.callbacks", producer: producer)
        let worker = try h.startWorker()
        var letters: [KafkaMessage] = []
        #expect(
            await eventually(timeoutSeconds: 60) { letters = (try? await h.deadLetters("payment.callbacks")) ?? []; return letters.count == 1 },
            "\(worker.tail())")
        let letter = try #require(letters.first.flatMap(DeadLetter.init(message:)))
        #expect(letter.errorCode == "processing.failed")
        #expect(letter.error.contains("statement timeout"), "\(letter.error)")
        #expect(try await h.balance("user:cato").available == 400, "the rest of the batch was applied")
        let attempts = try await h.count("SELECT last_value FROM cancelled_attempts")
        #expect(attempts >= 5, "retried in place first (BatchProcessor.inPlaceAttemptsForBatchConditions): \(attempts)")
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }
}

extension ServerConditionTests {
    /// A trigger `trigger` that raises `condition` (a PL/pgSQL condition name) for every journal entry, or those of
    /// order `ofOrder`; the sequence `<trigger>_attempts` counts the refusals (nextval is not rolled back).
    static func refuseJournalEntries(
        _ h: PipelineHarness, trigger: String, condition: String, message: String, ofOrder order: String? = nil
    ) async throws {
        _ = try await h.database.client.execute(PostgresQuery(sql: "CREATE SEQUENCE \(trigger)_attempts"))
        _ = try await h.database.client.execute(
            PostgresQuery(
                sql: """
                    CREATE FUNCTION \(trigger)_refusal() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        PERFORM nextval('\(trigger)_attempts');
                        RAISE EXCEPTION '\(message)' USING ERRCODE = '\(condition)';
                    END $$;
                    """))
        let when = order.map { "WHEN (NEW.order_id = '\($0)')" } ?? ""
        _ = try await h.database.client.execute(
            PostgresQuery(
                sql: "CREATE TRIGGER \(trigger) BEFORE INSERT ON journal_entries FOR EACH ROW \(when) EXECUTE FUNCTION \(trigger)_refusal()"))
    }
}

@Suite("Worker pipeline: a replay that fails on its way", .serialized)
struct ReplayThroughRetryTests {
    /// An operator replays a refused transfer once its cause is fixed, and the replay then fails for a reason no rule
    /// explains (here a trigger). It goes on to the retry topic still marked as a replay, so that its rejected key is
    /// reconsidered there and applied once the fault is gone, instead of being taken for a duplicate and dropped.
    @Test func aReplayKeepsItsMarkOnTheRetryTopics() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "transfer.requests"], retryDelaysMs: [1_500, 1_500])
        let producer = try KafkaTestCluster.producer()
        let worker = try h.startWorker()
        try await h.produce([try EventFactory.payment(order: "rf-1", user: "tess", fen: 1_000)], to: "payment.callbacks", producer: producer)
        #expect(await eventually { (try? await h.balance("user:tess").frozen) == 1_000 })
        try await h.produce([try EventFactory.transfer(order: "poison", from: "tess", to: "uma", fen: 1_500)], to: "transfer.requests", producer: producer)
        var letters: [KafkaMessage] = []
        #expect(await eventually { letters = (try? await h.deadLetters("transfer.requests")) ?? []; return letters.count == 1 })
        let letter = try #require(letters.first.flatMap(DeadLetter.init(message:)))
        #expect(letter.errorCode == "balance.insufficient_frozen")
        // The cause is fixed, but the database now refuses this order's journal entry for a while.
        try await h.produce([try EventFactory.payment(order: "rf-2", user: "tess", fen: 1_000)], to: "payment.callbacks", producer: producer)
        #expect(await eventually { (try? await h.balance("user:tess").frozen) == 2_000 })
        try await RetryTopicTests.refuseJournalEntriesOfOrderPoison(h)
        _ = try await producer.send(letter.replayMessage(source: "test"))
        #expect(await eventually { ((try? await h.retried("transfer.requests", tiers: 1)) ?? []).count == 1 }, "\(worker.tail())")
        let retried = try #require(try await h.retried("transfer.requests", tiers: 1).first)
        #expect(retried.header(PipelineHeaders.replayedFrom)?.stringValue == "test")
        _ = try await h.database.client.execute("DROP TRIGGER refuse_poison ON journal_entries")
        #expect(await eventually(timeoutSeconds: 30) { (try? await h.balance("user:uma").available) == 1_500 }, "\(worker.tail())")
        #expect(try await h.count("SELECT count(*) FROM journal_entries WHERE idempotency_key = 'transfer:poison'") == 1)
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }
}

@Suite("Worker pipeline: a retry message's time, from another worker's clock", .serialized)
struct RetryClockTests {
    /// A message on a retry topic says when it may be applied, by the clock of the worker that sent it there. One an
    /// hour ahead (that worker's clock wrong, or the header corrupt) waits the tier's own delay from its arrival, not
    /// an hour, and the partition goes on.
    @Test func aNotBeforeAnHourAheadWaitsOnlyTheTiersDelay() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks"], retryDelaysMs: [500, 500])
        let producer = try KafkaTestCluster.producer()
        let worker = try h.startWorker()
        let event = try EventFactory.payment(order: "late-clock", user: "sol", fen: 700, purpose: .recharge)
        let hourAhead = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        _ = try await producer.sendAll([
            KafkaOutgoingMessage(
                topic: h.family("payment.callbacks") + ".retry.1", key: Array(event.payload.orderKey.utf8), value: event.encode(),
                headers: [KafkaHeader(name: PipelineHeaders.notBefore, string: "\(hourAhead)")])
        ])
        #expect(await eventually(timeoutSeconds: 30) { (try? await h.balance("user:sol").available) == 700 }, "\(worker.tail())")
        #expect(try await h.deadLetters("payment.callbacks").isEmpty)
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }
}

extension RetryTopicTests {
    /// A fault no rule explains: the database refuses the journal entry of order `poison` (a stand-in for a bug or
    /// a broken constraint). Dropped with `DROP TRIGGER refuse_poison ON journal_entries`.
    static func refuseJournalEntriesOfOrderPoison(_ h: PipelineHarness) async throws {
        _ = try await h.database.client.execute(
            """
            CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'poison order refused by test trigger'; END $$;
            """)
        _ = try await h.database.client.execute(
            """
            CREATE TRIGGER refuse_poison BEFORE INSERT ON journal_entries FOR EACH ROW
            WHEN (NEW.order_id = 'poison') EXECUTE FUNCTION refuse_poison()
            """)
    }
}

@Suite("Worker pipeline: a failing message in a large batch", .serialized)
struct FailureIsolationTests {
    /// 64 payments in one batch, the 32nd refused by the database for a reason no rule explains: the batch is
    /// applied again in halves, so the 63 others commit in a handful of transactions (6 here; applying each
    /// message alone took 63) and the refused one goes on to the retry and dead-letter topics.
    @Test func aFailingMessageIsIsolatedInAFewTransactions() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks"], retryDelaysMs: [100, 100])
        try await RetryTopicTests.refuseJournalEntriesOfOrderPoison(h)
        // Every committed transaction that wrote journal entries leaves its id here (a rolled-back one does not).
        _ = try await h.database.client.execute("CREATE TABLE committed_journal_writes (txid xid8 PRIMARY KEY)")
        _ = try await h.database.client.execute(
            """
            CREATE FUNCTION note_journal_write() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO committed_journal_writes VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING; RETURN NULL; END $$;
            """)
        _ = try await h.database.client.execute(
            "CREATE TRIGGER note_journal_write AFTER INSERT ON journal_entries FOR EACH STATEMENT EXECUTE FUNCTION note_journal_write()")

        // Produced before the worker starts, so that its first poll holds them all (one partition: one key).
        let producer = try KafkaTestCluster.producer()
        let events = try (0..<64).map { i in
            try EventFactory.payment(order: i == 31 ? "poison" : "ok-\(i)", user: "ivy", fen: 10, purpose: .recharge)
        }
        try await h.produce(events, to: "payment.callbacks", producer: producer)
        let worker = try h.startWorker()
        var letters: [KafkaMessage] = []
        #expect(await eventually { letters = (try? await h.deadLetters("payment.callbacks")) ?? []; return letters.count == 1 }, "\(worker.tail())")
        #expect(letters.first.flatMap(DeadLetter.init(message:))?.error.contains("poison order refused") == true)
        #expect(try await h.balance("user:ivy").available == 630, "the 63 others were applied")
        let transactions = try await h.count("SELECT count(*) FROM committed_journal_writes")
        #expect(transactions <= 12, "the 63 good payments took \(transactions) transactions")
        let report = try await h.verify()
        #expect(report.isClean, "\(report.violations)")
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }
}

@Suite("Worker pipeline: outbox relay", .serialized)
struct OutboxRelayTests {
    @Test func followUpsArePublishedInOrderAndMarkedSent() async throws {
        let h = try await PipelineHarness.make(stems: ["payment.callbacks", "transfer.requests", "notifications.outbound"])
        let producer = try KafkaTestCluster.producer()
        let worker = try h.startWorker()
        try await h.produce([try EventFactory.payment(order: "o-fund", user: "fay", fen: 10_000)], to: "payment.callbacks", producer: producer)
        #expect(await eventually { (try? await h.balance("user:fay").frozen) == 10_000 })
        try await h.produce(try (0..<20).map { try EventFactory.transfer(order: "o-t\($0)", from: "fay", to: "gus", fen: Int64($0 + 1)) },
                            to: "transfer.requests", producer: producer)
        // 1 funding + 20 transfers: 21 follow-ups, all sent.
        #expect(await eventually { (try? await h.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")) == 21 }, "\(worker.tail())")
        #expect(try await h.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0)
        let reader = try KafkaTopicReader(configuration: KafkaTestCluster.configuration())
        let published = try await reader.readAll(topic: h.family("notifications.outbound"))
        await reader.close()
        // Every notification arrived (a crash between send and mark may resend: consumers deduplicate).
        let toGus = published.filter { $0.keyString == "user:gus" }
        #expect(Set(toGus.map(\.valueString)).count == 20)
        // In outbox order: the relay publishes rows by outbox id (the order the ledger committed them).
        let rows = try await h.database.client.query(
            "SELECT convert_from(payload, 'UTF8') AS p FROM outbox WHERE message_key = 'user:gus' ORDER BY outbox_id")
        let committedOrder = try rows.map { try $0.decode(String.self, column: "p") }
        var firstSeen: [String] = []
        for value in toGus.map(\.valueString) where !firstSeen.contains(value) { firstSeen.append(value) }
        #expect(firstSeen == committedOrder)
        #expect(toGus.allSatisfy { $0.header("paystream-cause")?.stringValue?.hasPrefix("transfer:o-t") == true })
        await worker.terminate()
        await producer.shutdown()
        await h.close()
    }
    /// A row Kafka will not take (here 1.2 MB, past the producer's message size limit) is not the rows before it's
    /// fault: they are marked sent and not produced again every second, while it and the rows after it wait, in order.
    @Test func theRowsBeforeOneKafkaRefusesAreMarkedSentAndNotSentAgain() async throws {
        let h = try await PipelineHarness.make(stems: ["notifications.outbound"])
        let topic = h.family("notifications.outbound")
        for (key, size) in [("k-first", 10), ("k-huge", 1_200_000), ("k-after", 10)] {
            _ = try await h.database.client.execute(
                "INSERT INTO outbox (topic, message_key, payload) VALUES (\(topic), \(key), \(Array(repeating: UInt8(ascii: "x"), count: size)))")
        }
        let worker = try h.startWorker()
        #expect(await eventually { worker.tail().contains("outbox row not delivered") }, "\(worker.tail())")
        try await Task.sleep(for: .seconds(3))
        let sent = try await h.database.client.query("SELECT message_key FROM outbox WHERE sent_at IS NOT NULL")
        #expect(try sent.map { try $0.decode(String.self, column: "message_key") } == ["k-first"])
        let reader = try KafkaTopicReader(configuration: KafkaTestCluster.configuration())
        let published = try await reader.readAll(topic: topic)
        await reader.close()
        #expect(published.filter { $0.keyString == "k-first" }.count == 1, "produced once, not once a second")
        await worker.terminate()
        await h.close()
    }
}
