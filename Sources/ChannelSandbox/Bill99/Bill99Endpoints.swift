import Cryptography
import Foundation
import Hummingbird
import PaystreamCore

/// The simulated Bill99 (快钱) pay-to-bank service, following the contract of channels.md with one simplification:
/// the sealed body travels as `originalData` (Base64 of the order XML) + `signedData` (Base64 SHA256withRSA over
/// those XML bytes); `encryptedData`/`digitalEnvelope` (AES + RSA envelope) are not simulated.
///
/// Guarantees: a request is served only if its memberCode is the configured one and its signature verifies with
/// the merchant's public key (else errorCode 0001); orderId is idempotent (the same order again returns its current
/// state, a different one under the same orderId is refused with 0003); every result (answer, query, notify) is
/// signed with the sandbox's Bill99 key. Status: 101 processing, 111 success, 112 failure.
struct Bill99Endpoints: Sendable {
    let core: SandboxCore

    static let payPath = "/bill99/pay2bank"
    static let queryPath = "/bill99/pay2bank/query"

    struct Refusal: Error {
        let code: String
        let message: String
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post(RouterPath(stringLiteral: Self.payPath)) { request, _ -> Response in await serve(request, query: false) }
        router.post(RouterPath(stringLiteral: Self.queryPath)) { request, _ -> Response in await serve(request, query: true) }
    }

    func serve(_ request: Request, query: Bool) async -> Response {
        var request = request
        let body = String(decoding: (try? await request.bodyBytes()) ?? [], as: UTF8.self)
        let root = query ? "pay2bankSearchResponse" : "pay2bankResponse"
        do {
            let original = try openSeal(body)
            let orderID = XMLText.value(of: "orderId", in: original)?.trimmingWhitespace ?? ""
            guard (1...32).contains(orderID.count) else { throw Refusal(code: "0002", message: "orderId must be 1...32 characters") }
            let payout: SandboxPayout
            let faults = await core.state.faults.payouts
            if query {
                guard let found = await core.state.payout(.bill99, orderID), faults?.unknownToQueries != true else {
                    throw Refusal(code: "0004", message: "订单不存在: \(orderID)")
                }
                payout = found
            } else {
                if faults?.refuse == true {
                    throw Refusal(code: "0006", message: "账户状态异常 (fault payouts.refuse: no payout was made)")
                }
                if faults?.refuseDuplicates == true, await core.state.payout(.bill99, orderID) != nil {
                    throw Refusal(code: "0003", message: "订单号重复 (fault payouts.refuseDuplicates): \(orderID)")
                }
                payout = try await create(orderID: orderID, original: original)
                if faults?.dropAnswer == true { return Response(status: .gatewayTimeout) }
                if faults?.refuseAnswer == true {
                    throw Refusal(code: "9999", message: "系统繁忙 (fault payouts.refuseAnswer: the payout was accepted)")
                }
            }
            return xml(try sealedMessage(root: root, bodyElement: "responseBody", payout: payout, errorCode: "0000", errorMessage: "成功"))
        } catch let refusal as Refusal {
            return xml(unsealed(root: root, errorCode: refusal.code, errorMessage: refusal.message))
        } catch let failure as SandboxFailure {
            let code = if case .conflict = failure { "0003" } else { "0002" }
            return xml(unsealed(root: root, errorCode: code, errorMessage: failure.description))
        } catch {
            return xml(unsealed(root: root, errorCode: "9999", errorMessage: "\(error)"))
        }
    }

    /// Checks the head and the signature and returns the original (order) XML.
    func openSeal(_ body: String) throws -> String {
        guard XMLText.value(of: "memberCode", in: body)?.trimmingWhitespace == core.configuration.bill99MemberCode else {
            throw Refusal(code: "0005", message: "memberCode is not this merchant's")
        }
        guard let sealed = XMLText.value(of: "originalData", in: body)?.trimmingWhitespace, !sealed.isEmpty else {
            let encrypted = XMLText.value(of: "encryptedData", in: body).map { !$0.isEmpty } ?? false
            throw Refusal(
                code: "0002",
                message: encrypted
                    ? "encryptedData/digitalEnvelope are not simulated: send originalData (Base64 of the order XML)"
                    : "originalData is missing")
        }
        let bytes: [UInt8]
        if sealed.hasPrefix("<") {
            bytes = Array(sealed.utf8)
        } else {
            guard let decoded = try? Base64.decode(sealed.filter { !$0.isWhitespace }) else {
                throw Refusal(code: "0002", message: "originalData is neither Base64 nor XML")
            }
            bytes = decoded
        }
        guard let signature = XMLText.value(of: "signedData", in: body).flatMap({ try? Base64.decode($0.filter { !$0.isWhitespace }) }),
            core.keys.bill99MerchantPublicKey.isValidSignatureSHA256(signature, for: bytes)
        else { throw Refusal(code: "0001", message: "签名验证失败 (signedData must be SHA256withRSA over originalData)") }
        return String(decoding: bytes, as: UTF8.self)
    }

    func create(orderID: String, original: String) async throws -> SandboxPayout {
        func field(_ name: String) -> String? {
            XMLText.value(of: name, in: original).map(\.trimmingWhitespace).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let amountText = field("amount"), let amount = Int64(amountText), (1...10_000_000_000).contains(amount) else {
            throw Refusal(code: "0002", message: "amount must be a positive number of fen")
        }
        guard let account = field("bankAcctId"), let name = field("creditName") else {
            throw Refusal(code: "0002", message: "bankAcctId and creditName are required")
        }
        var details: [String: String] = [:]
        for name in ["bankName", "branchName", "mobile", "province", "city", "feeAction"] { details[name] = field(name) }
        let now = Date()
        let paidFen = amount + (await core.state.faults.payouts?.amountOffsetFen ?? 0)
        let (payout, isNew) = try await core.state.createPayout(
            SandboxPayout(
                rail: .bill99, outBillNo: orderID, channelBillNo: SandboxID.bill99Deal(now), amountFen: paidFen, payee: account,
                payeeName: name, remark: field("remark"), state: "101", notifyURL: field("notifyUrl") ?? core.configuration.bill99NotifyURL,
                details: details, createdAt: now, updatedAt: now, fingerprint: "\(account)|\(amount)|\(name)"))
        if isNew {
            let core = self.core
            let endpoints = self
            core.settleLater {
                guard let finished = await core.state.finishPayout(.bill99, orderID, now: Date()) else { return }
                await core.send(endpoints.notify(finished))
            }
        }
        return payout
    }

    /// The result XML every answer and notify seals.
    func resultXML(_ payout: SandboxPayout) -> String {
        let failed = payout.state == "112"
        return "<pay2bankResult>" + XMLText.elements([
            ("orderId", payout.outBillNo), ("dealId", payout.channelBillNo), ("amount", String(payout.amountFen)), ("fee", "0"),
            ("status", payout.state), ("errorCode", failed ? "2001" : "0000"), ("errorMsg", failed ? payout.failReason ?? "失败" : ""),
            ("dealTime", ShanghaiTime.dateTime(payout.updatedAt)),
        ]) + "</pay2bankResult>"
    }

    func sealedMessage(
        root: String, bodyElement: String, payout: SandboxPayout, errorCode: String, errorMessage: String,
        tamper: Bool = false, rogue: Bool = false
    ) throws -> String {
        let result = resultXML(payout)
        let sent = tamper ? result.replacingOccurrences(of: "<amount>", with: "<amount>1") : result
        return try sealed(
            root: root, bodyElement: bodyElement, original: result, sent: sent, errorCode: errorCode, errorMessage: errorMessage,
            rogue: rogue)
    }

    /// `original` signed with the sandbox's Bill99 key (or the rogue key) and wrapped in `root`; `sent` (default:
    /// `original`) is what travels as originalData, so a test can make the signature not match.
    func sealed(
        root: String, bodyElement: String, original: String, sent: String? = nil, errorCode: String, errorMessage: String,
        rogue: Bool = false
    ) throws -> String {
        let signature = try (rogue ? core.keys.rogueKey : core.keys.bill99Key).signatureSHA256(for: Array(original.utf8))
        return head(root) + "<\(bodyElement)>" + XMLText.elements([("errorCode", errorCode), ("errorMsg", errorMessage)])
            + "<sealDataType>"
            + XMLText.elements([("originalData", Base64.encode(Array((sent ?? original).utf8))), ("signedData", Base64.encode(signature))])
            + "</sealDataType></\(bodyElement)></\(root)>"
    }

    func unsealed(root: String, errorCode: String, errorMessage: String) -> String {
        head(root) + "<responseBody>" + XMLText.elements([("errorCode", errorCode), ("errorMsg", errorMessage)])
            + "</responseBody></\(root)>"
    }

    func head(_ root: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><\(root)><head>"
            + XMLText.elements([("version", "1.0"), ("memberCode", core.configuration.bill99MemberCode)]) + "</head>"
    }

    func xml(_ text: String) -> Response { .text(.ok, text, contentType: "text/xml; charset=utf-8") }

    /// `<pay2bankNotify>` with the sealed result, POSTed to the order's notifyUrl (or the configured one); any 2xx
    /// acknowledges it.
    func notify(_ payout: SandboxPayout) -> OutboundNotify? {
        guard let url = payout.notifyURL else { return nil }
        let endpoints = self
        return OutboundNotify(
            channel: .bill99, event: "pay2bankNotify", reference: payout.outBillNo, url: url,
            contentType: "text/xml; charset=utf-8",
            prepare: { faults in
                let text = try endpoints.sealedMessage(
                    root: "pay2bankNotify", bodyElement: "notifyBody", payout: payout, errorCode: "0000", errorMessage: "成功",
                    tamper: faults.tamper == true, rogue: faults.wrongKey == true)
                return PreparedNotify(body: Array(text.utf8), headers: [], tampered: faults.tamper == true)
            },
            isAcknowledged: { status, _ in (200..<300).contains(status) })
    }
}
