import Foundation
import Hummingbird
import PaystreamCore

/// The sandbox's own JSON API under `/sandbox/`, for tests and people: pay orders, inject faults and bill
/// discrepancies, and look at what the simulated channels did. Not part of any real channel.
struct ControlEndpoints: Sendable {
    let core: SandboxCore

    struct PayRequest: Decodable {
        var channel: Channel
        var outTradeNo: String
        var amountFen: Int64?
        var payer: String?
        var notifyUrl: String?
        var subject: String?
        /// SIMULATED: the attempt fails at the payer's bank instead (the order stays unpaid; WeChat reports PAYERROR).
        var fail: Bool?
    }

    struct Info: Encodable {
        var simulated = "paystream-sim: SIMULATED WeChat Pay, Alipay and Bill99. No real money moves."
        var baseURL: String
        var wechatMerchantID: String
        var wechatAppID: String
        var wechatPlatformSerial: String
        var wechatPlatformCertificatePEM: String
        var alipayAppID: String
        var alipayPublicKeyPEM: String
        var bill99MemberCode: String
        var bill99PublicKeyPEM: String
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { request, _ -> Response in
            Response.text(
                .ok,
                "paystream-sim: SIMULATED WeChat Pay v3, Alipay and Bill99 channels (no real money). "
                    + "Control API under /sandbox/ ; see GET /sandbox/info\n")
        }
        router.get("/sandbox/info") { request, _ -> Response in await run { try await info(request) } }
        router.post("/sandbox/pay") { request, _ -> Response in
            await run {
                var request = request
                let body = try decode(PayRequest.self, try await request.bodyBytes())
                if body.fail == true { return .json(.ok, try await core.state.failAttempt(body.channel, body.outTradeNo)) }
                let order = try await core.scanAndPay(
                    body.channel, outTradeNo: body.outTradeNo, amountFen: body.amountFen, payer: body.payer,
                    notifyURL: body.notifyUrl, subject: body.subject)
                return .json(.ok, order)
            }
        }
        router.get("/sandbox/faults") { _, _ -> Response in await run { .json(.ok, await core.state.faults) } }
        router.post("/sandbox/faults") { request, _ -> Response in
            await run {
                var request = request
                let faults = try decode(SandboxFaults.self, try await request.bodyBytes())
                try faults.validate()
                core.notifier.flush(await core.state.setFaults(faults))
                return .json(.ok, faults)
            }
        }
        router.get("/sandbox/orders") { _, _ -> Response in await run { .json(.ok, await core.state.allOrders()) } }
        router.get("/sandbox/refunds") { _, _ -> Response in await run { .json(.ok, await core.state.allRefunds()) } }
        router.get("/sandbox/payouts") { _, _ -> Response in await run { .json(.ok, await core.state.allPayouts()) } }
        // SIMULATED merchant platform: the merchant finishes an ABNORMAL WeChat refund there; it ends SUCCESS, notified.
        router.post("/sandbox/refunds/:no/finish-abnormal") { _, context -> Response in
            await run {
                let number = context.parameters.get("no") ?? ""
                guard await core.state.refund(.wechat, number) != nil else { throw SandboxError(.notFound, "no WeChat refund \(number)") }
                guard let finished = await core.state.finishAbnormalRefund(.wechat, number, now: Date()) else {
                    throw SandboxError(.conflict, "refund \(number) is not ABNORMAL")
                }
                await core.send(WeChatPayEndpoints(core: core).refundNotify(finished))
                return .json(.ok, finished)
            }
        }
        // SIMULATED WeChat user: confirms a transfer waiting for them (WAIT_USER_CONFIRM) in their WeChat app, also while
        // the `awaitConfirmation` fault keeps the simulated users from confirming on their own. It ends as any transfer
        // does (SUCCESS, or FAIL under the payout faults), with its notify (under the notify faults).
        router.post("/sandbox/wechat/transfers/:no/confirm") { _, context -> Response in
            await run {
                let number = context.parameters.get("no") ?? ""
                switch await core.state.confirmTransfer(number, now: Date()) {
                case .unknown: throw SandboxError(.notFound, "no WeChat transfer \(number)")
                case .notWaiting(let state): throw SandboxError(.conflict, "transfer \(number) is \(state), not waiting for the user's confirmation")
                case .finished(let finished):
                    await core.send(WeChatPayEndpoints(core: core).transferNotify(finished))
                    return .json(.ok, finished)
                }
            }
        }
        router.get("/sandbox/notifies") { request, _ -> Response in
            await run {
                let filter = Dictionary(FormCoding.decode(request.uri.query ?? ""), uniquingKeysWith: { _, last in last })
                let records = await core.state.allNotifies().filter { record in
                    (filter["reference"].map { $0 == record.reference } ?? true)
                        && (filter["channel"].map { $0 == record.channel.rawValue } ?? true)
                }
                return .json(.ok, records)
            }
        }
        router.post("/sandbox/notifies/flush") { _, _ -> Response in
            await run {
                core.notifier.flush(await core.state.releaseHeld())
                return .json(.ok, ["flushed": true])
            }
        }
        router.post("/sandbox/notifies/:id/replay") { _, context -> Response in
            await run {
                let id = context.parameters.get("id") ?? ""
                guard let original = await core.state.notifyRecord(id) else {
                    throw SandboxError(.notFound, "no notify \(id)")
                }
                let isAlipay = original.channel == .alipay
                let acknowledged: @Sendable (Int, String) -> Bool = { status, answer in
                    isAlipay ? status == 200 && answer == "success" : (200..<300).contains(status)
                }
                return .json(.ok, await core.notifier.replay(original, acknowledged: acknowledged))
            }
        }
        router.post("/sandbox/bills/inject") { request, _ -> Response in
            await run {
                var request = request
                let injection = try decode(BillInjection.self, try await request.bodyBytes())
                guard ShanghaiTime.startOfDay(injection.date) != nil else {
                    throw SandboxError(.badRequest, "date must be yyyy-MM-dd")
                }
                guard injection.kind == .missingOnPlatform || injection.outTradeNo != nil else {
                    throw SandboxError(.badRequest, "\(injection.kind.rawValue) needs outTradeNo")
                }
                if injection.kind == .amountDiffers && injection.amountFen == nil {
                    throw SandboxError(.badRequest, "amountDiffers needs amountFen")
                }
                let count = await core.state.addInjection(injection)
                return .json(.ok, ["stored": count])
            }
        }
        router.get("/sandbox/bills/inject") { _, _ -> Response in await run { .json(.ok, await core.state.injections) } }
        router.get("/sandbox/bills/:channel/:date") { _, context -> Response in
            await run {
                guard let channel = context.parameters.get("channel").flatMap(Channel.init(rawValue:)), channel != .bill99,
                    let day = context.parameters.get("date"), ShanghaiTime.startOfDay(day) != nil
                else { throw SandboxError(.badRequest, "use /sandbox/bills/wechat|alipay/yyyy-MM-dd") }
                let lines = BillBook.lines(await core.state.billInputs(channel), day: day)
                let bytes =
                    channel == .wechat
                    ? WeChatBillWriter.write(
                        lines, appID: core.configuration.wechatAppID, merchantID: core.configuration.wechatMerchantID)
                    : AlipayBillWriter.write(lines, account: core.configuration.alipaySellerID, day: day, exportedAt: Date())
                return .bytes(.ok, bytes, contentType: "text/csv; charset=utf-8")
            }
        }
        router.post("/sandbox/reset") { _, _ -> Response in
            await run {
                await core.state.reset()
                await core.identities.reset()
                return .json(.ok, ["reset": true])
            }
        }
    }

    func info(_ request: Request) async throws -> Response {
        .json(
            .ok,
            Info(
                baseURL: core.baseURL(for: request), wechatMerchantID: core.configuration.wechatMerchantID,
                wechatAppID: core.configuration.wechatAppID, wechatPlatformSerial: core.keys.wechatPlatformSerial,
                wechatPlatformCertificatePEM: try core.keys.wechatPlatformCertificate.pemRepresentation,
                alipayAppID: core.configuration.alipayAppID,
                alipayPublicKeyPEM: try core.keys.alipayKey.publicKey.pemRepresentation,
                bill99MemberCode: core.configuration.bill99MemberCode,
                bill99PublicKeyPEM: try core.keys.bill99Key.publicKey.pemRepresentation))
    }

    /// Runs a handler, answering its errors as `{"error": …}` with their status.
    func run(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as SandboxError {
            return error.response
        } catch let failure as SandboxFailure {
            return .json(failure.controlStatus, ["error": failure.description])
        } catch {
            return .json(.internalServerError, ["error": "\(error)"])
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        do {
            return try SandboxJSON.decode(type, from: bytes)
        } catch {
            throw SandboxError(.badRequest, "invalid body: \(SandboxJSON.describe(error))")
        }
    }
}
