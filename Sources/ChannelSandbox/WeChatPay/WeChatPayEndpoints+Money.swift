import Cryptography
import Foundation
import Hummingbird
import PaystreamCore

extension WeChatPayEndpoints {
    // MARK: Refunds

    /// POST /v3/refund/domestic/refunds: PROCESSING at once, SUCCESS (or ABNORMAL or CLOSED under the refund faults) after
    /// the settle delay, then a REFUND.* notify to the refund's notify_url (or the order's).
    func createRefund(_ call: Call) async throws -> Reply {
        let request = try decode(WeChatRefundRequest.self, call)
        try checkOutNumber(request.out_refund_no, "out_refund_no")
        var outTradeNo = request.out_trade_no
        if outTradeNo == nil, let transaction = request.transaction_id {
            outTradeNo = await core.state.order(.wechat, tradeNo: transaction)?.outTradeNo
        }
        guard let outTradeNo else { throw SandboxFailure.orderNotFound(request.transaction_id ?? "(none given)") }
        guard let order = await core.state.order(.wechat, outTradeNo) else { throw SandboxFailure.orderNotFound(outTradeNo) }
        if let paid = order.paidFen, paid != request.amount.total {
            throw ParameterError(message: "amount.total \(request.amount.total) is not the order's amount \(paid)")
        }
        let now = Date()
        let refundFen = request.amount.refund + (await core.state.faults.refunds?.amountOffsetFen ?? 0)
        let (refund, isNew) = try await core.state.createRefund(
            .wechat, outTradeNo: outTradeNo, outRefundNo: request.out_refund_no, amountFen: refundFen,
            reason: request.reason, notifyURL: request.notify_url, final: false, now: now)
        if isNew {
            let core = self.core
            let endpoints = self
            core.settleLater {
                let faults = await core.state.faults.refunds
                let status = faults?.closed == true ? "CLOSED" : faults?.abnormal == true ? "ABNORMAL" : "SUCCESS"
                guard let finished = await core.state.finishRefund(.wechat, refund.outRefundNo, status: status, now: Date())
                else { return }
                await core.send(endpoints.refundNotify(finished))
            }
        }
        return try json(refundResponse(refund))
    }

    func queryRefund(_ call: Call) async throws -> Reply {
        let number = call.parameters.get("no") ?? ""
        guard let refund = await core.state.refund(.wechat, number), await core.state.faults.refunds?.unknownToQueries != true else {
            throw SandboxFailure.notFound("refund \(number)")
        }
        return try json(refundResponse(refund))
    }

    func refundAmount(_ refund: SandboxRefund) -> WeChatRefundAmount {
        WeChatRefundAmount(
            total: refund.orderTotalFen, refund: refund.amountFen, payer_total: refund.orderTotalFen,
            payer_refund: refund.amountFen, settlement_refund: refund.amountFen, settlement_total: refund.orderTotalFen,
            discount_refund: 0, currency: "CNY")
    }

    func refundResponse(_ refund: SandboxRefund) -> WeChatRefundResponse {
        WeChatRefundResponse(
            refund_id: refund.refundID, out_refund_no: refund.outRefundNo, transaction_id: refund.tradeNo,
            out_trade_no: refund.outTradeNo, channel: "ORIGINAL", user_received_account: "支付用户零钱",
            success_time: refund.status == "SUCCESS" ? refund.finishedAt.map(ShanghaiTime.rfc3339) : nil,
            create_time: ShanghaiTime.rfc3339(refund.createdAt), status: refund.status, funds_account: "AVAILABLE",
            amount: refundAmount(refund))
    }

    func refundNotify(_ refund: SandboxRefund) -> OutboundNotify? {
        guard let url = refund.notifyURL else { return nil }
        let notice = WeChatRefundNotice(
            mchid: core.configuration.wechatMerchantID, out_trade_no: refund.outTradeNo, transaction_id: refund.tradeNo,
            out_refund_no: refund.outRefundNo, refund_id: refund.refundID, refund_status: refund.status,
            success_time: refund.status == "SUCCESS" ? refund.finishedAt.map(ShanghaiTime.rfc3339) : nil,
            user_received_account: "支付用户零钱", amount: refundAmount(refund))
        let summary = ["SUCCESS": "退款成功", "CLOSED": "退款关闭"][refund.status] ?? "退款异常"
        return core.wechatNotify(
            event: "REFUND." + refund.status, summary: summary,
            originalType: "refund", plaintext: notice, reference: refund.outRefundNo, url: url)
    }

    // MARK: Transfers to a user's balance

    /// POST /v3/fund-app/mch-transfer/transfer-bills: WAIT_USER_CONFIRM at once; the simulated user confirms, and
    /// after the settle delay the bill is SUCCESS (or FAIL under the payout fault), with a
    /// MCHTRANSFER.BILL.FINISHED notify when notify_url was given.
    ///
    /// `user_name` is required from 2,000.00 CNY on, as WeChat Pay requires it: RSA-OAEP (SHA-1) under the platform
    /// key that `Wechatpay-Serial` names, decrypted and kept as the payout's payee name. A name given at any amount is
    /// checked against the openid's real-name record, as WeChat does: SIMULATED by the record a test gave at consent
    /// (`/sandbox/wechat/authorize` `realName`); a mismatch FAILs the bill with `NAME_NOT_CORRECT` when it settles.
    /// Without a record any name passes.
    func createTransfer(_ call: Call) async throws -> Reply {
        let request = try decode(WeChatTransferRequest.self, call)
        try checkIdentity(appid: request.appid, mchid: nil)
        try checkOutNumber(request.out_bill_no, "out_bill_no")
        guard request.transfer_amount > 0 else { throw ParameterError(message: "transfer_amount must be at least 1 fen") }
        guard !request.openid.isEmpty else { throw ParameterError(message: "openid is required") }
        let payeeName = try openUserName(request.user_name, call: call)
        guard request.transfer_amount < 200_000 || payeeName != nil else {
            throw ParameterError(message: "user_name is required for a transfer of 2000 CNY or more")
        }
        var details = ["transfer_scene_id": request.transfer_scene_id]
        if let payeeName, let recorded = await core.identities.realName(of: request.openid), recorded != payeeName {
            details[SandboxPayout.nameCheckDetail] = "NAME_NOT_CORRECT"
        }
        let now = Date()
        let paidFen = request.transfer_amount + (await core.state.faults.payouts?.amountOffsetFen ?? 0)
        let (payout, isNew) = try await core.state.createPayout(
            SandboxPayout(
                rail: .wechatTransfer, outBillNo: request.out_bill_no, channelBillNo: SandboxID.wechatTransferBill(now),
                amountFen: paidFen, payee: request.openid, payeeName: payeeName,
                remark: request.transfer_remark, state: "WAIT_USER_CONFIRM", notifyURL: request.notify_url,
                details: details, createdAt: now, updatedAt: now,
                fingerprint: "\(request.openid)|\(request.transfer_amount)|\(request.transfer_remark)|\(payeeName ?? "")"))
        if isNew {
            let core = self.core
            let endpoints = self
            core.settleLater {
                guard let finished = await core.state.finishPayout(.wechatTransfer, payout.outBillNo, now: Date()) else {
                    return
                }
                await core.send(endpoints.transferNotify(finished))
            }
        }
        return try json(
            WeChatTransferResponse(
                out_bill_no: payout.outBillNo, transfer_bill_no: payout.channelBillNo,
                create_time: ShanghaiTime.rfc3339(payout.createdAt), state: payout.state, fail_reason: payout.failReason,
                package_info: payout.state == "WAIT_USER_CONFIRM" ? "sim" + SandboxID.alphanumeric(40) : nil))
    }

    /// The plaintext of an encrypted `user_name`: the header must name the platform key, and the field decrypt under it.
    private func openUserName(_ field: String?, call: Call) throws -> String? {
        guard let field, !field.isEmpty else { return nil }
        let serial = call.request.headers[named: "Wechatpay-Serial"] ?? ""
        guard serial.uppercased() == core.keys.wechatPlatformSerial.uppercased() else {
            throw ParameterError(message: "Wechatpay-Serial \(serial.isEmpty ? "missing" : serial) does not name the platform key user_name is encrypted under")
        }
        guard let sealed = try? Base64.decode(field), let plain = try? core.keys.wechatPlatformKey.decryptedOAEPSHA1(sealed),
            let name = String(validating: plain, as: UTF8.self), !name.isEmpty
        else { throw ParameterError(message: "user_name does not decrypt under the platform key (RSA-OAEP, SHA-1)") }
        return name
    }

    func queryTransfer(_ call: Call) async throws -> Reply {
        let number = call.parameters.get("no") ?? ""
        guard var payout = await core.state.payout(.wechatTransfer, number) else {
            throw SandboxFailure.notFound("transfer bill \(number)")
        }
        if let shift = await core.state.faults.payouts?.queryTimeOffsetSeconds {
            payout.updatedAt = payout.updatedAt.addingTimeInterval(TimeInterval(shift))
        }
        return try json(transferBill(payout))
    }

    /// POST /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel (撤销转账): a transfer waiting
    /// for the user's confirmation is CANCELLED at once (WeChat may answer CANCELING first), with its
    /// MCHTRANSFER.BILL.FINISHED notify; any other state is 400 INVALID_REQUEST, no such transfer 404.
    func cancelTransfer(_ call: Call) async throws -> Reply {
        let number = call.parameters.get("no") ?? ""
        let payout: SandboxPayout?
        do {
            payout = try await core.state.cancelTransfer(number, now: Date())
        } catch {
            throw CodedError(status: .badRequest, code: "INVALID_REQUEST", message: error.description)
        }
        guard let payout else { throw SandboxFailure.notFound("transfer bill \(number)") }
        await core.send(transferNotify(payout))
        return try json(
            WeChatTransferCancelResponse(
                out_bill_no: payout.outBillNo, transfer_bill_no: payout.channelBillNo, state: payout.state,
                update_time: ShanghaiTime.rfc3339(payout.updatedAt)))
    }

    func transferBill(_ payout: SandboxPayout) -> WeChatTransferBill {
        WeChatTransferBill(
            mch_id: core.configuration.wechatMerchantID, out_bill_no: payout.outBillNo,
            transfer_bill_no: payout.channelBillNo, appid: core.configuration.wechatAppID, state: payout.state,
            transfer_amount: payout.amountFen, transfer_remark: payout.remark, fail_reason: payout.failReason,
            openid: payout.payee, create_time: ShanghaiTime.rfc3339(payout.createdAt),
            update_time: ShanghaiTime.rfc3339(payout.updatedAt))
    }

    func transferNotify(_ payout: SandboxPayout) -> OutboundNotify? {
        guard let url = payout.notifyURL else { return nil }
        return core.wechatNotify(
            event: "MCHTRANSFER.BILL.FINISHED", summary: "商家转账单据终态通知", originalType: "mch_payment",
            plaintext: transferBill(payout), reference: payout.outBillNo, url: url)
    }

    // MARK: Bills

    /// GET /v3/bill/tradebill?bill_date=yyyy-MM-dd[&bill_type=ALL]: a download link to the day's ALL bill and its
    /// SHA1. The file is fixed when the link is made.
    func tradeBill(_ call: Call) async throws -> Reply {
        guard let day = call.query["bill_date"], ShanghaiTime.startOfDay(day) != nil else {
            throw ParameterError(message: "bill_date must be yyyy-MM-dd")
        }
        guard (call.query["bill_type"] ?? "ALL") == "ALL" else {
            throw ParameterError(message: "the sandbox serves bill_type=ALL only")
        }
        if await core.state.faults.bills?.notOut == true {
            throw CodedError(status: .badRequest, code: "NO_STATEMENT_EXIST", message: "账单文件不存在")
        }
        let inputs = await core.state.billInputs(.wechat)
        let bytes = WeChatBillWriter.write(
            BillBook.lines(inputs, day: day), appID: core.configuration.wechatAppID,
            merchantID: core.configuration.wechatMerchantID)
        let token = await core.state.registerBillToken(BillRequest(channel: .wechat, day: day, bytes: bytes))
        return try json(
            WeChatBillResponse(
                download_url: core.baseURL(for: call.request) + "/v3/billdownload/file?token=" + token,
                hash_type: "SHA1", hash_value: Hex.encode(SHA1.hash(bytes))))
    }

    func downloadBill(_ call: Call) async throws -> Reply {
        guard let token = call.query["token"], let bill = await core.state.billRequest(token: token),
            bill.channel == .wechat
        else { throw SandboxFailure.notFound("bill download link") }
        return .file(bill.bytes)
    }
}
