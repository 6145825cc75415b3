import PaystreamCore

/// The four elements of a bank card a person claims: card number, real name, ID number and the phone the bank
/// has on file. Its description is redacted, so it can never reach a log by interpolation.
public struct CardElements: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var cardNumber: String
    public var realName: String
    public var idNumber: String
    public var phone: String

    public init(cardNumber: String, realName: String, idNumber: String, phone: String) {
        self.cardNumber = cardNumber
        self.realName = realName
        self.idNumber = idNumber
        self.phone = phone
    }

    public var description: String { "CardElements(****\(cardNumber.suffix(4)), redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// A verification's verdict, as the bank (through the channel) gave it.
public enum CardVerdict: Sendable, Equatable {
    /// All four elements belong together; the issuing bank's name when the channel said it.
    case match(bankName: String?)
    /// The card exists but the name, ID number or phone do not match it (the bank does not say which).
    case mismatch
    /// The card number is unknown to the bank.
    case noSuchCard
}

/// Verifies a card's four elements at a channel. Guarantees: a verdict comes only from a verified (signed)
/// answer; anything else is a ``ChannelError``.
public protocol CardVerifier: Sendable {
    func verifyCard(_ elements: CardElements, reference: String) async throws(ChannelError) -> CardVerdict
}

extension Bill99Client: CardVerifier {
    /// Bill99 four-element verification (the simulator's INVENTED contract, in the style of pay2bank: see
    /// `Bill99CardVerification` in ChannelSandbox). `reference` (externalRefNumber, 1...32 characters) names the
    /// request, so a retry is the same question.
    public func verifyCard(_ elements: CardElements, reference: String) async throws(ChannelError) -> CardVerdict {
        let operation = "bill99.card_verify"
        try ChannelIdentifiers.check(reference, "externalRefNumber", lengths: 1...32, channel: .bill99, operation: operation)
        let inner = "<cardVerifyOrder>" + Bill99XML.elements([
            ("externalRefNumber", reference), ("cardNo", elements.cardNumber), ("realName", elements.realName), ("idType", "0"),
            ("idCardNo", elements.idNumber), ("phoneNo", elements.phone),
        ]) + "</cardVerifyOrder>"
        let original = try await sealedExchange(
            operation, path: configuration.cardVerifyPath, root: "cardVerifyRequest", inner: inner)
        do {
            func field(_ name: String) throws -> String? {
                try Bill99XML.value(name, in: original)?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard try field("externalRefNumber") == reference else {
                throw ChannelError(.malformedResponse, channel: .bill99, operation: operation, message: "answer is for another request")
            }
            switch try field("verifyStatus") {
            case "1": return .match(bankName: try field("bankName").flatMap { $0.isEmpty ? nil : $0 })
            case "2": return .mismatch
            case "3": return .noSuchCard
            case let other:
                throw ChannelError(
                    .malformedResponse, channel: .bill99, operation: operation, message: "unknown verifyStatus \(other ?? "(none)")")
            }
        } catch let error as ChannelError {
            throw error
        } catch {
            throw ChannelError(.malformedResponse, channel: .bill99, operation: operation, message: "\(error)")
        }
    }
}
