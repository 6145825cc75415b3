import ArgumentParser
import EventBus
import Foundation
import Kafka
import Logging
import PaystreamCore
import Postgres

/// `paystream demo ledger`: the money story so far, told through the real pipeline. It produces money
/// events to the topics of topics/ (as the API and the channel notifies will), waits for a running
/// `paystream-worker` to apply each step, and prints balances and orders from the ledger.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Demonstrations against a running stack.", subcommands: [Ledger.self, PaymentsDemo.self])

    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recharge, envelope, grab, withdrawals (paid out and rejected) and a refused transfer, through Kafka and the worker.")
        @OptionGroup var runtime: RuntimeOptions

        func run() async throws {
            let configuration = try runtime.resolve()
            Observability.bootstrap(configuration)
            let logger = Logger(label: "paystream.demo")
            let registry = try TopicRegistry.load(directory: configuration.topicsDirectory)
            let postgres = PostgresClient(configuration: try PostgresConfiguration(url: configuration.postgresURL), logger: logger)
            let producer = try KafkaProducer(
                configuration: KafkaProducerConfiguration(client: configuration.kafka(clientID: "paystream-demo")), logger: logger)
            let run = String(Int(Date().timeIntervalSince1970) % 1_000_000)
            let alice = try AccountID.user("alice-\(run)"), bob = try AccountID.user("bob-\(run)"), carol = try AccountID.user("carol-\(run)")
            let story = DemoStory(registry: registry, producer: producer, postgres: postgres)

            try await story.step(
                "alice recharges 500.00 by WeChat Pay (a verified notify)",
                .paymentSucceeded(PaymentSucceeded(orderID: "rc-\(run)", channel: .wechat, channelTransactionID: "wx-rc-\(run)",
                                                   amount: .parseYuan("500.00"), payer: alice, purpose: .recharge)),
                topic: "paystream.payment.callbacks", until: "SELECT count(*) FROM orders WHERE order_id = 'rc-\(run)' AND status = 'paid'")
            try await story.step(
                "alice sends a 100.00 red envelope, paid by WeChat Pay: the money waits in her frozen balance",
                .paymentSucceeded(PaymentSucceeded(orderID: "env-\(run)", channel: .wechat, channelTransactionID: "wx-env-\(run)",
                                                   amount: .parseYuan("100.00"), payer: alice, purpose: .envelope)),
                topic: "paystream.payment.callbacks", until: "SELECT count(*) FROM orders WHERE order_id = 'env-\(run)' AND status = 'funded'")
            try await story.step(
                "bob grabs 30.00 of it",
                .envelopeGrabbed(EnvelopeGrabbed(envelopeOrderID: "env-\(run)", grabID: "g1-\(run)", sender: alice, grabber: bob,
                                                 amount: .parseYuan("30.00"))),
                topic: "paystream.envelope.grabs", until: "SELECT count(*) FROM orders WHERE order_id = 'grab:g1-\(run)'")
            for (payload, label, until) in [
                (MoneyEvent.Payload.withdrawalRequested(try WithdrawalRequested(orderID: "wd1-\(run)", account: alice, amount: try .parseYuan("200.00"), channel: .bill99)),
                 "alice asks to withdraw 200.00 to her bank card: frozen, pending approval", "requested"),
                (.withdrawalApproved(try WithdrawalApproved(orderID: "wd1-\(run)", approvedBy: "admin")), "the back office approves it", "approved"),
                (.withdrawalPaidOut(try WithdrawalPaidOut(orderID: "wd1-\(run)", channelTransactionID: "b99-\(run)")), "Bill99 pays it out: settled", "paidOut"),
            ] {
                try await story.step(label, payload, topic: "paystream.withdrawals",
                                     until: "SELECT count(*) FROM orders WHERE order_id = 'wd1-\(run)' AND status = '\(until)'")
            }
            try await story.step(
                "alice asks to withdraw 50.00 more", .withdrawalRequested(WithdrawalRequested(orderID: "wd2-\(run)", account: alice, amount: .parseYuan("50.00"), channel: .bill99)),
                topic: "paystream.withdrawals", until: "SELECT count(*) FROM orders WHERE order_id = 'wd2-\(run)' AND status = 'requested'")
            try await story.step(
                "the back office rejects it: unfrozen, order INVALID",
                .withdrawalRejected(WithdrawalRejected(orderID: "wd2-\(run)", reason: "card name mismatch")),
                topic: "paystream.withdrawals", until: "SELECT count(*) FROM orders WHERE order_id = 'wd2-\(run)' AND status = 'invalid'")
            try await story.step(
                "carol tries to transfer 10.00 she does not have: refused, dead-lettered with the reason",
                .transferRequested(TransferRequested(orderID: "tr-\(run)", from: carol, to: bob, amount: .parseYuan("10.00"))),
                topic: "paystream.transfer.requests",
                until: "SELECT count(*) FROM processed_keys WHERE idempotency_key = 'transfer:tr-\(run)' AND result LIKE 'rejected:%'")

            // The worker dead-letters after its ledger commit: wait for the letter itself.
            let reader = try KafkaTopicReader(configuration: configuration.kafka(clientID: "paystream-demo"))
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                let letters = try await reader.readAll(topic: "paystream.transfer.requests.dlq")
                if letters.contains(where: { $0.keyString == "tr-\(run)" }) { break }
                try await Task.sleep(nanoseconds: 200_000_000)
            }
            await reader.close()

            print("\nBalances (yuan)")
            for account in [alice, bob, carol, AccountID.clearing(.wechat), AccountID.clearing(.bill99)] {
                let rows = try await postgres.query("SELECT available_fen, frozen_fen FROM accounts WHERE account_id = \(account.description)")
                let available = try rows.first?.decode(Int64.self, column: "available_fen") ?? 0
                let frozen = try rows.first?.decode(Int64.self, column: "frozen_fen") ?? 0
                print("  \(account.description.padding(toLength: 24, withPad: " ", startingAt: 0)) available \(Self.yuan(available).leftPad(10))   frozen \(Self.yuan(frozen).leftPad(10))")
            }
            print("\nOrders")
            let orders = try await postgres.query(
                """
                SELECT order_id, kind, status, amount_fen, settled_fen FROM orders
                WHERE order_id LIKE \("%-\(run)") OR order_id LIKE \("%-\(run):in") ORDER BY created_at, order_id
                """)
            for row in orders {
                print("  \(try row.decode(String.self, column: "order_id").padding(toLength: 18, withPad: " ", startingAt: 0)) \(try row.decode(String.self, column: "kind").padding(toLength: 11, withPad: " ", startingAt: 0)) \(try row.decode(String.self, column: "status").padding(toLength: 10, withPad: " ", startingAt: 0)) \(Self.yuan(try row.decode(Int64.self, column: "amount_fen")).leftPad(8))")
            }
            await producer.shutdown()
            await postgres.shutdown()
        }

        static func yuan(_ fen: Int64) -> String {
            let sign = fen < 0 ? "-" : ""
            let magnitude = fen.magnitude
            return "\(sign)\(magnitude / 100).\(String(format: "%02d", Int(magnitude % 100)))"
        }
    }
}

/// Produces one step and waits until the worker has applied it.
struct DemoStory: Sendable {
    let registry: TopicRegistry
    let producer: KafkaProducer
    let postgres: PostgresClient

    func step(_ label: String, _ payload: @autoclosure () throws -> MoneyEvent.Payload, topic: String, until sql: String) async throws {
        let event = try MoneyEvent(payload: try payload(), occurredAt: Date(), correlationID: "demo-\(UInt32.random(in: 0...UInt32.max))")
        guard registry.declaration(named: topic) != nil else { throw ValidationError("\(topic) is not declared in topics/") }
        print("- \(label)")
        _ = try await producer.send(
            KafkaOutgoingMessage(topic: topic, key: Array(event.payload.orderKey.utf8), value: event.encode(),
                                 headers: [KafkaHeader(name: PipelineHeaders.correlationID, string: event.correlationID ?? "")]))
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let rows = try await postgres.query(PostgresQuery(sql: sql, bindings: []))
            if try rows.first?.decode(Int64.self, at: 0) ?? 0 > 0 { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw ValidationError("the worker did not apply \"\(label)\" within 60 s; is paystream-worker running?")
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
