import AsyncHTTPClient
import Foundation
import Logging
import PaystreamCore

/// A Bill99 (快钱) pay-to-bank client behind ``PayoutChannel``, following the contract of channels.md as the
/// channel simulator serves it (no official specification was found; see ``Bill99Seal`` for what is simplified).
///
/// Guarantees: every request is signed with the merchant key; a result is taken only from an answer whose
/// sealed `<pay2bankResult>` verifies with Bill99's key and names the same orderId; an answer with errorCode other
/// than 0000 is `.rejected` (such answers are unsigned in this contract, so their code is informative only);
/// orderId is the idempotency key, so requests are retried within ``ChannelHTTPOptions``.
public struct Bill99Client: PayoutChannel {
    public var channel: Channel { .bill99 }

    public let configuration: Bill99Configuration
    let credentials: Bill99Credentials
    let transport: ChannelHTTPTransport

    public init(
        configuration: Bill99Configuration, credentials: Bill99Credentials, httpClient: HTTPClient,
        logger: Logger = Logger(label: "paystream.channels.bill99")
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.transport = ChannelHTTPTransport(
            client: httpClient, options: configuration.http, channel: .bill99, logger: logger)
    }

    public init(
        configuration: Bill99Configuration, httpClient: HTTPClient, logger: Logger = Logger(label: "paystream.channels.bill99")
    ) throws(ChannelError) {
        self.init(
            configuration: configuration, credentials: try Bill99Credentials.load(from: configuration),
            httpClient: httpClient, logger: logger)
    }

    /// pay2bank: pays `request.amount` (fen) to a bank account.
    public func requestPayout(_ request: PayoutRequest) async throws(ChannelError) -> PayoutStatus {
        let operation = "bill99.pay2bank"
        guard case .bankAccount(let account) = request.destination else {
            throw ChannelError(.invalidRequest, channel: .bill99, operation: operation, message: "Bill99 pays to bank accounts only")
        }
        try ChannelIdentifiers.check(request.payoutID, "orderId", lengths: 1...32, channel: .bill99, operation: operation)
        try ChannelIdentifiers.checkPositive(request.amount, "amount", channel: .bill99, operation: operation)
        guard (8...32).contains(account.accountNumber.utf8.count),
            account.accountNumber.utf8.allSatisfy({ (0x30...0x39).contains($0) })
        else {
            throw ChannelError(.invalidRequest, channel: .bill99, operation: operation, message: "bankAcctId must be 8...32 digits")
        }
        try ChannelIdentifiers.checkText(account.holderName, "creditName", maxCharacters: 64, channel: .bill99, operation: operation)
        try ChannelIdentifiers.checkText(account.bankName, "bankName", maxCharacters: 64, channel: .bill99, operation: operation)
        let order = "<pay2bankOrder>" + Bill99XML.elements([
            ("orderId", request.payoutID), ("amount", String(request.amount.fen)), ("bankName", account.bankName),
            ("branchName", account.branchName), ("creditName", account.holderName), ("mobile", account.mobile),
            ("bankAcctId", account.accountNumber), ("province", account.province), ("city", account.city),
            ("remark", request.remark), ("feeAction", configuration.feeAction), ("notifyUrl", configuration.notifyURL),
        ]) + "</pay2bankOrder>"
        let status = try await exchange(
            operation, path: configuration.payPath, root: "pay2bankRequest", inner: order, payoutID: request.payoutID)
        if let amount = status.amount, amount != request.amount {
            throw ChannelError(
                .malformedResponse, channel: .bill99, operation: operation,
                message: "Bill99 reports \(amount) for orderId \(request.payoutID), not \(request.amount)")
        }
        return status
    }

    /// pay2bank query: the payout's current status (101 processing, 111 success, 112 failure). errorCode 0004
    /// (订单不存在, no such orderId) is `.notFound`: Bill99 holds no payout under that orderId.
    public func queryPayout(payoutID: String) async throws(ChannelError) -> PayoutStatus {
        let operation = "bill99.pay2bank_query"
        try ChannelIdentifiers.check(payoutID, "orderId", lengths: 1...32, channel: .bill99, operation: operation)
        let inner = "<pay2bankSearchOrder>" + Bill99XML.elements([("orderId", payoutID)]) + "</pay2bankSearchOrder>"
        do {
            return try await exchange(
                operation, path: configuration.queryPath, root: "pay2bankSearchRequest", inner: inner, payoutID: payoutID)
        } catch where error.code == .rejected && error.channelCode == Self.orderNotFoundCode {
            throw ChannelError(
                .notFound, channel: .bill99, operation: operation, message: "Bill99 holds no payout \(payoutID)",
                channelCode: error.channelCode, channelMessage: error.channelMessage)
        }
    }

    /// The errorCode of a query for an orderId Bill99 does not hold.
    static let orderNotFoundCode = "0004"

    private func exchange(_ operation: String, path: String, root: String, inner: String, payoutID: String)
        async throws(ChannelError) -> PayoutStatus
    {
        let original = try await sealedExchange(operation, path: path, root: root, inner: inner)
        let status: PayoutStatus
        do {
            status = try Bill99Seal.payoutStatus(original)
        } catch {
            throw ChannelError(.malformedResponse, channel: .bill99, operation: operation, message: "\(error)")
        }
        guard status.payoutID == payoutID else {
            throw ChannelError(.malformedResponse, channel: .bill99, operation: operation, message: "answer is for another orderId")
        }
        return status
    }

    /// Sends `inner` sealed in `root` to `path` and returns the answer's sealed inner XML, verified with Bill99's
    /// key; an answer with errorCode other than 0000 is `.rejected`.
    func sealedExchange(_ operation: String, path: String, root: String, inner: String) async throws(ChannelError) -> String {
        let message: String
        do {
            message = try Bill99Seal.seal(
                root: root, bodyElement: "requestBody", memberCode: configuration.memberCode, inner: inner,
                key: credentials.merchantPrivateKey)
        } catch {
            throw ChannelError(.configuration, channel: .bill99, operation: operation, message: "cannot sign: \(error)")
        }
        let base = configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        let body = Array(message.utf8)
        let response = try await transport.send(operation, repeatable: true) { () throws(ChannelError) in
            ChannelHTTPRequest(
                method: .POST, url: base + path, headers: [("Content-Type", "text/xml; charset=utf-8")], body: body)
        }
        guard response.status == 200 else {
            throw ChannelError(
                .httpStatus, channel: .bill99, operation: operation, message: "unexpected HTTP status",
                httpStatus: response.status, isRetriable: response.status == 429 || response.status >= 500)
        }
        guard let text = String(validating: response.body, as: UTF8.self) else {
            throw ChannelError(.malformedResponse, channel: .bill99, operation: operation, message: "answer is not UTF-8")
        }
        do {
            let opened = try Bill99Seal.open(text, bill99Key: credentials.bill99PublicKey)
            guard opened.errorCode == "0000" else {
                throw ChannelError(
                    .rejected, channel: .bill99, operation: operation,
                    message: "Bill99 answered errorCode \(opened.errorCode)" + (opened.original == nil ? " (unsigned answer)" : ""),
                    channelCode: opened.errorCode, channelMessage: opened.errorMessage)
            }
            guard let original = opened.original else {
                throw ChannelError(.badResponseSignature, channel: .bill99, operation: operation, message: "answer is not sealed")
            }
            return original
        } catch let error as ChannelError {
            throw error
        } catch Bill99Seal.Failure.badSignature {
            throw ChannelError(
                .badResponseSignature, channel: .bill99, operation: operation, message: "sealed result does not verify")
        } catch {
            throw ChannelError(.malformedResponse, channel: .bill99, operation: operation, message: "\(error)")
        }
    }
}
