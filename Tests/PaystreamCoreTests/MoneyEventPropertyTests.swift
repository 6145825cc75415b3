import Foundation
import Testing
@testable import PaystreamCore

/// Random valid events over wide value ranges (ids, amounts up to Int64.max, dates across years
/// 0001...9999, reasons with quotes, backslashes and non-ASCII text).
struct RandomEventSource {
    var random: SeededGenerator

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }

    mutating func id(maxLength: Int = 64) -> String {
        let alphabet = Array("ABCXYZabcxyz0123456789_.-")
        let length = Int.random(in: 1...maxLength, using: &random)
        return String((0..<length).map { _ in pick(alphabet) })
    }

    mutating func token() -> String {
        let alphabet = Array("!\"#$%&'()*+,/:;<=>?@[\\]^`{|}~Aa09")
        let length = Int.random(in: 1...EventFieldRules.maxTokenLength, using: &random)
        return String((0..<length).map { _ in pick(alphabet) })
    }

    mutating func text() -> String {
        let pieces = ["退款", "refused", "\"quoted\"", "back\\slash", "😀", "é", " ", "/", "\u{2028}", "x"]
        let words = (0..<Int.random(in: 1...20, using: &random)).map { _ in pick(pieces) }
        let text = words.joined()
        return JournalEntry.isBlank(text) ? "x" + text : text
    }

    mutating func amount() -> Amount {
        let shift = Int64.random(in: 0...62, using: &random)
        return Fixture.fen(max(1, Int64.random(in: 1...Int64.max, using: &random) >> shift))
    }

    mutating func account(_ kinds: [AccountID.Kind]) -> AccountID {
        try! AccountID(kind: pick(kinds), name: id())
    }

    mutating func date() -> Date {
        ISO8601Timestamp.date(
            fromMilliseconds: Int64.random(in: ISO8601Timestamp.representableMilliseconds, using: &random))
    }

    mutating func payload() -> MoneyEvent.Payload {
        let holding: [AccountID.Kind] = [.user, .merchant, .platform]
        switch pick(EventType.allCases) {
        case .paymentSucceeded:
            let purpose = pick(PaymentSucceeded.Purpose.allCases)
            return .paymentSucceeded(
                try! PaymentSucceeded(
                    orderID: id(), channel: pick(Channel.allCases), channelTransactionID: token(), amount: amount(),
                    payer: account(purpose == .collection ? [.merchant] : [.user]), purpose: purpose))
        case .paymentFailed:
            return .paymentFailed(try! PaymentFailed(orderID: id(), channel: pick(Channel.allCases), reason: text()))
        case .transferRequested:
            return .transferRequested(
                try! TransferRequested(orderID: id(), from: account(holding), to: account(holding), amount: amount()))
        case .envelopeGrabbed:
            return .envelopeGrabbed(
                try! EnvelopeGrabbed(
                    envelopeOrderID: id(), grabID: id(), sender: account([.user]), grabber: account([.user]),
                    amount: amount()))
        case .refundRequested:
            let destination: RefundDestination =
                Bool.random(using: &random) ? .channel(pick(Channel.allCases)) : .wallet(account([.user]))
            return .refundRequested(
                try! RefundRequested(
                    refundOrderID: id(), originalOrderID: id(), payer: account(holding), amount: amount(),
                    destination: destination))
        case .refundReturned:
            return .refundReturned(
                try! RefundReturned(
                    refundOrderID: id(), originalOrderID: id(), payer: account(holding), channel: pick(Channel.allCases),
                    amount: amount(), reason: text()))
        case .withdrawalRequested:
            return .withdrawalRequested(
                try! WithdrawalRequested(
                    orderID: id(), account: account([.user, .merchant]), amount: amount(), channel: pick(Channel.allCases)))
        case .withdrawalApproved:
            return .withdrawalApproved(try! WithdrawalApproved(orderID: id(), approvedBy: token()))
        case .withdrawalPaidOut:
            return .withdrawalPaidOut(try! WithdrawalPaidOut(orderID: id(), channelTransactionID: token()))
        case .withdrawalRejected:
            return .withdrawalRejected(try! WithdrawalRejected(orderID: id(), reason: text()))
        case .withdrawalFailed:
            return .withdrawalFailed(try! WithdrawalFailed(orderID: id(), reason: text()))
        case .envelopeWalletFunded:
            return .envelopeWalletFunded(try! EnvelopeWalletFunded(envelopeOrderID: id(), sender: account([.user]), amount: amount()))
        case .envelopeExpired:
            let sender = account([.user])
            return .envelopeExpired(
                try! EnvelopeExpired(
                    envelopeOrderID: id(), sender: sender,
                    destination: Bool.random(using: &random) ? .wallet(sender) : .channel(pick(Channel.allCases))))
        case .envelopeRestReturned:
            return .envelopeRestReturned(
                try! EnvelopeRestReturned(
                    envelopeOrderID: String(id().prefix(61)), sender: account([.user]), channel: pick(Channel.allCases), amount: amount(),
                    reason: text()))
        }
    }

    mutating func event() -> MoneyEvent {
        let correlation: String? = Bool.random(using: &random) ? token() : nil
        return try! MoneyEvent(payload: payload(), occurredAt: date(), correlationID: correlation)
    }
}

@Suite("Money event properties")
struct MoneyEventPropertyTests {
    @Test(arguments: [UInt64(1), 2, 3, 42, 2024])
    func randomValidEventsRoundTrip(seed: UInt64) throws {
        var source = RandomEventSource(random: SeededGenerator(seed: seed))
        for _ in 0..<500 {
            let event = source.event()
            let bytes = event.encode()
            let decoded = try MoneyEvent.decode(bytes)
            #expect(decoded == event, "seed \(seed): \(String(decoding: bytes, as: UTF8.self))")
            #expect(decoded.encode() == bytes)
            #expect(decoded.idempotencyKey == decoded.payload.canonicalIdempotencyKey)
            // What the encoder writes is also plain JSON that Foundation reads.
            #expect((try? JSONSerialization.jsonObject(with: Data(bytes))) != nil)
        }
    }

    @Test(arguments: [UInt64(5), 6])
    func truncatedOrCorruptedBytesNeverDecodeToADifferentEvent(seed: UInt64) throws {
        var source = RandomEventSource(random: SeededGenerator(seed: seed))
        for _ in 0..<200 {
            let event = source.event()
            var bytes = event.encode()
            let position = Int.random(in: 0..<bytes.count, using: &source.random)
            if Bool.random(using: &source.random) {
                bytes.removeSubrange(position...)
            } else {
                bytes[position] = UInt8.random(in: 0...255, using: &source.random)
            }
            // A corrupted message either fails with a code or still decodes to a fully valid event.
            if let decoded = try? MoneyEvent.decode(bytes) {
                #expect(decoded.idempotencyKey == decoded.payload.canonicalIdempotencyKey)
                #expect(try MoneyEvent.decode(decoded.encode()) == decoded)
            }
        }
    }
}
