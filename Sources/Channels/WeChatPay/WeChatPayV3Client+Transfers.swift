import Cryptography
import Foundation
import PaystreamCore

/// Where to fetch one day's WeChat Pay trade bill, from a verified answer.
public struct WeChatPayBillLocation: Sendable, Equatable {
    public var downloadURL: String
    /// "SHA1" as WeChat Pay gives it.
    public var hashType: String
    /// The hex digest the downloaded file must have.
    public var hashValue: String
}

extension WeChatPayV3Client {
    /// From this amount on (2,000.00 CNY) WeChat Pay needs the payee's real name (`user_name`), which it checks
    /// against the openid's: a transfer without one is refused before sending.
    public static let transferNameRequiredFromFen: Int64 = 200_000
    /// The longest `user_name` WeChat Pay takes.
    public static let transferNameMaxCharacters = 60

    /// POST /v3/fund-app/mch-transfer/transfer-bills (商家转账 to the user's balance).
    ///
    /// The payee's name, when the destination has one, is sent as `user_name`: RSAES-OAEP (SHA-1) under the WeChat
    /// Pay key ``WeChatPayPlatformKeys/encryptionKey(at:)``, Base64, with that key's serial in `Wechatpay-Serial`.
    public func requestPayout(_ request: PayoutRequest) async throws(ChannelError) -> PayoutStatus {
        let operation = "wechat.transfer"
        guard case .wechatBalance(let openID, let userName) = request.destination else {
            throw ChannelError(
                .invalidRequest, channel: .wechat, operation: operation, message: "WeChat Pay pays to a WeChat balance only")
        }
        try ChannelIdentifiers.check(request.payoutID, "out_bill_no", lengths: 5...32, channel: .wechat, operation: operation)
        try ChannelIdentifiers.check(openID, "openid", lengths: 1...128, channel: .wechat, operation: operation)
        try ChannelIdentifiers.checkPositive(request.amount, "transfer_amount", channel: .wechat, operation: operation)
        try ChannelIdentifiers.checkText(request.remark, "transfer_remark", maxCharacters: 32, channel: .wechat, operation: operation)
        if let userName {
            try ChannelIdentifiers.checkText(
                userName, "user_name", maxCharacters: Self.transferNameMaxCharacters, channel: .wechat, operation: operation)
        }
        guard request.amount.fen < Self.transferNameRequiredFromFen || userName?.isEmpty == false else {
            throw ChannelError(
                .invalidRequest, channel: .wechat, operation: operation, message: "transfers of 2000.00 CNY or more need the payee's name")
        }
        var encryptedName: String?
        var headers: [(String, String)] = []
        if let userName, !userName.isEmpty {
            guard let (serial, key) = platformKeys.encryptionKey(at: now()) else {
                throw ChannelError(.configuration, channel: .wechat, operation: operation, message: "no WeChat Pay key to encrypt user_name under")
            }
            do {
                encryptedName = Base64.encode(try key.encryptedOAEPSHA1(Array(userName.utf8)))
            } catch {
                throw ChannelError(.invalidRequest, channel: .wechat, operation: operation, message: "user_name could not be encrypted: \(error)")
            }
            headers.append(("Wechatpay-Serial", serial))
        }
        let wire = WeChatWireTransferRequest(
            appid: configuration.appID, out_bill_no: request.payoutID, transfer_scene_id: configuration.transferSceneID,
            openid: openID, user_name: encryptedName, transfer_amount: request.amount.fen, transfer_remark: request.remark,
            notify_url: configuration.notifyURL, transfer_scene_report_infos: configuration.transferSceneReports)
        let response = try await perform(
            operation, .POST, "/v3/fund-app/mch-transfer/transfer-bills", body: try encode(wire, operation), extraHeaders: headers)
        var status = try payoutStatus(response, operation, payoutID: request.payoutID)
        if status.amount == nil { status.amount = request.amount }
        return status
    }

    /// GET /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}.
    public func queryPayout(payoutID: String) async throws(ChannelError) -> PayoutStatus {
        try await transferBill(payoutID, "wechat.transfer_query", .GET)
    }

    /// POST /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel (撤销转账): only a transfer
    /// waiting for the user's confirmation can be cancelled; the answer is CANCELING or CANCELLED.
    public func cancelPayout(payoutID: String) async throws(ChannelError) -> PayoutStatus {
        try await transferBill(payoutID, "wechat.transfer_cancel", .POST, action: "/cancel")
    }

    /// `method` on transfer bill `payoutID` (`…/out-bill-no/{out_bill_no}` and `action`), answered with the bill.
    private func transferBill(
        _ payoutID: String, _ operation: String, _ method: ChannelHTTPRequest.Method, action: String = ""
    ) async throws(ChannelError) -> PayoutStatus {
        try ChannelIdentifiers.check(payoutID, "out_bill_no", lengths: 5...32, channel: .wechat, operation: operation)
        let response = try await perform(
            operation, method, "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/\(Self.segment(payoutID))\(action)")
        return try payoutStatus(response, operation, payoutID: payoutID)
    }

    private func payoutStatus(_ response: ChannelHTTPResponse, _ operation: String, payoutID: String) throws(ChannelError)
        -> PayoutStatus
    {
        let wire = try decode(WeChatWireTransfer.self, response, operation)
        let status = try mapped(operation) { () throws(WeChatPayMapping.Invalid) in try WeChatPayMapping.payout(wire) }
        guard status.payoutID == payoutID else {
            throw ChannelError(.malformedResponse, channel: .wechat, operation: operation, message: "answer is for another transfer")
        }
        return status
    }

    /// GET /v3/bill/tradebill?bill_date=yyyy-MM-dd&bill_type=ALL.
    public func tradeBillLocation(day: String) async throws(ChannelError) -> WeChatPayBillLocation {
        let operation = "wechat.tradebill"
        guard ChannelTime.parseShanghaiDateTime(day + " 00:00:00") != nil else {
            throw ChannelError(.invalidRequest, channel: .wechat, operation: operation, message: "day must be yyyy-MM-dd")
        }
        let response = try await perform(operation, .GET, "/v3/bill/tradebill?bill_date=\(day)&bill_type=ALL")
        let wire = try decode(WeChatWireBill.self, response, operation)
        return WeChatPayBillLocation(downloadURL: wire.download_url, hashType: wire.hash_type, hashValue: wire.hash_value)
    }

    /// Downloads a bill (a signed GET; the file itself is not signed) and checks it against the verified SHA1.
    public func downloadBill(_ location: WeChatPayBillLocation) async throws(ChannelError) -> [UInt8] {
        let operation = "wechat.billdownload"
        let base = configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        guard location.downloadURL.hasPrefix(base + "/"), location.hashType.uppercased() == "SHA1" else {
            throw ChannelError(
                .malformedResponse, channel: .wechat, operation: operation,
                message: "download_url is not under the configured base URL or hash_type is not SHA1")
        }
        let target = String(location.downloadURL.dropFirst(base.count))
        let response = try await transport.send(operation, repeatable: true) { [signer, now] () throws(ChannelError) in
            let timestamp = String(Int64(now().timeIntervalSince1970.rounded(.down)))
            let nonce = ChannelIdentifiers.nonce()
            let authorization = try signer.authorization(method: "GET", url: target, timestamp: timestamp, nonce: nonce, body: [])
            return ChannelHTTPRequest(method: .GET, url: base + target, headers: [("Authorization", authorization)], body: nil)
        }
        guard response.status == 200 else {
            throw ChannelError(
                .httpStatus, channel: .wechat, operation: operation, message: "bill download failed",
                httpStatus: response.status, isRetriable: response.status >= 500)
        }
        guard constantTimeEquals(Hex.encode(SHA1.hash(response.body)), location.hashValue.lowercased()) else {
            throw ChannelError(
                .badResponseSignature, channel: .wechat, operation: operation, message: "bill SHA1 does not match hash_value")
        }
        return response.body
    }
}
