import EventBus
import Foundation
import Kafka
import PaystreamRuntime
import Postgres
import Testing
import TestSupport

/// A main topic `<t>` with its dead-letter topic `<t>.dlq` (3 partitions each) on the embedded broker, and a
/// fresh migrated database for `dead_letter_actions`.
private struct DeadLetterFixture {
    static let partitions: Int32 = 3
    let topic: String
    let dlqTopic: String
    let database: PostgresTestDatabase

    static func make() async throws -> DeadLetterFixture {
        let topic = try KafkaTestCluster.createTopic(prefix: "dlqtool", partitions: Int(partitions))
        try KafkaTestCluster.control("CREATE \(topic).dlq \(partitions) 3")
        return DeadLetterFixture(topic: topic, dlqTopic: "\(topic).dlq", database: try await PostgresTestDatabase.create(poolSize: 2))
    }

    /// A message as it was consumed from the main topic (on its key's partition) when it failed.
    func original(key: String, value: String, offset: Int64, headers: [KafkaHeader] = []) -> KafkaMessage {
        KafkaMessage(
            topic: topic, partition: Murmur2.partition(forKey: Array(key.utf8), partitionCount: Self.partitions),
            offset: offset, key: Array(key.utf8), value: Array(value.utf8), headers: headers, timestampMilliseconds: nil)
    }

    /// Produces dead letters to `<t>.dlq`; returns their addresses in the same order.
    func produce(_ letters: [DeadLetter]) async throws -> [DeadLetterAddress] {
        let producer = try KafkaTestCluster.producer()
        let reports = try await producer.sendAll(letters.map { $0.message(to: dlqTopic) })
        await producer.shutdown()
        return reports.map { DeadLetterAddress(topic: $0.topic, partition: $0.partition, offset: $0.offset) }
    }

    /// Runs `paystream-dlq <arguments>` in this process against the fixture's database.
    func run(_ arguments: [String]) async -> (status: Int32, output: DeadLetterCapturedOutput) {
        let output = DeadLetterCapturedOutput()
        let status = await DeadLetterCommand.run(
            arguments: arguments + ["--pg-url", database.url, "--read-timeout-ms", "20000"], output: output)
        return (status, output)
    }

    func actions() async throws -> [(offset: Int64, action: String, reason: String, actor: String)] {
        let rows = try await database.client.query(
            "SELECT dlq_offset, action, reason, actor FROM dead_letter_actions WHERE dlq_topic = \(dlqTopic) ORDER BY action_id")
        return try rows.map {
            (try $0.decode(Int64.self, column: "dlq_offset"), try $0.decode(String.self, column: "action"),
             try $0.decode(String.self, column: "reason"), try $0.decode(String.self, column: "actor"))
        }
    }

    /// Everything on the main topic now.
    func mainTopicMessages() async throws -> [KafkaMessage] {
        let reader = try KafkaTopicReader(configuration: KafkaTestCluster.configuration())
        do {
            let messages = try await reader.readAll(topic: topic, timeoutMilliseconds: 20_000)
            await reader.close()
            return messages
        } catch {
            await reader.close()
            throw error
        }
    }

    func close() async { await database.close() }
}

private func date(_ text: String) -> Date { DeadLetterTime.parse(text)! }

extension DeadLetterToolTests {
    /// The reader the tool is built on (nested so that `--filter DeadLetterToolTests` runs it too).
    @Suite("KafkaTopicReader: a topic from start to end, without a group")
    struct KafkaTopicReaderTests {
        @Test func readsExactlyWhatWasProducedAndStopsAtTheEnd() async throws {
            let topic = try KafkaTestCluster.createTopic(prefix: "reader", partitions: 4)
            let producer = try KafkaTestCluster.producer()
            let sent = (0..<200).map { KafkaOutgoingMessage(topic: topic, key: "k\($0 % 13)", value: "v\($0)") }
            let reports = try await producer.sendAll(sent)
            let reader = try KafkaTopicReader(configuration: KafkaTestCluster.configuration())

            let started = Date()
            let all = try await reader.readAll(topic: topic, timeoutMilliseconds: 20_000)
            #expect(Date().timeIntervalSince(started) < 15)
            #expect(all.count == 200)
            #expect(Set(all.map(\.valueString)) == Set(sent.map { String(decoding: $0.value, as: UTF8.self) }))
            for (message, report) in zip(sent, reports) {
                let got = all.first { $0.partition == report.partition && $0.offset == report.offset }
                #expect(got?.valueString == String(decoding: message.value, as: UTF8.self))
            }
            // Reading again gives the same (nothing was committed, nothing was consumed away).
            #expect(try await reader.readAll(topic: topic).count == 200)
            let marks = try await reader.watermarks(topic: topic)
            #expect(marks.map(\.high).reduce(0, +) == 200)
            #expect(try await reader.partitionCount(topic: topic) == 4)

            // From explicit offsets: only what comes after.
            let first = reports[0]
            let later = try await reader.readAll(topic: topic, from: [first.partition: first.offset + 1])
            #expect(later.count == 199)
            #expect(!later.contains { $0.partition == first.partition && $0.offset == first.offset })

            // One message by address; nothing beyond the end.
            let one = try await reader.readOne(topic: topic, partition: reports[7].partition, offset: reports[7].offset)
            #expect(one?.valueString == "v7")
            #expect(one?.keyString == "k7")
            let high = marks.first { $0.partition == reports[7].partition }!.high
            #expect(try await reader.readOne(topic: topic, partition: reports[7].partition, offset: high) == nil)

            // Each read captures the end anew: a message produced since the last read is seen by the next one.
            _ = try await producer.send(KafkaOutgoingMessage(topic: topic, key: "k-late", value: "late"))
            #expect(try await reader.readAll(topic: topic).count == 201)
            await producer.shutdown()
            await reader.close()
        }

        @Test func emptyTopicReturnsNothingAtOnce() async throws {
            let topic = try KafkaTestCluster.createTopic(prefix: "reader-empty", partitions: 3)
            let reader = try KafkaTopicReader(configuration: KafkaTestCluster.configuration())
            let started = Date()
            #expect(try await reader.readAll(topic: topic, timeoutMilliseconds: 10_000).isEmpty)
            #expect(Date().timeIntervalSince(started) < 20)
            #expect(try await reader.readOne(topic: topic, partition: 0, offset: 0) == nil)
            await #expect(throws: KafkaError.self) {
                try await reader.readAll(topic: topic + "-missing", timeoutMilliseconds: 5_000)
            }
            await reader.close()
        }
    }
}

@Suite("paystream-dlq against the embedded broker and PostgreSQL")
struct DeadLetterToolTests {
    @Test func listShowsLettersAndFiltersByErrorAndTime() async throws {
        let f = try await DeadLetterFixture.make()
        let letters = [
            DeadLetter.of(
                f.original(key: "order-1", value: #"{"amount_fen":100}"#, offset: 10), errorCode: "balance.insufficient_frozen",
                error: "frozen balance 50 < 100", attempts: 4, now: date("2024-01-10T08:00:00Z")),
            DeadLetter.of(
                f.original(key: "order-2", value: "not json", offset: 11), errorCode: "event.malformed_json",
                error: "unexpected character at 0", attempts: 1, now: date("2024-03-10T08:00:00Z")),
            DeadLetter.of(
                f.original(key: "order-3", value: #"{"amount_fen":300}"#, offset: 12), errorCode: "balance.insufficient_frozen",
                error: "frozen balance 0 < 300", attempts: 4, now: date("2024-06-10T08:00:00Z")),
        ]
        let addresses = try await f.produce(letters)

        let all = await f.run(["list", "--topic", f.dlqTopic])
        #expect(all.status == 0, "\(all.output.warnings)")
        #expect(all.output.lines.first?.hasPrefix("DLQ") == true)
        for (address, letter) in zip(addresses, letters) {
            let line = try #require(all.output.lines.first { $0.hasPrefix(address.description + " ") })
            #expect(line.contains(letter.errorCode))
            #expect(line.contains("\(f.topic)/\(letter.originalPartition)/\(letter.originalOffset)"))
            #expect(line.contains(letter.error))
            #expect(line.contains("pending"))
        }

        let byError = await f.run(["list", "--topic", f.dlqTopic, "--error", "MALFORMED", "--json"])
        #expect(byError.status == 0)
        #expect(byError.output.lines.count == 1)
        let decoded = try JSONSerialization.jsonObject(with: Data(byError.output.lines[0].utf8)) as? [String: Any]
        #expect(decoded?["errorCode"] as? String == "event.malformed_json")
        #expect(decoded?["key"] as? String == "order-2")
        #expect(decoded?["dlqOffset"] as? Int == Int(addresses[1].offset))
        #expect(decoded?["status"] as? String == "pending")

        let byTime = await f.run(["list", "--topic", f.dlqTopic, "--since", "2024-02-01", "--until", "2024-06-01T00:00:00Z", "--json"])
        #expect(byTime.output.lines.count == 1)
        #expect(byTime.output.lines.first?.contains("\"dlqOffset\":\(addresses[1].offset)") == true)
        let bothFilters = await f.run(["list", "--topic", f.dlqTopic, "--error", "frozen", "--since", "2024-02-01", "--json"])
        #expect(bothFilters.output.lines.count == 1)
        #expect(bothFilters.output.lines.first?.contains("order-3") == true)
        let none = await f.run(["list", "--topic", f.dlqTopic, "--error", "no such error"])
        #expect(none.status == 0)
        #expect(none.output.lines == ["no pending dead letters on \(f.dlqTopic)"])
        await f.close()
    }

    /// The console reads only the newest letters of each partition, so that its page stays bounded during an
    /// incident; what it leaves unread is counted.
    /// `--topic <family>` reads the family's dead-letter topic and its gray twin's: a canary's letters are the family's.
    @Test func aFamilysLettersIncludeItsGrayTwins() async throws {
        let f = try await DeadLetterFixture.make()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dlq-topics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let declaration = """
            {"name": "\(f.topic)", "description": "a family with a gray twin", "partitions": \(DeadLetterFixture.partitions),
             "replicationFactor": 3, "config": {}, "key": {"field": "orderId", "meaning": "the order"},
             "schema": {"name": "Event", "version": 1, "contentType": "application/json"}, "consumerGroup": "g-\(f.topic)",
             "deadLetter": {"retentionMs": "-1"}, "gray": true}
            """
        try Data(declaration.utf8).write(to: directory.appendingPathComponent("family.json"))
        // Where the canary never ran, its twin's topic is missing: skipped with a warning. The family's own is not.
        let withoutTwin = await f.run(["list", "--topic", f.topic, "--topics-dir", directory.path, "--json"])
        #expect(withoutTwin.status == 0 && withoutTwin.output.warnings.contains { $0.contains("\(f.topic).gray.dlq does not exist") },
                "\(withoutTwin.output.warnings)")
        let orphan = declaration.replacingOccurrences(of: "\"\(f.topic)\"", with: "\"\(f.topic)-none\"")
        try Data(orphan.utf8).write(to: directory.appendingPathComponent("orphan.json"))
        let orphanList = await f.run(["list", "--topic", f.topic + "-none", "--topics-dir", directory.path, "--json"])
        #expect(orphanList.status != 0 && orphanList.output.warnings.joined().contains("\(f.topic)-none.dlq"), "\(orphanList.output.warnings)")
        try KafkaTestCluster.control("CREATE \(f.topic).gray.dlq \(DeadLetterFixture.partitions) 3")
        _ = try await f.produce([DeadLetter.of(f.original(key: "order-main", value: "m", offset: 1), errorCode: "main.refused", error: "main", attempts: 1)])
        let producer = try KafkaTestCluster.producer()
        let canary = KafkaMessage(
            topic: f.topic + ".gray", partition: 0, offset: 4, key: Array("order-gray".utf8), value: Array("g".utf8), headers: [],
            timestampMilliseconds: nil)
        _ = try await producer.send(DeadLetter.of(canary, errorCode: "gray.refused", error: "gray", attempts: 1).message(to: f.topic + ".gray.dlq"))
        await producer.shutdown()

        let family = await f.run(["list", "--topic", f.topic, "--topics-dir", directory.path, "--json"])
        #expect(family.status == 0, "\(family.output.warnings)")
        #expect(family.output.lines.count == 2 && family.output.lines.contains { $0.contains("\"errorCode\":\"gray.refused\"") }
            && family.output.lines.contains { $0.contains("\"errorCode\":\"main.refused\"") }, "\(family.output.lines)")
        let twinOnly = await f.run(["list", "--topic", f.topic + ".gray", "--topics-dir", directory.path, "--json"])
        #expect(twinOnly.output.lines.count == 1 && twinOnly.output.lines[0].contains("gray.refused"), "\(twinOnly.output.lines)")
        await f.close()
    }

    @Test func listCanReadOnlyTheNewestLettersOfEachPartition() async throws {
        let f = try await DeadLetterFixture.make()
        let letters = (1...12).map { i in
            DeadLetter.of(
                f.original(key: "order-\(i)", value: #"{"n":\#(i)}"#, offset: Int64(i)), errorCode: "event.malformed_json",
                error: "bad \(i)", attempts: 1, now: date("2024-01-10T08:00:00Z"))
        }
        let addresses = try await f.produce(letters)
        let service = try DeadLetterService(
            kafka: KafkaTestCluster.configuration(), postgres: f.database.client, readTimeoutMilliseconds: 20_000)
        let newest = try await service.list(topics: [f.dlqTopic], filter: DeadLetterFilter(), newestPerPartition: 2)
        let everything = try await service.list(topics: [f.dlqTopic], filter: DeadLetterFilter())
        await service.close()

        // Twelve letters on three partitions: at least one partition holds more than two.
        let expected = Dictionary(grouping: addresses, by: \.partition).values
            .flatMap { $0.sorted { $0.offset < $1.offset }.suffix(2) }.sorted(by: <)
        #expect(newest.entries.map(\.address) == expected)
        #expect(newest.notRead == Int64(addresses.count - expected.count))
        #expect(newest.notRead > 0)
        #expect(everything.entries.map(\.address) == addresses.sorted(by: <))
        #expect(everything.notRead == 0)
        await f.close()
    }

    @Test func showPrintsHeadersPayloadAndActions() async throws {
        let f = try await DeadLetterFixture.make()
        let original = f.original(
            key: "order-9", value: #"{"orderId":"order-9","amount_fen":12345678901234567890,"items":[1,2]}"#, offset: 42,
            headers: [KafkaHeader(name: PipelineHeaders.correlationID, string: "req-77")])
        let letter = DeadLetter.of(original, errorCode: "ledger.conflict", error: "line one\nline two", attempts: 3)
        let address = try #require(try await f.produce([letter]).first)

        let shown = await f.run(["show", address.topic, "\(address.partition)", "\(address.offset)"])
        #expect(shown.status == 0, "\(shown.output.warnings)")
        let text = shown.output.text
        #expect(text.contains("original       \(f.topic)/\(letter.originalPartition)/42"))
        #expect(text.contains("error          line one\\nline two"))
        #expect(text.contains("  \(PipelineHeaders.correlationID): req-77"))
        #expect(text.contains("  \(PipelineHeaders.errorCode): ledger.conflict"))
        #expect(text.contains("  \(PipelineHeaders.attempts): 3"))
        #expect(text.contains("payload (\(original.value.count) bytes, JSON):"))
        // Re-indented, with the amount exactly as stored (not through a Double).
        #expect(shown.output.lines.contains("    \"amount_fen\": 12345678901234567890,"))
        #expect(text.contains("actions (0):"))
        // In the table too, a line break in the error stays on one line.
        let listed = await f.run(["list", "--topic", f.dlqTopic])
        #expect(listed.output.lines.count == 3)
        #expect(listed.output.lines[1].hasSuffix("pending  line one\\nline two"))

        let drop = await f.run(["drop", address.topic, "\(address.partition)", "\(address.offset)", "--reason", "duplicate of a refund", "--actor", "alice"])
        #expect(drop.status == 0)
        let again = await f.run(["show", address.topic, "\(address.partition)", "\(address.offset)"])
        #expect(again.output.text.contains("status         dropped"))
        #expect(again.output.lines.contains { $0.hasSuffix("dropped by alice: duplicate of a refund") })

        let missing = await f.run(["show", address.topic, "\(address.partition)", "\(address.offset + 1000)"])
        #expect(missing.status == 1)
        await f.close()
    }

    @Test func replayProducesTheOriginalOnceUnlessForced() async throws {
        let f = try await DeadLetterFixture.make()
        let headers = [KafkaHeader(name: PipelineHeaders.correlationID, string: "req-5"), KafkaHeader(name: "traceparent", string: "00-abc-def-01")]
        let original = f.original(key: "order-5", value: #"{"orderId":"order-5"}"#, offset: 7, headers: headers)
        let address = try #require(try await f.produce([DeadLetter.of(original, errorCode: "x.y", error: "boom", attempts: 2)]).first)
        let coordinates = [address.topic, "\(address.partition)", "\(address.offset)"]

        // Dry run: says what it would do, changes nothing.
        let dry = await f.run(["replay"] + coordinates + ["--dry-run", "--reason", "check"])
        #expect(dry.status == 0, "\(dry.output.warnings)")
        #expect(dry.output.lines.first?.hasPrefix("would replay \(address) -> \(f.topic) partition \(original.partition) key order-5") == true)
        #expect(try await f.mainTopicMessages().isEmpty)
        #expect(try await f.actions().isEmpty)

        let replay = await f.run(["replay"] + coordinates + ["--reason", "fixed the ledger", "--actor", "bob"])
        #expect(replay.status == 0, "\(replay.output.warnings)")
        let consumer = try KafkaTestCluster.consumer(group: TestEnvironment.uniqueName("g"), topics: [f.topic])
        let replayed = try await KafkaTestCluster.consume(consumer, count: 1, timeoutSeconds: 30)
        await consumer.close()
        let message = try #require(replayed.first)
        #expect(replayed.count == 1)
        #expect(message.keyString == "order-5")
        #expect(message.value == original.value)
        #expect(message.partition == original.partition)
        #expect(message.header(PipelineHeaders.correlationID)?.stringValue == "req-5")
        #expect(message.header("traceparent")?.stringValue == "00-abc-def-01")
        #expect(message.header(PipelineHeaders.replayedFrom)?.stringValue == address.description)
        #expect(message.header(PipelineHeaders.errorCode) == nil)
        #expect(try await f.actions().map { "\($0.offset) \($0.action) \($0.reason) \($0.actor)" }
            == ["\(address.offset) replayed fixed the ledger bob"])

        // Default listing hides it; --all shows it as replayed.
        #expect(await f.run(["list", "--topic", f.dlqTopic, "--json"]).output.lines.isEmpty)
        #expect(await f.run(["list", "--topic", f.dlqTopic, "--all", "--json"]).output.lines.first?.contains("\"status\":\"replayed\"") == true)

        // A second replay is refused without --force, and produces again with it.
        let refused = await f.run(["replay"] + coordinates + ["--reason", "double click"])
        #expect(refused.status == 1)
        #expect(refused.output.warnings.contains { $0.contains("already replayed") && $0.contains("--force") })
        #expect(try await f.mainTopicMessages().count == 1)
        let forced = await f.run(["replay"] + coordinates + ["--reason", "consumer lost it", "--force"])
        #expect(forced.status == 0, "\(forced.output.warnings)")
        let onMain = try await f.mainTopicMessages()
        #expect(onMain.count == 2)
        #expect(onMain.allSatisfy { $0.partition == original.partition && $0.value == original.value })
        #expect(try await f.actions().map(\.action) == ["replayed", "replayed"])
        // A replayed letter is not dropped afterwards: its record would say the message was left out.
        let dropped = await f.run(["drop"] + coordinates + ["--reason", "duplicate of a refund"])
        #expect(dropped.status == 1)
        #expect(dropped.output.warnings.contains { $0.contains("already replayed") && $0.contains("nothing recorded") })
        #expect(try await f.actions().map(\.action) == ["replayed", "replayed"])
        #expect(await f.run(["show"] + coordinates).output.text.contains("status         replayed"))
        await f.close()
    }

    @Test func replayByFilterAndAllTakesOnlyPendingLetters() async throws {
        let f = try await DeadLetterFixture.make()
        let letters = (0..<4).map { i in
            DeadLetter.of(
                f.original(key: "order-\(i)", value: "v\(i)", offset: Int64(i)), errorCode: i % 2 == 0 ? "even.failure" : "odd.failure",
                error: "failure \(i)", attempts: 1)
        }
        let addresses = try await f.produce(letters)

        let dropped = await f.run(["drop", addresses[3].topic, "\(addresses[3].partition)", "\(addresses[3].offset)", "--reason", "obsolete"])
        #expect(dropped.status == 0)
        #expect(dropped.output.lines.first?.hasPrefix("dropped \(addresses[3])") == true)
        let dropTwice = await f.run(["drop", addresses[3].topic, "\(addresses[3].partition)", "\(addresses[3].offset)", "--reason", "obsolete"])
        #expect(dropTwice.output.text.contains("already dropped"))

        let even = await f.run(["replay", "--filter", "--topic", f.dlqTopic, "--error", "even.", "--reason", "bug fixed"])
        #expect(even.status == 0, "\(even.output.warnings)")
        #expect(Set(try await f.mainTopicMessages().map(\.valueString)) == ["v0", "v2"])

        // --all: the remaining pending one (order-1); the dropped one stays dropped.
        let rest = await f.run(["replay", "--all", "--topic", f.dlqTopic, "--reason", "bulk"])
        #expect(rest.status == 0, "\(rest.output.warnings)")
        #expect(rest.output.lines.last == "1 replayed, 0 refused, 0 failed")
        #expect(Set(try await f.mainTopicMessages().map(\.valueString)) == ["v0", "v1", "v2"])

        // Nothing pending is left: a selector that matches nothing exits 1.
        #expect(await f.run(["replay", "--all", "--topic", f.dlqTopic, "--reason", "again"]).status == 1)
        #expect(await f.run(["list", "--topic", f.dlqTopic, "--json"]).output.lines.isEmpty)
        // The dropped letter is refused one by one as well, unless forced.
        let one = [addresses[3].topic, "\(addresses[3].partition)", "\(addresses[3].offset)"]
        #expect(await f.run(["replay"] + one + ["--reason", "changed my mind"]).status == 1)
        #expect(try await f.actions().map(\.action).sorted() == ["dropped", "replayed", "replayed", "replayed"])
        #expect(try await f.actions().first { $0.action == "dropped" }?.reason == "obsolete")
        await f.close()
    }

    /// One order's messages reach the dead letters out of order when the first failed through the retry tiers and
    /// the second was refused at once. Replaying them together puts them back in their original order.
    @Test func aReplayPutsLettersBackInTheirOriginalsOrder() async throws {
        let f = try await DeadLetterFixture.make()
        // The same key, so one partition: offset 7 was refused at once, offset 5 arrived after its retries.
        let later = DeadLetter.of(f.original(key: "order-x", value: "second", offset: 7), errorCode: "order.illegal_transition", error: "refused", attempts: 1)
        let earlier = DeadLetter.of(f.original(key: "order-x", value: "first", offset: 5), errorCode: "processing.failed", error: "failed", attempts: 4)
        let addresses = try await f.produce([later, earlier])
        #expect(addresses[0].offset < addresses[1].offset, "the later message is the earlier letter")
        let replayed = await f.run(["replay", "--all", "--topic", f.dlqTopic, "--reason", "both fixed"])
        #expect(replayed.status == 0, "\(replayed.output.warnings)")
        #expect(try await f.mainTopicMessages().map(\.valueString) == ["first", "second"])
        await f.close()
    }

    @Test func usageErrorsExitWith64AndChangeNothing() async throws {
        let f = try await DeadLetterFixture.make()
        let address = try #require(try await f.produce([DeadLetter.of(f.original(key: "k", value: "v", offset: 0), errorCode: "e", error: "e", attempts: 1)]).first)
        let coordinates = [address.topic, "\(address.partition)", "\(address.offset)"]
        for arguments in [
            ["replay", "--reason", "no selector"],
            ["replay"] + coordinates + ["--all", "--reason", "two selectors"],
            ["replay", "--filter", "--reason", "filter without a condition"],
            ["replay"] + coordinates,  // no reason
            ["replay"] + coordinates + ["--reason", "  "],
            ["drop"] + coordinates,  // no reason
            ["show", f.topic, "0", "0"],  // not a .dlq topic
            ["list", "--since", "yesterday"],
            ["list", "--topic", "no-such-family"],
            ["frobnicate"],
        ] {
            let result = await f.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.output.warnings)")
        }
        #expect(try await f.actions().isEmpty)
        #expect(try await f.mainTopicMessages().isEmpty)
        // A letter that does not exist: exit 1.
        #expect(await f.run(["drop", address.topic, "\(address.partition)", "\(address.offset + 5)", "--reason", "x"]).status == 1)
        #expect(await f.run(["replay", address.topic, "\(address.partition)", "\(address.offset + 5)", "--reason", "x"]).status == 1)
        await f.close()
    }
}
