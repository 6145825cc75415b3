import Cryptography
import Foundation
import PaystreamCore

/// The sealed-message envelope of the Bill99 pay-to-bank contract (channels.md, as the channel simulator
/// implements it).
///
/// Message: `<root><head><version>1.0</version><memberCode>…</memberCode></head><body><sealDataType>
/// <originalData>Base64(inner XML)</originalData><signedData>Base64(signature over those XML bytes)</signedData>
/// </sealDataType></body></root>`; answers add `errorCode`/`errorMsg` in the body.
///
/// SIMPLIFIED against the third-party descriptions of the real service: (1) signedData is SHA256withRSA, not
/// SHA1withRSA, because the Cryptography module signs and verifies only with SHA-256; (2) encryptedData (AES under
/// a random key) and digitalEnvelope (that key RSA-encrypted to Bill99) are not produced, because the
/// Cryptography module has no RSA encryption — the order therefore travels signed but not encrypted (TLS is the
/// only confidentiality). Guarantees of this implementation: the inner XML is returned only if its signature
/// verifies with Bill99's key over the exact decoded bytes.
enum Bill99Seal {
    struct Opened {
        var errorCode: String
        var errorMessage: String?
        var memberCode: String?
        /// The verified inner XML, nil when the message carries no sealed data (unsigned error answers).
        var original: String?
    }

    enum Failure: Error {
        case malformed(String)
        case badSignature
    }

    static func seal(root: String, bodyElement: String, memberCode: String, inner: String, key: RSAPrivateKey) throws -> String {
        let bytes = Array(inner.utf8)
        let signature = try key.signatureSHA256(for: bytes)
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><\(root)><head>"
            + Bill99XML.elements([("version", "1.0"), ("memberCode", memberCode)]) + "</head><\(bodyElement)><sealDataType>"
            + Bill99XML.elements([("originalData", Base64.encode(bytes)), ("signedData", Base64.encode(signature))])
            + "</sealDataType></\(bodyElement)></\(root)>"
    }

    static func open(_ text: String, bill99Key: RSAPublicKey) throws(Failure) -> Opened {
        do {
            let errorCode = try Bill99XML.value("errorCode", in: beforeSeal(text)) ?? ""
            let errorMessage = try Bill99XML.value("errorMsg", in: beforeSeal(text))
            let memberCode = try Bill99XML.value("memberCode", in: text)?.trimmingCharacters(in: .whitespaces)
            guard let original = try Bill99XML.value("originalData", in: text), !original.isEmpty else {
                return Opened(errorCode: errorCode, errorMessage: errorMessage, memberCode: memberCode, original: nil)
            }
            guard let signed = try Bill99XML.value("signedData", in: text) else { throw Failure.badSignature }
            guard let bytes = try? Base64.decode(KeyFiles.stripWhitespace(original)) else {
                throw Failure.malformed("originalData is not Base64")
            }
            guard let signature = try? Base64.decode(KeyFiles.stripWhitespace(signed)),
                bill99Key.isValidSignatureSHA256(signature, for: bytes)
            else { throw Failure.badSignature }
            guard let inner = String(validating: bytes, as: UTF8.self) else { throw Failure.malformed("originalData is not UTF-8") }
            return Opened(errorCode: errorCode, errorMessage: errorMessage, memberCode: memberCode, original: inner)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// The part before `<sealDataType>`, where the outer errorCode lives (the sealed result has its own).
    private static func beforeSeal(_ text: String) -> String {
        guard let range = text.range(of: "<sealDataType") else { return text }
        return String(text[..<range.lowerBound])
    }

    /// The payout a verified `<pay2bankResult>` reports.
    static func payoutStatus(_ inner: String) throws(Failure) -> PayoutStatus {
        do {
            func field(_ name: String) throws -> String? {
                try Bill99XML.value(name, in: inner)?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let orderID = try field("orderId"), !orderID.isEmpty else { throw Failure.malformed("result has no orderId") }
            guard let status = try field("status") else { throw Failure.malformed("result has no status") }
            let state: PayoutState
            switch status {
            case "101": state = .processing
            case "111": state = .succeeded
            case "112": state = .failed
            default: throw Failure.malformed("unknown status \(status)")
            }
            var amount: Amount?
            if let text = try field("amount"), !text.isEmpty {
                guard text.utf8.count <= 15, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let fen = Int64(text) else {
                    throw Failure.malformed("amount \(text) is not a whole number of fen")
                }
                amount = try Amount(fen: fen)
            }
            let errorMessage = try field("errorMsg")
            return PayoutStatus(
                channel: .bill99, payoutID: orderID, channelPayoutID: try field("dealId").flatMap { $0.isEmpty ? nil : $0 }, state: state, rawState: status,
                amount: amount, failureReason: state == .failed ? (errorMessage ?? "failed") : nil, packageInfo: nil,
                updatedAt: try field("dealTime").flatMap(ChannelTime.parseShanghaiDateTime))
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .malformed("\(error)")
        }
    }
}
