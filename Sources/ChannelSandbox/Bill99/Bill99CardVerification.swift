import Foundation
import Hummingbird

/// The simulated Bill99 (快钱) bank-card four-element verification (四要素鉴权): does this card number belong to
/// this real name and ID number, with this phone on file at the bank?
///
/// INVENTED: Bill99's real verification API is not public (channels.md). This endpoint follows the style of the
/// pay-to-bank contract — the same head, the same sealed body (originalData + SHA256withRSA signedData), the
/// same errorCode list — with element names chosen here: request `<cardVerifyRequest>` sealing
/// `<cardVerifyOrder>` {externalRefNumber, cardNo, realName, idType (0 = resident ID card), idCardNo, phoneNo};
/// answer `<cardVerifyResponse>` sealing `<cardVerifyResult>` {externalRefNumber, verifyStatus, bankName,
/// responseCode, responseMsg}. verifyStatus: 1 all four elements match, 2 they do not, 3 no such card.
///
/// Guarantees: the request is served only with this merchant's memberCode and a verifying signature (else
/// errorCode 0005 / 0001, unsigned); every verdict is signed with the sandbox's Bill99 key; a mismatch never
/// says which element differed (as banks answer).
struct Bill99CardVerification: Sendable {
    let core: SandboxCore

    static let path = "/bill99/cardverify"

    func register(on router: Router<BasicRequestContext>) {
        router.post(RouterPath(stringLiteral: Self.path)) { request, _ -> Response in await serve(request) }
        // Control API: a card the simulated bank knows (tests and the demo register their people's cards).
        let control = ControlEndpoints(core: core)
        router.post("/sandbox/bill99/cards") { request, _ -> Response in
            await control.run {
                var request = request
                let card = try control.decode(SandboxBankCard.self, try await request.bodyBytes())
                guard (12...19).contains(card.cardNo.count), card.cardNo.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw SandboxError(.badRequest, "cardNo must be 12...19 digits")
                }
                try await core.identities.register(card)
                return .json(.ok, ["registered": card.cardNo])
            }
        }
    }

    func serve(_ request: Request) async -> Response {
        var request = request
        let body = String(decoding: (try? await request.bodyBytes()) ?? [], as: UTF8.self)
        let endpoints = Bill99Endpoints(core: core)
        let root = "cardVerifyResponse"
        do {
            let original = try endpoints.openSeal(body)
            func field(_ name: String) -> String {
                XMLText.value(of: name, in: original)?.trimmingWhitespace ?? ""
            }
            let reference = field("externalRefNumber")
            guard (1...32).contains(reference.count) else {
                throw Bill99Endpoints.Refusal(code: "0002", message: "externalRefNumber must be 1...32 characters")
            }
            let asked = SandboxBankCard(
                cardNo: field("cardNo"), realName: field("realName"), idCardNo: field("idCardNo").uppercased(),
                phoneNo: field("phoneNo"), bankName: "")
            guard !asked.cardNo.isEmpty, !asked.realName.isEmpty, !asked.idCardNo.isEmpty, !asked.phoneNo.isEmpty else {
                throw Bill99Endpoints.Refusal(code: "0002", message: "cardNo, realName, idCardNo and phoneNo are required")
            }
            let known = await core.identities.card(asked.cardNo)
            let (status, code, message): (String, String, String) =
                if let known {
                    known.realName == asked.realName && known.idCardNo.uppercased() == asked.idCardNo && known.phoneNo == asked.phoneNo
                        ? ("1", "00", "认证一致") : ("2", "Z1", "认证信息不一致")
                } else { ("3", "Z2", "卡号无效") }
            let bank = status == "1" ? [("bankName", known?.bankName ?? "")] : []
            let result = "<cardVerifyResult>" + XMLText.elements(
                [("externalRefNumber", reference), ("verifyStatus", status)] + bank + [("responseCode", code), ("responseMsg", message)])
                + "</cardVerifyResult>"
            return endpoints.xml(
                try endpoints.sealed(root: root, bodyElement: "responseBody", original: result, errorCode: "0000", errorMessage: "成功"))
        } catch let refusal as Bill99Endpoints.Refusal {
            return endpoints.xml(endpoints.unsealed(root: root, errorCode: refusal.code, errorMessage: refusal.message))
        } catch {
            return endpoints.xml(endpoints.unsealed(root: root, errorCode: "9999", errorMessage: "\(error)"))
        }
    }
}
