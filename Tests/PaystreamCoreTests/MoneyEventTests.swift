import Foundation
import Testing
@testable import PaystreamCore

@Suite("Money event schemas")
struct MoneyEventTests {
    static let alice = Fixture.user("alice")
    static let bob = Fixture.user("bob")

    /// One event of every type, with its expected canonical key and order key.
    static let samples: [(MoneyEvent, key: String, orderKey: String)] = [
        (Fixture.paymentSucceeded(order: "r-1", transaction: "4200001", fen: 100, payer: alice), "notify:wechat:4200001", "r-1"),
        (Fixture.paymentFailed(order: "r-1", channel: .alipay), "notify-failed:alipay:r-1", "r-1"),
        (Fixture.transfer(order: "t-1", from: alice, to: bob, fen: 5), "transfer:t-1", "t-1"),
        (Fixture.grab(envelope: "e-1", grab: "g-1", sender: alice, grabber: bob, fen: 3), "grab:g-1", "e-1"),
        (Fixture.refund(refund: "rf-1", original: "r-1", payer: alice, fen: 1, destination: .channel(.wechat)), "refund:rf-1", "r-1"),
        (Fixture.refund(refund: "rf-2", original: "t-1", payer: bob, fen: 1, destination: .wallet(alice)), "refund:rf-2", "t-1"),
        (Fixture.refundReturned(refund: "rf-1", original: "r-1", payer: alice, channel: .wechat, fen: 1), "refund-returned:rf-1", "r-1"),
        (Fixture.withdraw(order: "w-1", account: alice, fen: 9), "withdraw-request:w-1", "w-1"),
        (Fixture.approve(order: "w-1"), "withdraw-approve:w-1", "w-1"),
        (Fixture.paidOut(order: "w-1"), "withdraw-paid:w-1", "w-1"),
        (Fixture.reject(order: "w-1"), "withdraw-reject:w-1", "w-1"),
        (Fixture.fail(order: "w-1"), "withdraw-fail:w-1", "w-1"),
        (Fixture.walletFunded(envelope: "e-2", sender: alice, fen: 700), "envelope-wallet:e-2", "e-2"),
        (Fixture.expire(envelope: "e-1", sender: alice, destination: .wallet(alice)), "envelope-expire:e-1", "e-1"),
        (Fixture.expire(envelope: "e-3", sender: alice, destination: .channel(.alipay)), "envelope-expire:e-3", "e-3"),
        (Fixture.restReturned(envelope: "e-3", sender: alice, channel: .alipay, fen: 40), "envelope-rest-returned:e-3", "e-3"),
    ]

    @Test func everyTypeRoundTripsWithItsKeys() throws {
        #expect(Set(Self.samples.map(\.0.type)) == Set(EventType.allCases))
        for (event, key, orderKey) in Self.samples {
            #expect(event.idempotencyKey == key)
            #expect(event.orderKey == orderKey)
            #expect(event.version == 1)
            let bytes = event.encode()
            let decoded = try MoneyEvent.decode(bytes)
            #expect(decoded == event, "\(String(decoding: bytes, as: UTF8.self))")
            #expect(decoded.encode() == bytes)
        }
    }

    @Test func goldenLayout() throws {
        let event = Fixture.event(
            .transferRequested(try TransferRequested(orderID: "o-1", from: Self.alice, to: Self.bob, amount: Fixture.fen(1200))),
            correlationID: "req-7")
        let json = String(decoding: event.encode(), as: UTF8.self)
        #expect(
            json
                == #"{"correlationId":"req-7","idempotencyKey":"transfer:o-1","occurredAt":"2024-05-01T12:00:00.250Z","#
                + #""payload":{"amountFen":1200,"from":"user:alice","orderId":"o-1","to":"user:bob"},"#
                + #""type":"transferRequested","version":1}"#)
        let refund = Fixture.refund(refund: "rf-1", original: "r-1", payer: Self.alice, fen: 1, destination: .wallet(Self.bob))
        #expect(String(decoding: refund.encode(), as: UTF8.self).contains(#""destination":{"account":"user:bob","type":"wallet"}"#))
        let noCorrelation = Fixture.transfer(order: "o-1", from: Self.alice, to: Self.bob, fen: 1)
        #expect(!String(decoding: noCorrelation.encode(), as: UTF8.self).contains("correlationId"))
    }

    @Test func acceptsWhitespaceNullCorrelationAndOffsets() throws {
        let json = """
            { "type" : "withdrawalApproved", "version" : 1, "idempotencyKey" : "withdraw-approve:w-1",
              "occurredAt" : "2024-05-01T20:00:00.250+08:00", "correlationId" : null,
              "payload" : { "orderId" : "w-1", "approvedBy" : "op-1" } }
            """
        let event = try MoneyEvent.decode(Array(json.utf8))
        #expect(event == Fixture.approve(order: "w-1"))
    }

    /// A valid transfer message with `edit` applied to its text.
    static func transferJSON(_ edit: (String) -> String = { $0 }) -> [UInt8] {
        let base = String(decoding: Fixture.transfer(order: "o-1", from: alice, to: bob, fen: 1200).encode(), as: UTF8.self)
        return Array(edit(base).utf8)
    }

    static func replacing(_ old: String, _ new: String) -> (String) -> String {
        { text in
            precondition(text.contains(old), "fixture does not contain \(old)")
            return text.replacingOccurrences(of: old, with: new)
        }
    }

    static let malformed: [(String, [UInt8])] = [
        ("event.malformed_json", Array("{\"type\":".utf8)),
        ("event.malformed_json", Array("[1,2]".utf8)),
        ("event.malformed_json", Array("".utf8)),
        ("event.malformed_json", transferJSON(replacing(#""version":1"#, #""version":1,"version":1"#))),
        ("event.malformed_json", Array(repeating: 0x20, count: MoneyEvent.maxEncodedBytes + 1)),
        ("event.unknown_type", transferJSON(replacing(#""transferRequested""#, #""transferCancelled""#))),
        ("event.unsupported_version", transferJSON(replacing(#""version":1"#, #""version":2"#))),
        ("event.missing_field", transferJSON(replacing(#""version":1"#, #""versio":1"#))),
        ("event.missing_field", transferJSON(replacing(#""to":"user:bob""#, #""to":null"#))),
        ("event.missing_field", transferJSON(replacing(#","from":"user:alice""#, ""))),
        ("event.missing_field", transferJSON(replacing(#""idempotencyKey":"transfer:o-1","#, ""))),
        ("event.invalid_amount", transferJSON(replacing("1200", "12.5"))),
        ("event.invalid_amount", transferJSON(replacing("1200", "1e3"))),
        ("event.invalid_amount", transferJSON(replacing("1200", "1200.0"))),
        ("event.invalid_amount", transferJSON(replacing("1200", "-1200"))),
        ("event.invalid_amount", transferJSON(replacing("1200", "0"))),
        ("event.invalid_amount", transferJSON(replacing("1200", "\"1200\""))),
        ("event.invalid_amount", transferJSON(replacing("1200", "9223372036854775808"))),
        ("event.invalid_account", transferJSON(replacing(#""user:bob""#, #""bob""#))),
        ("event.invalid_account", transferJSON(replacing(#""user:bob""#, #""clearing:wechat""#))),
        ("event.invalid_account", transferJSON(replacing(#""user:bob""#, "42"))),
        ("event.invalid_field", transferJSON(replacing(#""orderId":"o-1""#, #""orderId":"o 1""#))),
        ("event.invalid_field", transferJSON(replacing(#""orderId":"o-1""#, #""orderId":1"#))),
        ("event.invalid_field", transferJSON(replacing(#""version":1"#, #""version":1,"extra":true"#))),
        ("event.invalid_field", transferJSON(replacing(#""to":"user:bob""#, #""to":"user:bob","fee":1"#))),
        ("event.invalid_field", transferJSON(replacing("2024-05-01T12:00:00.250Z", "yesterday"))),
        ("event.invalid_field", transferJSON(replacing(#""version":1"#, #""version":"1""#))),
        ("event.invalid_field", transferJSON(replacing(#""version":1"#, #""version":1.0"#))),
        ("event.key_mismatch", transferJSON(replacing(#""transfer:o-1""#, #""transfer:o-2""#))),
        ("event.key_mismatch", transferJSON(replacing(#""transfer:o-1""#, #""notify:wechat:1""#))),
    ]

    @Test(arguments: 0..<malformed.count)
    func eachErrorCodeHasAConcreteInput(index: Int) {
        let (code, bytes) = Self.malformed[index]
        do {
            let event = try MoneyEvent.decode(bytes)
            Issue.record("decoded \(event) instead of \(code)")
        } catch {
            #expect(error.code == code, "\(String(decoding: bytes.prefix(300), as: UTF8.self)) → \(error)")
        }
    }

    @Test func payloadSpecificFieldsAreValidated() {
        func code(_ json: String) -> String? {
            do {
                _ = try MoneyEvent.decode(Array(json.utf8))
                return nil
            } catch { return error.code }
        }
        let head = #""version":1,"occurredAt":"2024-05-01T12:00:00Z","#
        #expect(code(#"{"type":"paymentSucceeded","# + head + #""idempotencyKey":"notify:wechat:1","payload":{"orderId":"r","channel":"wechat","channelTransactionId":"1","amountFen":1,"payer":"merchant:m","purpose":"recharge"}}"#) == "event.invalid_account")
        #expect(code(#"{"type":"paymentSucceeded","# + head + #""idempotencyKey":"notify:paypal:1","payload":{"orderId":"r","channel":"paypal","channelTransactionId":"1","amountFen":1,"payer":"user:u","purpose":"recharge"}}"#) == "event.invalid_field")
        #expect(code(#"{"type":"paymentSucceeded","# + head + #""idempotencyKey":"notify:wechat:1","payload":{"orderId":"r","channel":"wechat","channelTransactionId":"1","amountFen":1,"payer":"user:u","purpose":"gift"}}"#) == "event.invalid_field")
        #expect(code(#"{"type":"paymentSucceeded","# + head + #""idempotencyKey":"notify:wechat:1","payload":{"orderId":"r","channel":"wechat","channelTransactionId":"1","amountFen":1,"payer":"user:u","purpose":"recharge"}}"#) == nil)
        #expect(code(#"{"type":"refundRequested","# + head + #""idempotencyKey":"refund:f","payload":{"refundOrderId":"f","originalOrderId":"r","payer":"user:u","amountFen":1,"destination":{"type":"wallet","account":"merchant:m"}}}"#) == "event.invalid_account")
        #expect(code(#"{"type":"refundRequested","# + head + #""idempotencyKey":"refund:f","payload":{"refundOrderId":"f","originalOrderId":"r","payer":"user:u","amountFen":1,"destination":{"type":"bank"}}}"#) == "event.invalid_field")
        #expect(code(#"{"type":"refundRequested","# + head + #""idempotencyKey":"refund:f","payload":{"refundOrderId":"f","originalOrderId":"r","payer":"user:u","amountFen":1,"destination":{"type":"channel","channel":"wechat","x":1}}}"#) == "event.invalid_field")
        #expect(code(#"{"type":"withdrawalRejected","# + head + #""idempotencyKey":"withdraw-reject:w","payload":{"orderId":"w","reason":"  "}}"#) == "event.invalid_field")
        #expect(code(#"{"type":"envelopeGrabbed","# + head + #""idempotencyKey":"grab:g","payload":{"envelopeOrderId":"e","grabId":"g","sender":"user:a","grabber":"user:b","amountFen":0}}"#) == "event.invalid_amount")
    }

    @Test func constructionAppliesTheSameRules() {
        #expect(throws: EventDecodingError.self) {
            try TransferRequested(orderID: "o:1", from: Self.alice, to: Self.bob, amount: Fixture.fen(1))
        }
        #expect(throws: EventDecodingError.self) {
            try TransferRequested(orderID: "o-1", from: Self.alice, to: Self.bob, amount: .zero)
        }
        #expect(throws: EventDecodingError.self) {
            try WithdrawalRequested(orderID: "w", account: .platform, amount: Fixture.fen(1), channel: .bill99)
        }
        #expect(throws: EventDecodingError.self) {
            try MoneyEvent(payload: Fixture.approve(order: "w").payload, occurredAt: Date(timeIntervalSince1970: 3e11))
        }
        #expect(throws: EventDecodingError.self) {
            try MoneyEvent(payload: Fixture.approve(order: "w").payload, occurredAt: Fixture.time, correlationID: "a b")
        }
        for odd in [Double.nan, .infinity, -.infinity, -1e20] {
            #expect(throws: EventDecodingError.self) {
                try MoneyEvent(payload: Fixture.approve(order: "w").payload, occurredAt: Date(timeIntervalSince1970: odd))
            }
        }
        let event = try? MoneyEvent(
            payload: Fixture.approve(order: "w").payload, occurredAt: Date(timeIntervalSince1970: 1.000_4))
        #expect(event?.occurredAt == Date(timeIntervalSince1970: 1.0))
    }

    @Test func notificationsRoundTrip() throws {
        let note = OutboundNotification(recipient: Self.bob, orderID: "t-1:in", event: .transferRequested, amount: Fixture.fen(5))
        #expect(String(decoding: note.encode(), as: UTF8.self)
            == #"{"amountFen":5,"event":"transferRequested","orderId":"t-1:in","recipient":"user:bob"}"#)
        #expect(try OutboundNotification.decode(note.encode()) == note)
        #expect(note.followUp.key == "user:bob")
        #expect(note.followUp.topicFamily == "paystream.notifications.outbound")
    }
}
