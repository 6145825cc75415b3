import Cryptography
import PaystreamCore

/// Verifies Bill99 `pay2bankNotify` messages.
///
/// Guarantees: a notify is accepted only if its sealed `<pay2bankResult>` verifies with Bill99's key over the
/// exact decoded bytes (else `notify.bad_signature`; no sealed data is `notify.malformed`) and its head names
/// this merchant's memberCode (else `notify.recipient_mismatch`). The contract has no timestamp, so a replayed
/// notify verifies: it carries a final state the platform applies idempotently. Acknowledge with any 2xx.
public struct Bill99NotifyVerifier: Sendable {
    public let memberCode: String
    let bill99PublicKey: RSAPublicKey

    public init(memberCode: String, bill99PublicKey: RSAPublicKey) {
        self.memberCode = memberCode
        self.bill99PublicKey = bill99PublicKey
    }

    public init(configuration: Bill99Configuration, credentials: Bill99Credentials) {
        self.init(memberCode: configuration.memberCode, bill99PublicKey: credentials.bill99PublicKey)
    }

    public func verify(body: [UInt8]) throws(NotifyVerificationError) -> PayoutStatus {
        guard let text = String(validating: body, as: UTF8.self) else {
            throw NotifyVerificationError(.malformed, channel: .bill99, "body is not UTF-8")
        }
        do {
            let opened = try Bill99Seal.open(text, bill99Key: bill99PublicKey)
            guard let original = opened.original else {
                throw NotifyVerificationError(.malformed, channel: .bill99, "notify carries no sealed result")
            }
            guard opened.memberCode == memberCode else {
                throw NotifyVerificationError(
                    .recipientMismatch, channel: .bill99, "memberCode \(opened.memberCode ?? "(none)") is not \(memberCode)")
            }
            return try Bill99Seal.payoutStatus(original)
        } catch let error as NotifyVerificationError {
            throw error
        } catch Bill99Seal.Failure.badSignature {
            throw NotifyVerificationError(.badSignature, channel: .bill99, "sealed result does not verify with Bill99's key")
        } catch {
            throw NotifyVerificationError(.malformed, channel: .bill99, "\(error)")
        }
    }
}
